package future

import "errors"

var (
	// ErrAllFailed is returned by [Any] when every future failed, joined
	// to the causes: errors.Is and errors.As find each of them.
	ErrAllFailed = errors.New("future: every future failed")

	// ErrNoFutures is returned by [Any] and [First] when given no futures,
	// as neither has a result to return.
	ErrNoFutures = errors.New("future: no futures")
)

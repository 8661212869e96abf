package future

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// The combinators below block until they have their answer or ctx is done,
// and start no goroutine: they register one entry per pending future and
// wait on a single channel. If ctx is already done they return ctx.Err() at
// once. ctx bounds the wait only; its end cancels no future. fs must not
// contain nil.

// All waits for every future in fs and returns their values in the order of
// fs. If a future fails, All cancels the others (see [Future.Cancel]) and
// returns that error at once, without waiting for them to settle. If ctx is
// done first, All returns ctx.Err().
//
// Several failures are not combined: the first to be seen wins, as with
// errgroup. Use [AllSettled] to see every outcome.
func All[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vals := make([]T, len(fs))
	failed, canceled := -1, false
	settle(ctx, fs, func(i int, ok bool) bool {
		switch {
		case !ok:
			canceled = true
			return false
		case fs[i].res.Err != nil:
			failed = i
			return false
		}
		vals[i] = fs[i].res.Value
		return true
	})
	switch {
	case canceled:
		return nil, ctx.Err()
	case failed >= 0:
		cancelAll(fs)
		return nil, fs[failed].res.Err
	}
	return vals, nil
}

// AllSettled waits for every future in fs and returns their results in the
// order of fs. It never stops early: a future that has not resolved when ctx
// is done gets ctx.Err() as its result.
func AllSettled[T any](ctx context.Context, fs ...*Future[T]) []Result[T] {
	rs := make([]Result[T], len(fs))
	settle(ctx, fs, func(i int, ok bool) bool {
		if ok {
			rs[i] = fs[i].res
		} else {
			rs[i].Err = ctx.Err()
		}
		return true
	})
	return rs
}

// Any returns the value of the first future in fs to succeed, and cancels
// the others (see [Future.Cancel]). If every future fails, Any returns
// [ErrAllFailed] joined to every cause, in the order of fs. If ctx is done
// first, Any returns ctx.Err(); with no futures, [ErrNoFutures].
func Any[T any](ctx context.Context, fs ...*Future[T]) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if len(fs) == 0 {
		return zero, ErrNoFutures
	}
	var errs []error
	won, canceled := -1, false
	settle(ctx, fs, func(i int, ok bool) bool {
		switch {
		case !ok:
			canceled = true
			return false
		case fs[i].res.Err == nil:
			won = i
			return false
		}
		if errs == nil {
			errs = make([]error, len(fs))
		}
		errs[i] = fs[i].res.Err
		return true
	})
	switch {
	case canceled:
		return zero, ctx.Err()
	case won >= 0:
		cancelAll(fs)
		return fs[won].res.Value, nil
	}
	return zero, fmt.Errorf("%w: %w", ErrAllFailed, errors.Join(errs...))
}

// First returns the result of the first future in fs to resolve, success or
// failure, and cancels the others (see [Future.Cancel]). If ctx is done
// first, First returns ctx.Err(); with no futures, [ErrNoFutures]. Use
// [AsCompleted] to learn which future came first.
func First[T any](ctx context.Context, fs ...*Future[T]) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if len(fs) == 0 {
		return zero, ErrNoFutures
	}
	first := -1
	settle(ctx, fs, func(i int, ok bool) bool {
		if ok {
			first = i
		}
		return false
	})
	if first < 0 {
		return zero, ctx.Err()
	}
	cancelAll(fs)
	return fs[first].res.Value, fs[first].res.Err
}

// AsCompleted returns an iterator over the futures in fs as they resolve:
// each index in fs with its future's result, in resolution order (futures
// already resolved when the loop starts come first, in the order of fs).
// Each index is yielded once. If ctx is done, the futures not yet yielded
// are yielded, in the order of fs, with ctx.Err() as their result.
//
// The loop body runs on the ranging goroutine. Nothing is registered until
// the loop starts, and breaking out of the loop unregisters everything; it
// cancels no future. Each loop over the iterator starts afresh. fs must not
// be modified while a loop over the iterator runs.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[int, Result[T]] {
	return func(yield func(int, Result[T]) bool) {
		settle(ctx, fs, func(i int, ok bool) bool {
			if !ok {
				return yield(i, Result[T]{Err: ctx.Err()})
			}
			return yield(i, fs[i].res)
		})
	}
}

// cancelAll cancels every future in fs; resolved ones ignore it.
func cancelAll[T any](fs []*Future[T]) {
	for _, f := range fs {
		f.Cancel()
	}
}

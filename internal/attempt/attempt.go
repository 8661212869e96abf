// Package attempt marks a context whose requests a scheduler retries itself,
// so that the session sends each hop once instead of retrying inline.
package attempt

import "context"

type singleKey struct{}

// Single returns ctx marked so that a session sends each hop of a request
// once: the caller (the async pool) schedules any retry itself.
func Single(ctx context.Context) context.Context {
	return context.WithValue(ctx, singleKey{}, true)
}

// IsSingle reports whether ctx was marked by Single.
func IsSingle(ctx context.Context) bool {
	v, _ := ctx.Value(singleKey{}).(bool)
	return v
}

package future

import (
	"context"
	"sync/atomic"
)

// Then returns a future for fn applied to the value of f, for pipelines that
// pass futures from stage to stage without a goroutine parked per stage.
//
// When f succeeds, fn runs in a new goroutine owned by the returned future,
// which resolves with fn's results. When f fails, fn does not run and the
// returned future resolves with f's error. Until f resolves, nothing runs:
// the returned future waits as an entry on f, not as a goroutine.
//
// fn's context is derived from ctx. If ctx is done or the returned future is
// canceled before f resolves, fn never runs and the returned future resolves
// with ctx.Err() or [context.Canceled] without waiting for f. Once fn runs,
// either one cancels fn's context instead, and fn's results stand. Canceling the returned future does not cancel f, which may have
// other consumers: cancel f for that. If ctx is already done, Then returns a
// future resolved with ctx.Err().
//
// As in any goroutine, a panic in fn crashes the program.
func Then[T, U any](ctx context.Context, f *Future[T], fn func(ctx context.Context, v T) (U, error)) *Future[U] {
	if err := ctx.Err(); err != nil {
		var zero U
		return Ready(zero, err)
	}
	t := &then[T, U]{in: f, fn: fn}
	t.w.n = t
	t.ctx, t.cancel = context.WithCancel(ctx)
	t.out.cancel = t.cancel
	t.stop = context.AfterFunc(t.ctx, t.abandon)
	if !f.watch(&t.w) {
		t.notify(&t.w)
	} else if t.claimed.Load() {
		// abandon ran before the waiter was in place; take it out again.
		f.unwatch(&t.w)
	}
	return &t.out
}

// then is the state of one [Then] call. It shares one allocation with the
// future it returns.
type then[T, U any] struct {
	out Future[U]
	in  *Future[T]
	fn  func(context.Context, T) (U, error)
	w   waiter // entry on in

	ctx    context.Context // fn's context, canceled by out.Cancel
	cancel context.CancelFunc
	stop   func() bool // unregisters abandon from ctx

	// claimed is set by the first of notify (in resolved) and abandon
	// (ctx done); only the one that sets it acts.
	claimed atomic.Bool
}

// notify runs when in resolves.
func (t *then[T, U]) notify(*waiter) {
	if !t.claimed.CompareAndSwap(false, true) {
		return
	}
	t.stop()
	if err := t.in.res.Err; err != nil {
		t.cancel()
		var zero U
		t.out.resolve(zero, err)
		return
	}
	if err := t.ctx.Err(); err != nil {
		// Canceled before in resolved, but abandon has yet to run.
		var zero U
		t.out.resolve(zero, err)
		return
	}
	go t.run(t.in.res.Value)
}

func (t *then[T, U]) run(v T) {
	u, err := t.fn(t.ctx, v)
	t.cancel()
	t.out.resolve(u, err)
}

// abandon runs, in a goroutine of its own, when ctx is done.
func (t *then[T, U]) abandon() {
	if !t.claimed.CompareAndSwap(false, true) {
		return
	}
	t.in.unwatch(&t.w)
	t.cancel()
	var zero U
	t.out.resolve(zero, t.ctx.Err())
}

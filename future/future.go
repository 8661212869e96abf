package future

import (
	"context"
	"sync"
	"sync/atomic"
)

// Result is the outcome of a future: a value and an error. By convention
// Value is meaningful only when Err is nil, as with a (T, error) return.
type Result[T any] struct {
	Value T
	Err   error
}

// States of a future. A future moves from pending to done once and never
// back. A future with waiters is resolving while they are told: its result
// is set but not yet visible, so that nobody can see it resolved (and
// resolve another future in turn) before its waiters have been told, and
// [AsCompleted] yields futures in the order they resolved.
const (
	statePending uint32 = iota
	stateResolving
	stateDone
)

// closedchan is returned by Done for a future that resolved before anyone
// asked for its channel, so that such a future never allocates one.
var closedchan = make(chan struct{})

func init() { close(closedchan) }

// Future is the eventual result of a computation: a value of type T and an
// error, set once by the future's producer and read by any number of
// consumers.
//
// Create futures with [New], [NewWithCancel], [Go], [Ready] or a
// [Promise]. The zero value is a pending future that nothing can resolve;
// it is of no use. A Future must not be copied after first use.
//
// All methods are safe for concurrent use. A future holds no goroutine and
// no timer of its own: once resolved it is plain memory, so a future nobody
// awaits needs no release. Waiting on it ([Future.Await], [Future.Done], the
// combinators) never starts a goroutine either.
type Future[T any] struct {
	// state is pending, resolving or done. It leaves pending under mu,
	// after res is written, so a load that sees done may read res without
	// the lock.
	state atomic.Uint32

	mu       sync.Mutex    // guards done, waiters, cancel, canceler, and the move to done
	done     chan struct{} // made on demand by Done; closed at resolution
	waiters  *waiter       // list of registered waiters, notified at resolution
	cancel   func()        // producer's cancel func; dropped at resolution
	canceler canceler      // or a Promise's; likewise

	res Result[T] // written once, before state becomes done
}

// New returns a pending future and the func that resolves it.
//
// The first call of resolve sets the future's result, wakes every waiter and
// drops the future's references to them; later calls do nothing, so racing
// producers (a worker and a canceler, say) may both call it. resolve is safe
// for concurrent use and never blocks.
//
// A future from New has no work to cancel: [Future.Cancel] does nothing. A
// producer that can stop its work uses [NewWithCancel].
func New[T any]() (f *Future[T], resolve func(v T, err error)) {
	f = new(Future[T])
	return f, f.resolve
}

// NewWithCancel is [New] for producers that can stop the work behind the
// future, such as a pool that can drop a queued task or abort one in flight.
//
// The first call of [Future.Cancel] on a pending future calls cancel, on the
// goroutine that called Cancel and with no lock held. cancel is called at
// most once, and never after the future has resolved: resolution drops it.
// cancel must not block. It should make the producer resolve the future
// soon, normally with [context.Canceled]; it may call resolve itself.
func NewWithCancel[T any](cancel func()) (f *Future[T], resolve func(v T, err error)) {
	f = &Future[T]{cancel: cancel}
	return f, f.resolve
}

// Ready returns a future already resolved with v and err.
func Ready[T any](v T, err error) *Future[T] {
	f := &Future[T]{res: Result[T]{Value: v, Err: err}}
	f.state.Store(stateDone)
	return f
}

// Go runs fn in a new goroutine and returns a future resolved with its
// results. The goroutine belongs to the future: it ends when fn returns.
//
// fn's context is derived from ctx and is canceled by [Future.Cancel], when
// ctx is done, or once fn has returned. If ctx is already done, Go starts
// nothing and returns a future resolved with ctx.Err().
//
// As in any goroutine, a panic in fn crashes the program.
func Go[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) *Future[T] {
	if err := ctx.Err(); err != nil {
		var zero T
		return Ready(zero, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Future[T]{cancel: cancel}
	go func() {
		v, err := fn(ctx)
		cancel()
		f.resolve(v, err)
	}()
	return f
}

// resolve sets the result if f is pending, then wakes f's waiters.
func (f *Future[T]) resolve(v T, err error) {
	if f.state.Load() != statePending {
		return
	}
	f.mu.Lock()
	if f.state.Load() != statePending {
		f.mu.Unlock()
		return
	}
	f.res = Result[T]{Value: v, Err: err}
	ws := f.waiters
	f.waiters, f.cancel, f.canceler = nil, nil, nil
	if ws != nil {
		// Tell the waiters before anyone can see f resolved: what
		// resolves because of f (a future awaiting it) then resolves
		// after they have been told.
		f.state.Store(stateResolving)
		f.mu.Unlock()
		// The list is ours now: unwatch leaves a future that is not
		// pending alone, and watch adds nothing to it.
		for w := ws; w != nil; {
			next := w.next
			w.n.notify(w)
			w = next
		}
		f.mu.Lock()
	}
	f.state.Store(stateDone)
	done := f.done
	f.mu.Unlock()
	if done != nil {
		close(done)
	}
}

// Await waits until f resolves or ctx is done, and returns f's result or
// ctx.Err(). It starts no goroutine. If ctx is already done, Await returns
// ctx.Err() at once, even when f has resolved; use [Future.Peek] to look
// without a context.
//
// Giving up on the wait does not cancel f; call [Future.Cancel] for that.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	if f.state.Load() == stateDone {
		return f.res.Value, f.res.Err
	}
	done := ctx.Done()
	if done == nil { // ctx is never done
		<-f.Done()
		return f.res.Value, f.res.Err
	}
	select {
	case <-f.Done():
		return f.res.Value, f.res.Err
	case <-done:
		var zero T
		return zero, ctx.Err()
	}
}

// Done returns a channel that is closed when f resolves, for use in a select
// statement. Successive calls return the same channel while f is pending.
// The channel is made on the first call, so a future that nobody selects on
// never allocates one.
func (f *Future[T]) Done() <-chan struct{} {
	if f.state.Load() == stateDone {
		// f.done is no longer written once f is done.
		if f.done != nil {
			return f.done
		}
		return closedchan
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		if f.state.Load() == stateDone {
			return closedchan
		}
		f.done = make(chan struct{})
	}
	return f.done
}

// Peek returns f's result and true if f has resolved, or the zero Result
// and false if it is pending. It never blocks.
func (f *Future[T]) Peek() (Result[T], bool) {
	if f.state.Load() != stateDone {
		return Result[T]{}, false
	}
	return f.res, true
}

// Cancel asks the producer of a pending future to stop its work: it cancels
// the context of a func started by [Go] or [Then], and calls the cancel func
// given to [NewWithCancel]. It does not resolve f itself; the producer does,
// normally with [context.Canceled], so a later Await sees how the work
// actually ended.
//
// Cancel does nothing if f has resolved, if f came from [New] or [Ready],
// or if it has been called before. It never blocks on the work.
func (f *Future[T]) Cancel() {
	if f.state.Load() == stateDone {
		return
	}
	f.mu.Lock()
	cancel, c := f.cancel, f.canceler
	f.cancel, f.canceler = nil, nil
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if c != nil {
		c.Cancel()
	}
}

type canceler interface{ Cancel() }

// A Promise is a pending [Future] together with the right to resolve it,
// as one value that a producer can embed in a struct of its own. A pool
// that keeps a Promise in each queue entry allocates an entry and its
// future at once, where [NewWithCancel] allocates the future and a resolve
// func, and the producer a cancel func.
//
// The zero Promise is pending and ready to use. A Promise must not be
// copied after first use.
type Promise[T any] struct {
	f Future[T]
}

// Future returns the future that p resolves.
func (p *Promise[T]) Future() *Future[T] { return &p.f }

// Resolve settles p's future with v and err, as the resolve func of [New]
// does: the first call wins, and later ones do nothing. It is safe for
// concurrent use and never blocks.
func (p *Promise[T]) Resolve(v T, err error) { p.f.resolve(v, err) }

// OnCancel makes [Future.Cancel] on p's future call c.Cancel, under the
// rules for the cancel func of [NewWithCancel]: at most once, never after
// the future has resolved, on the goroutine that called Cancel. Call it
// before the future is handed to anyone.
func (p *Promise[T]) OnCancel(c interface{ Cancel() }) { p.f.canceler = c }

package future

import (
	"context"
	"sync"
)

// A notifier is told when a future it watches resolves. notify runs on the
// resolving goroutine, after the future's lock is released and before the
// future looks resolved to anyone else; it must not block, nor wait for the
// future.
type notifier interface {
	notify(w *waiter)
}

// A waiter is an entry in a future's list of parties to notify at
// resolution. Waiting on many futures costs one waiter per future, not one
// goroutine or one select case.
type waiter struct {
	n notifier
	i int // index of the watched future in the caller's slice

	// prev and next link the waiter into a pending future's list and are
	// guarded by that future's mu. Once the future resolves they belong to
	// the resolving goroutine, which only reads them.
	prev, next *waiter

	// Fields below belong to the notifier.
	ready *waiter // next in the collector's ready queue, under collector.mu
	taken bool    // taken off the ready queue: notified, no longer registered
}

// watch adds w to f's waiters and reports true, or reports false and adds
// nothing if f has already resolved (its result is set, and may be read
// once watch has returned).
func (f *Future[T]) watch(w *waiter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Load() != statePending {
		return false
	}
	w.prev, w.next = nil, f.waiters
	if f.waiters != nil {
		f.waiters.prev = w
	}
	f.waiters = w
	return true
}

// unwatch removes w from f's waiters, so that a future that stays pending
// does not keep a finished wait alive. It does nothing if w is not in the
// list, or if f has resolved: then w has been or is about to be notified.
func (f *Future[T]) unwatch(w *waiter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state.Load() != statePending || (w.prev == nil && f.waiters != w) {
		return
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		f.waiters = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
}

// A collector gathers the waiters of resolved futures into a queue and
// wakes one consumer, which waits on a single channel however many futures
// it watches.
type collector struct {
	mu         sync.Mutex // guards head and tail
	head, tail *waiter    // ready queue, in resolution order, linked by waiter.ready

	wake chan struct{} // size one: a send means the queue may have grown
}

func (c *collector) notify(w *waiter) {
	c.mu.Lock()
	if c.tail == nil {
		c.head = w
	} else {
		c.tail.ready = w
	}
	c.tail = w
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take empties the ready queue and returns its head.
func (c *collector) take() *waiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.head
	c.head, c.tail = nil, nil
	return h
}

// settle calls yield(i, true) for each future fs[i] as it resolves, in
// resolution order; futures resolved on entry come first, in index order.
// If ctx is done first, settle calls yield(i, false) for each future not yet
// reported, in index order, without looking at them. It stops as soon as
// yield returns false, and on return leaves nothing registered on any future.
//
// yield runs on the caller's goroutine. settle starts no goroutine; waiting
// costs one waiter per pending future and one channel.
func settle[T any](ctx context.Context, fs []*Future[T], yield func(i int, ok bool) bool) {
	if ctx.Err() != nil {
		for i := range fs {
			if !yield(i, false) {
				return
			}
		}
		return
	}

	// Report what has resolved already; keep a waiter for the rest.
	var ws []waiter
	for i, f := range fs {
		if f.state.Load() == stateDone {
			if !yield(i, true) {
				return
			}
			continue
		}
		if ws == nil {
			ws = make([]waiter, 0, len(fs)-i)
		}
		ws = append(ws, waiter{i: i})
	}
	if len(ws) == 0 {
		return
	}

	c := &collector{wake: make(chan struct{}, 1)}
	defer func() {
		for k := range ws {
			if w := &ws[k]; !w.taken {
				fs[w.i].unwatch(w)
			}
		}
	}()
	for k := range ws {
		w := &ws[k]
		w.n = c
		if !fs[w.i].watch(w) {
			c.notify(w) // resolved since the first pass
		}
	}

	done := ctx.Done() // nil if ctx is never done
	left := len(ws)
	for left > 0 {
		for w := c.take(); w != nil; w = w.ready {
			w.taken = true
			left--
			if !yield(w.i, true) {
				return
			}
		}
		if left == 0 {
			return
		}
		if done == nil {
			<-c.wake
			continue
		}
		select {
		case <-c.wake:
		case <-done:
			for k := range ws {
				if w := &ws[k]; !w.taken {
					if !yield(w.i, false) {
						return
					}
				}
			}
			return
		}
	}
}

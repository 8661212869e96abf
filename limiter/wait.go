package limiter

import (
	"container/list"
	"context"
	"time"

	"golang.org/x/time/rate"
)

// A waiter is one blocked Wait call. It is queued on its key, oldest first;
// only the key's first waiter (its head) competes for a permit, and it takes
// its rate token in the same step as its slots, so a waiter holds no token
// while it waits. A head that finds a slot full waits for a release to hand
// that slot over to it (keyBlocked, or queued in Limiter.slotq for the
// global slot); a head short of a token, or paused, gives back any slot it
// was handed and sleeps on its own timer. The Limiter's mu guards all fields
// but ready.
type waiter struct {
	e     *entry
	elem  *list.Element // in e.waiters
	ready chan struct{} // size one: something changed, look again

	keyBlocked bool          // the head, waiting for a slot on its key
	slot       *list.Element // in Limiter.slotq while waiting for a global slot
	hasKey     bool          // a key slot handed over or taken
	hasGlobal  bool          // a global slot handed over or taken
	freed      bool          // gave back a slot: tell OnRelease after unlocking
}

func (w *waiter) wake() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// Wait blocks until key can be admitted: its pause is over, a slot on key
// and a global slot are free, and its bucket has a token. It returns a
// release func, which the caller must call when the work is done; calling it
// again does nothing.
//
// Wait callers on one key are admitted in the order they called, ahead of
// [Limiter.TryAcquire]; callers waiting for a global slot get one in the
// order they began to wait for it. A caller holds nothing while it waits (no
// slot and no token): if ctx is done first, Wait returns ctx.Err() and the
// Limiter admits others as if it had never been called. A ctx already done
// returns ctx.Err() at once and changes nothing.
func (l *Limiter) Wait(ctx context.Context, key string) (release func(), err error) {
	p, err := l.wait(ctx, key)
	if err != nil {
		return nil, err
	}
	return p.Release, nil
}

func (l *Limiter) wait(ctx context.Context, key string) (Permit, error) {
	if l == nil {
		return Permit{}, ctx.Err()
	}
	done := ctx.Done()
	l.mu.Lock()
	select {
	case <-done:
		l.mu.Unlock()
		return Permit{}, ctx.Err()
	default:
	}
	now := time.Now()
	e := l.lookup(key, now)
	if p, _, ok := l.try(e, now); ok {
		l.mu.Unlock()
		return p, nil
	}

	w := &waiter{e: e, ready: make(chan struct{}, 1)}
	if e.waiters == nil {
		e.waiters = list.New()
	}
	w.elem = e.waiters.PushBack(w)
	l.waiting++
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-done:
			l.abandon(w)
			l.mu.Unlock()
			l.notify(key)
			return Permit{}, ctx.Err()
		default:
		}
		wait := time.Duration(-1)
		if e.waiters.Front() == w.elem {
			var p Permit
			var ok bool
			if p, wait, ok = l.step(w, time.Now()); ok {
				l.leave(w)
				last := e.queued() == 0
				l.mu.Unlock()
				if last {
					// TryAcquire yielded to the queue; it no longer has to.
					l.notify(key)
				}
				return p, nil
			}
		}
		freed := w.freed
		w.freed = false
		l.mu.Unlock()
		if freed {
			l.notify(key)
		}
		if wait > 0 && wait < rate.InfDuration {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-w.ready:
			case <-done:
			}
		} else {
			select {
			case <-w.ready:
			case <-done:
			}
		}
		l.mu.Lock()
	}
}

// step tries to admit w, the head of its key's queue, at now. It returns a
// permit, or how long to sleep (negative: until woken). l.mu must be held.
func (l *Limiter) step(w *waiter, now time.Time) (Permit, time.Duration, bool) {
	e := w.e
	w.keyBlocked = false
	if now.Before(e.until) {
		l.giveBack(w)
		return Permit{}, e.until.Sub(now), false
	}
	at := e.clock(now)
	e.last = at
	if e.bucket != nil && e.bucket.TokensAt(at) < 1 {
		l.giveBack(w)
		return Permit{}, e.tokenWait(at) + at.Sub(now), false
	}
	if !w.hasKey {
		if l.cfg.perKey > 0 && e.inUse >= l.cfg.perKey {
			w.keyBlocked = true
			return Permit{}, -1, false
		}
		e.inUse++
		w.hasKey = true
	}
	if !w.hasGlobal {
		if l.cfg.global > 0 && l.inUse >= l.cfg.global {
			if w.slot == nil {
				w.slot = l.slotq.PushBack(w)
			}
			return Permit{}, -1, false
		}
		if w.slot != nil {
			l.slotq.Remove(w.slot)
			w.slot = nil
		}
		l.inUse++
		w.hasGlobal = true
	}
	// Only the head spends this key's tokens (TryAcquire yields to it), so
	// the token seen above is still there.
	if e.bucket != nil && !e.bucket.AllowN(at, 1) {
		l.giveBack(w)
		return Permit{}, time.Nanosecond, false
	}
	// The slots w holds become the permit's.
	w.hasKey, w.hasGlobal = false, false
	e.inUse--
	l.inUse--
	return l.permit(e), 0, true
}

// giveBack returns the slots w was handed or took, and takes it out of the
// global queue. l.mu must be held.
func (l *Limiter) giveBack(w *waiter) {
	w.keyBlocked = false
	if w.slot != nil {
		l.slotq.Remove(w.slot)
		w.slot = nil
	}
	if w.hasKey {
		// w is its key's head, so no other waiter wants this slot.
		w.hasKey = false
		w.e.inUse--
		w.freed = true
	}
	if w.hasGlobal {
		w.hasGlobal = false
		l.inUse--
		l.handOffGlobal()
		w.freed = true
	}
}

// leave takes w, admitted, out of its key's queue and wakes the next head.
// l.mu must be held.
func (l *Limiter) leave(w *waiter) {
	q := w.e.waiters
	q.Remove(w.elem)
	l.waiting--
	if f := q.Front(); f != nil {
		f.Value.(*waiter).wake()
	}
}

// abandon takes w out of the queues after its ctx is done, giving back
// whatever it was handed. l.mu must be held.
func (l *Limiter) abandon(w *waiter) {
	l.giveBack(w)
	l.leave(w)
}

// handOffGlobal hands free global slots to waiters queued for them, oldest
// first. While any waiter is queued the global count stays full, so
// TryAcquire and new Wait callers cannot take a slot ahead of it. l.mu must
// be held.
func (l *Limiter) handOffGlobal() {
	for l.slotq.Len() > 0 && (l.cfg.global == 0 || l.inUse < l.cfg.global) {
		w := l.slotq.Remove(l.slotq.Front()).(*waiter)
		w.slot = nil
		w.hasGlobal = true
		l.inUse++
		w.wake()
	}
}

// handOffKey hands a free slot on e to e's head if it waits for one.
// l.mu must be held.
func (l *Limiter) handOffKey(e *entry) {
	if e.waiters == nil {
		return
	}
	f := e.waiters.Front()
	if f == nil {
		return
	}
	if w := f.Value.(*waiter); w.keyBlocked && (l.cfg.perKey == 0 || e.inUse < l.cfg.perKey) {
		w.keyBlocked = false
		w.hasKey = true
		e.inUse++
		w.wake()
	}
}

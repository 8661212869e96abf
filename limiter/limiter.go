package limiter

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"
)

// A Limiter admits work per key (by default a host and port) under a token
// bucket for each key, a cap on concurrent permits per key and overall, and
// pauses set by [Limiter.Pause]. Blocking callers use [Limiter.Wait];
// schedulers use [Limiter.TryAcquire], which never blocks. Every permit
// taken must be released, once the work it admitted is done.
//
// A Limiter is safe for concurrent use. It starts no goroutines: its state
// changes under a mutex when it is called, and idle keys are evicted by
// later calls (see the package documentation).
//
// The zero value is a Limiter with no limits, like New(); it must not be
// copied after first use. A nil *Limiter is valid too and limits nothing:
// every call admits at once, and Pause does nothing.
type Limiter struct {
	cfg config // set by New; read-only after

	mu      sync.Mutex        // guards the fields below, all entries and waiters
	keys    map[string]*entry // nil until the first key
	lru     entry             // sentinel of the entries, most recently used first
	inUse   int               // global slots held, by permits and by waiters
	slotq   list.List         // *waiter waiting for a global slot, oldest first
	waiting int               // Wait callers queued
	evicted uint64            // entries evicted so far
}

// New returns a Limiter configured by opts. With no options it limits
// nothing, but still records pauses.
func New(opts ...Option) *Limiter {
	l := new(Limiter)
	for _, o := range opts {
		o.apply(&l.cfg)
	}
	return l
}

// A Permit is the right to do one piece of work under a [Limiter]'s limits:
// it holds a concurrency slot on its key and a global one until it is
// released. The rate token it took is spent and is not given back.
//
// Release is idempotent and safe for concurrent use, on a Permit and on every
// copy of it: the first call releases, later ones do nothing. The zero Permit
// holds nothing.
type Permit struct {
	h   *hold
	gen uint64
}

// A hold is what a Permit points at. Holds are reused through a pool, so a
// Permit costs no allocation; gen tells a Permit's own hold from its reuse by
// a later one.
type hold struct {
	gen atomic.Uint64 // bumped by the release; a Permit with another gen is stale
	l   *Limiter      // owned by whoever holds gen, until released
	e   *entry
}

var holds = sync.Pool{New: func() any { return new(hold) }}

// permit takes a permit for e. l.mu must be held.
func (l *Limiter) permit(e *entry) Permit {
	e.inUse++
	l.inUse++
	h := holds.Get().(*hold)
	h.l, h.e = l, e
	return Permit{h: h, gen: h.gen.Load()}
}

// Release gives the permit's slots back. Calling it again, or on a copy,
// does nothing.
func (p Permit) Release() {
	h := p.h
	if h == nil || !h.gen.CompareAndSwap(p.gen, p.gen+1) {
		return
	}
	l, e := h.l, h.e
	h.l, h.e = nil, nil
	holds.Put(h)
	l.release(e)
}

func (l *Limiter) release(e *entry) {
	l.mu.Lock()
	e.inUse--
	l.inUse--
	l.handOffKey(e)
	l.handOffGlobal()
	l.mu.Unlock()
	l.notify(e.key)
}

func (l *Limiter) notify(key string) {
	if fn := l.cfg.onRelease; fn != nil {
		fn(key)
	}
}

// TryAcquire takes a permit for key at time now if one is free, without
// blocking. now is normally time.Now(); the scheduler passes the time it
// already holds, so that waits add up against its own clock. It must come
// from the same clock as time.Now (which Wait and Middleware use); a now
// earlier than one the key has already seen counts as that later time.
//
// If ok, the caller must Release p when its work is done. If not, nothing
// was taken, and wait says what is in the way:
//
//   - wait > 0: key is paused, or its bucket is empty; try again after wait.
//     A rate of zero with an empty bucket gives [rate.InfDuration].
//   - wait < 0: a concurrency slot is full (on key, or globally), or
//     [Limiter.Wait] callers are queued on key and go first. Try again after
//     a release; [OnRelease] reports those.
//
// The checks run in that order: a pause, then the slots, then the token, so a
// call that cannot have a slot never spends a token. TryAcquire costs O(1)
// and does not allocate once key is known.
func (l *Limiter) TryAcquire(key string, now time.Time) (p Permit, wait time.Duration, ok bool) {
	if l == nil {
		return Permit{}, 0, true
	}
	l.mu.Lock()
	p, wait, ok = l.try(l.lookup(key, now), now)
	l.mu.Unlock()
	return p, wait, ok
}

// try is TryAcquire for an entry. l.mu must be held.
func (l *Limiter) try(e *entry, now time.Time) (Permit, time.Duration, bool) {
	if now.Before(e.until) {
		return Permit{}, e.until.Sub(now), false
	}
	if e.queued() > 0 ||
		(l.cfg.perKey > 0 && e.inUse >= l.cfg.perKey) ||
		(l.cfg.global > 0 && l.inUse >= l.cfg.global) {
		return Permit{}, -1, false
	}
	if e.bucket != nil {
		at := e.clock(now)
		if !e.bucket.AllowN(at, 1) {
			return Permit{}, e.tokenWait(at) + at.Sub(now), false
		}
	}
	return l.permit(e), 0, true
}

// Pause stops key from being admitted before until: the way to honour a
// 429 or 503 with Retry-After for the whole host. A later until extends a
// pause; an earlier one does not shorten it. Permits already out are not
// affected.
func (l *Limiter) Pause(key string, until time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.keys[key]
	if !ok {
		now := time.Now()
		if !until.After(now) {
			return
		}
		e = l.lookup(key, now)
	}
	if until.After(e.until) {
		e.until = until
	}
}

// Paused reports whether key is paused at now, and until when.
func (l *Limiter) Paused(key string, now time.Time) (until time.Time, ok bool) {
	if l == nil {
		return time.Time{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, found := l.keys[key]; found && now.Before(e.until) {
		return e.until, true
	}
	return time.Time{}, false
}

// Stats is a snapshot of a [Limiter]'s state.
type Stats struct {
	Keys    int    // keys tracked now
	InUse   int    // slots held over all keys: permits out, and slots handed to waiters
	Waiting int    // Wait callers queued
	Evicted uint64 // idle keys evicted so far
}

// Stats returns a snapshot of l's counters. It costs O(1).
func (l *Limiter) Stats() Stats {
	if l == nil {
		return Stats{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{
		Keys:    len(l.keys),
		InUse:   l.inUse,
		Waiting: l.waiting,
		Evicted: l.evicted,
	}
}

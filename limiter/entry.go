package limiter

import (
	"container/list"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// sweepLen is how many of the least recently used entries a new key looks
// at for eviction. Each new key may evict several old ones, so the map
// shrinks back once keys stop being used, and the cost stays O(1).
const sweepLen = 4

// An entry is the state of one key. The Limiter's mu guards every field but
// key, which never changes, and bucket, which has its own lock (taken only
// with mu held).
type entry struct {
	key    string
	bucket *rate.Limiter // nil: no rate limit
	limit  float64       // bucket's rate, in tokens a second
	burst  float64       // bucket's size

	inUse   int        // permits out
	until   time.Time  // paused until
	last    time.Time  // last use, for eviction
	waiters *list.List // *waiter, oldest first; nil until one queues

	prev, next *entry // in the Limiter's list, most recently used first
}

func (e *entry) queued() int {
	if e.waiters == nil {
		return 0
	}
	return e.waiters.Len()
}

// evictable reports whether forgetting e changes nothing the Limiter would
// do: no permit is out and no Wait caller is queued, no pause is running,
// and the bucket is full, as a new one would be.
func (e *entry) evictable(now time.Time) bool {
	return e.inUse == 0 && e.queued() == 0 && !now.Before(e.until) &&
		(e.bucket == nil || e.bucket.TokensAt(now) >= e.burst)
}

// clock returns the time to give e's bucket for a call at now: never
// earlier than a time the key has seen. A rate.Limiter asked about an
// earlier time moves its clock back and then counts the same interval's
// tokens twice, so callers whose clocks differ a little (a scheduler's
// cached now, Wait's time.Now) could together exceed the rate.
func (e *entry) clock(now time.Time) time.Time {
	if now.Before(e.last) {
		return e.last
	}
	return now
}

// tokenWait returns how long from now until e's bucket holds a whole token.
func (e *entry) tokenWait(now time.Time) time.Duration {
	need := 1 - e.bucket.TokensAt(now)
	if need <= 0 {
		return time.Nanosecond
	}
	if e.limit <= 0 {
		return rate.InfDuration
	}
	d := math.Ceil(need / e.limit * float64(time.Second))
	if d >= float64(rate.InfDuration) {
		return rate.InfDuration
	}
	return max(time.Duration(d), time.Nanosecond)
}

// lookup returns key's entry, making it if needed, and marks it used at
// now. l.mu must be held.
func (l *Limiter) lookup(key string, now time.Time) *entry {
	if e, ok := l.keys[key]; ok {
		if now.After(e.last) {
			e.last = now
		}
		l.moveToFront(e)
		return e
	}
	l.sweep(now)
	e := &entry{key: key, last: now}
	if b := l.cfg.bucketFor(key); b.finite {
		e.bucket = rate.NewLimiter(b.limit, b.burst)
		e.limit, e.burst = float64(b.limit), float64(b.burst)
	}
	if l.keys == nil {
		l.keys = make(map[string]*entry)
	}
	l.keys[key] = e
	l.pushFront(e)
	return e
}

// sweep looks at up to sweepLen of the least recently used entries and
// evicts those idle for the idle timeout whose eviction changes nothing.
// One that is idle but still needed (a permit out, a pause, a bucket not yet
// refilled) goes to the front, to be looked at again after the others. The
// sweep stops at the first entry used within the idle timeout: the ones
// before it were used later still. l.mu must be held.
func (l *Limiter) sweep(now time.Time) {
	idle := l.cfg.idleTimeout()
	for range sweepLen {
		e := l.lru.prev
		if e == nil || e == &l.lru || now.Sub(e.last) < idle {
			return
		}
		if e.evictable(now) {
			l.unlink(e)
			delete(l.keys, e.key)
			l.evicted++
		} else {
			l.moveToFront(e)
		}
	}
}

func (l *Limiter) pushFront(e *entry) {
	if l.lru.next == nil {
		l.lru.next, l.lru.prev = &l.lru, &l.lru
	}
	e.prev, e.next = &l.lru, l.lru.next
	e.prev.next, e.next.prev = e, e
}

func (l *Limiter) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (l *Limiter) moveToFront(e *entry) {
	if l.lru.next == e {
		return
	}
	l.unlink(e)
	l.pushFront(e)
}

package retry

import (
	"math"
	"math/rand/v2"
	"time"
)

// Defaults of [ExponentialBackoff], and so of the zero [Policy].
const (
	DefaultBackoffBase = 100 * time.Millisecond
	DefaultBackoffMax  = 10 * time.Second
)

// Backoff chooses how long to wait before the next attempt. Delay is called
// with the number of the attempt that just failed, counting from 1, and must
// be safe for concurrent use: one Backoff serves every request of a session
// or pool.
type Backoff interface {
	Delay(attempt int) time.Duration
}

// BackoffFunc adapts an ordinary function to [Backoff]. The function must be
// safe for concurrent use.
type BackoffFunc func(attempt int) time.Duration

// Delay returns f(attempt).
func (f BackoffFunc) Delay(attempt int) time.Duration { return f(attempt) }

// Constant returns a [Backoff] that waits d before every retry. A negative d
// is taken as zero.
func Constant(d time.Duration) Backoff {
	d = max(d, 0)
	return BackoffFunc(func(int) time.Duration { return d })
}

// ExponentialBackoff waits a random time in [0, min(Max, Base·2^(attempt−1))]
// before a retry: exponential backoff with full jitter, which spreads the
// retries of many clients that failed together instead of sending them back
// in synchronised waves.
//
// The zero value is usable: a Base or Max that is zero or negative means
// [DefaultBackoffBase] or [DefaultBackoffMax]. An ExponentialBackoff is a
// plain value; it is safe for concurrent use if Rand is, and the default
// source is.
type ExponentialBackoff struct {
	// Base is the ceiling of the first wait; each further attempt doubles
	// the ceiling.
	Base time.Duration
	// Max caps the ceiling.
	Max time.Duration
	// Rand returns a uniformly random int64 in [0, n) for n > 0. Nil means
	// math/rand/v2.Int64N. Tests can inject a fixed source; it must be safe
	// for concurrent use.
	Rand func(n int64) int64
}

// Exponential returns an [ExponentialBackoff] with the given base and cap and
// the default random source.
func Exponential(base, max time.Duration) ExponentialBackoff {
	return ExponentialBackoff{Base: base, Max: max}
}

// Delay returns a random wait in [0, min(Max, Base·2^(attempt−1))]. An
// attempt below 1 is taken as 1.
func (b ExponentialBackoff) Delay(attempt int) time.Duration {
	c := int64(b.ceiling(attempt))
	rnd := b.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	n := c + 1 // [0, c] inclusive
	if c == math.MaxInt64 {
		n = c
	}
	d := rnd(n)
	// Keep a misbehaving injected source within the documented bounds.
	return time.Duration(min(max(d, 0), c))
}

// ceiling returns min(Max, Base·2^(attempt−1)) without overflowing.
func (b ExponentialBackoff) ceiling(attempt int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	shift := max(attempt-1, 0)
	if shift >= 62 || base > limit>>shift {
		return limit
	}
	return min(base<<shift, limit)
}

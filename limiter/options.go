package limiter

import (
	"math"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// DefaultIdleTimeout is how long a key must go unused before it may be
// evicted, unless [IdleTimeout] sets another.
const DefaultIdleTimeout = time.Minute

// An Option configures a [Limiter] made by [New]. Options are values: the
// same Option may be passed to many calls of New, and when two options set
// the same thing the last one wins.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the part of a Limiter fixed by New. Its zero value limits
// nothing.
type config struct {
	perHost   bucket            // rate for keys without an override
	hosts     map[string]bucket // overrides by normalised host or host:port
	perKey    int               // concurrent permits per key; 0: unlimited
	global    int               // concurrent permits in all; 0: unlimited
	keyFunc   func(*http.Request) string
	idle      time.Duration
	idleSet   bool
	onRelease func(key string)
}

// bucket describes one key's token bucket. Its zero value is no limit.
type bucket struct {
	finite bool
	limit  rate.Limit
	burst  int
}

func newBucket(r rate.Limit, burst int) bucket {
	if r == rate.Inf {
		return bucket{}
	}
	if r < 0 || math.IsNaN(float64(r)) {
		panic("limiter: rate must not be negative")
	}
	if burst < 1 {
		panic("limiter: burst must be at least 1 for a finite rate")
	}
	return bucket{finite: true, limit: r, burst: burst}
}

// bucketFor returns the bucket configuration for a new key: an override set
// by [Host] for the key itself, else one for its host without the port, else
// the [PerHost] default.
func (c *config) bucketFor(key string) bucket {
	if len(c.hosts) > 0 {
		if b, ok := c.hosts[key]; ok {
			return b
		}
		if host, _, ok := splitHostPort(key); ok {
			if b, ok := c.hosts[host]; ok {
				return b
			}
		}
	}
	return c.perHost
}

func (c *config) idleTimeout() time.Duration {
	if c.idleSet {
		return c.idle
	}
	return DefaultIdleTimeout
}

// PerHost sets the token bucket every key gets unless [Host] overrides it:
// r tokens a second, at most burst at once. Each permit takes one token. The
// default, and PerHost(rate.Inf, 0), is no rate limit. A rate of zero lets
// each key have burst permits and no more, as in [rate.Limiter].
//
// PerHost panics if r is negative, or if r is finite and burst is less
// than 1.
func PerHost(r rate.Limit, burst int) Option {
	b := newBucket(r, burst)
	return optionFunc(func(c *config) { c.perHost = b })
}

// Host overrides the [PerHost] bucket for one host. A name with a port
// ("api.example.com:8443", "[::1]:8080") applies to that key only; a name
// without one ("api.example.com", "::1") applies to the host on every port.
// Names are compared in lower case, so they match the keys that [HostKey]
// makes. Host(name, rate.Inf, 0) exempts the host from rate limits.
//
// Host panics on the same values as PerHost.
func Host(name string, r rate.Limit, burst int) Option {
	b := newBucket(r, burst)
	name = normalizeHost(name)
	return optionFunc(func(c *config) {
		if c.hosts == nil {
			c.hosts = make(map[string]bucket)
		}
		c.hosts[name] = b
	})
}

// HostConcurrency sets how many permits one key may have out at once. Zero,
// the default, is no limit. It panics if n is negative.
func HostConcurrency(n int) Option {
	if n < 0 {
		panic("limiter: negative host concurrency")
	}
	return optionFunc(func(c *config) { c.perKey = n })
}

// Concurrency sets how many permits may be out at once over all keys. Zero,
// the default, is no limit. It panics if n is negative.
func Concurrency(n int) Option {
	if n < 0 {
		panic("limiter: negative concurrency")
	}
	return optionFunc(func(c *config) { c.global = n })
}

// KeyFunc sets how [Middleware] chooses a request's key. The default is
// [HostKey] of the request's URL. fn must not modify the request.
func KeyFunc(fn func(*http.Request) string) Option {
	return optionFunc(func(c *config) { c.keyFunc = fn })
}

// IdleTimeout sets how long a key must go unused before it may be evicted;
// the default is [DefaultIdleTimeout]. Eviction never changes what a
// Limiter allows (see the package documentation), so the timeout only trades
// memory for fewer allocations on hot keys; zero evicts keys as soon as that
// changes nothing. IdleTimeout panics if d is negative.
func IdleTimeout(d time.Duration) Option {
	if d < 0 {
		panic("limiter: negative idle timeout")
	}
	return optionFunc(func(c *config) { c.idle, c.idleSet = d, true })
}

// OnRelease registers fn to be told when a [Limiter.TryAcquire] that
// reported a negative wait may now succeed: after a permit for key is
// released (which frees a slot on key and a global slot), and after a
// [Limiter.Wait] caller queued on key is admitted or gives up (TryAcquire
// yields to queued Wait callers). fn runs in the goroutine that caused the
// event, without the Limiter's lock held; it may call the Limiter, but it
// must not block. A scheduler typically does a non-blocking send on its own
// wake-up channel.
func OnRelease(fn func(key string)) Option {
	return optionFunc(func(c *config) { c.onRelease = fn })
}

// Package limiter keeps per-key limits on outgoing requests: a token bucket
// for each key, a cap on concurrent requests per key and in all, and pauses
// that a server asks for with Retry-After. Keys are normally a host and port
// ([HostKey]). The same [Limiter] serves blocking callers through
// [Limiter.Wait] and [Middleware], and a scheduler through the non-blocking
// [Limiter.TryAcquire]; both obey one set of limits.
//
// # Limits
//
// [New] takes options. [PerHost] sets the rate and burst every key gets,
// backed by a [golang.org/x/time/rate.Limiter] per key; [Host] overrides it
// for one host. [HostConcurrency] caps the permits one key may have out,
// [Concurrency] caps them over all keys. With no options a Limiter limits
// nothing but still honours pauses.
//
// A permit holds one slot on its key and one global slot until it is
// released, and spends one token when it is granted. Tokens are never given
// back: the rate counts requests started.
//
// # Blocking callers
//
// [Limiter.Wait] blocks until the key is admitted and returns a release
// func. Callers on one key are admitted first come, first served; a caller
// holds no slot and no token while it waits, so one that gives up (its
// context ends) leaves nothing behind.
//
// # Schedulers
//
// [Limiter.TryAcquire] never blocks. It returns a [Permit], or says how long
// until the key's pause ends or its next token is due, or that a concurrency
// slot is in the way; [OnRelease] reports when a slot frees. It takes a slot
// before a token, so a call refused for want of a slot spends nothing, and it
// does not allocate for a known key. A scheduler that sends the requests it
// admitted through a client using [Middleware] marks their contexts with
// [WithAdmission].
//
// # Pauses
//
// [Limiter.Pause] stops a key until a given time, for every caller: the way
// to honour a 429 or 503 Retry-After for the whole host rather than the one
// request that saw it. [Middleware] does so itself. A pause is only ever
// extended, never shortened.
//
// # Eviction
//
// The Limiter starts no goroutines, so idle keys are evicted lazily: each new
// key looks at a few of the least recently used ones and drops those that
// have gone unused for the [IdleTimeout], if nothing depends on them. A key is
// kept while it has
// a permit out or a caller waiting, while it is paused, and until its bucket
// has refilled; so dropping it never changes what the Limiter allows, since a
// key seen again starts with a full bucket. A crawl that touches a million
// hosts once each keeps only those used within about the idle timeout.
//
// # Zero value and nil
//
// The zero Limiter is ready to use and limits nothing, like New(). A nil
// *Limiter limits nothing either: Wait and TryAcquire admit at once, Pause
// does nothing, and Middleware(nil) returns the next RoundTripper as it is.
// A pool may therefore hold a nil *Limiter when it has no limits.
package limiter

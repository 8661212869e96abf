// Package async sends requests through a bounded worker pool with per-host
// rate limits and returns futures for their responses, plus fan-out helpers
// that gather many responses.
//
// # The pool
//
// [NewPool] wraps a [client.Session]: the session's settings (base URL,
// headers, auth, cookies, hooks, timeouts, middleware) apply to every
// request the pool sends. The pool runs a fixed number of workers
// ([Workers]) and keeps submitted work in a first-in, first-out queue per
// host. A free worker gets the next request whose host has a rate token
// ([PerHost]) and a free slot ([HostConcurrency]), taking ready hosts in
// turn: the caller hands its request to an idle worker, and a worker that
// finishes goes on to the next request itself. Work that waits for a token,
// a Retry-After pause or a retry backoff sits in the pool's timer heap,
// watched by one dispatcher goroutine: it holds no worker and no goroutine,
// so one throttled host never holds up the others, and a million queued
// requests cost a million small queue entries, not a million goroutines.
//
//	p := async.NewPool(s, async.Workers(32), async.PerHost(5, 10))
//	defer p.Close()
//	f := p.Get(ctx, "https://example.com/")
//	resp, err := f.Await(ctx)
//
// # Backpressure
//
// At most [QueueSize] submitted requests wait in the pool. When the queue is
// full, [Pool.Do] blocks until there is room or its context ends. Retries of
// requests already in the pool do not count against the queue.
//
// # Limits, pauses and retries
//
// A 429 or 503 response with Retry-After pauses its whole host, so the
// host's other queued requests wait too. The pool retries by the session's
// [retry.Policy] (or [Retry]'s), scheduling each retry in its timer heap.
// [Limiter] shares a [limiter.Limiter] with sessions that use
// [client.WithLimiter], so synchronous and pooled traffic obey one set of
// limits.
//
// # Cancellation and shutdown
//
// A request's context bounds it: canceled while queued, the request is
// dropped and its future resolves with the context's error; canceled in
// flight, the request is aborted. [future.Future.Cancel] does the same.
// [Pool.Close] stops accepting work and drains; [Pool.Shutdown] drains until
// its context ends, then cancels the rest. Either way every future resolves
// exactly once, and the pool's goroutines have stopped when they return.
//
// # Fan-out
//
// [Gather] waits for many requests in input order, and the first failure
// cancels the rest; [GatherSettled] returns every outcome; [Map] and
// [ForEach] stream over an iterator of requests of any length with bounded
// memory, yielding in completion order; [Pool.Submit] calls a function with
// each outcome, for work that grows as results arrive (a crawler's
// frontier); [Go] runs any function under a key's limits.
package async

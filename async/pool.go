package async

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
	"github.com/requests3/requests/internal/redact"
	"github.com/requests3/requests/limiter"
	"github.com/requests3/requests/retry"
)

// ErrClosed is the error of work submitted to a pool after Close or
// Shutdown, and of queued work that Shutdown canceled.
var ErrClosed = errors.New("async: pool closed")

// Defaults of a pool.
const (
	DefaultWorkers   = 64
	DefaultQueueSize = 1024
)

// Pool sends requests through a session with a fixed set of worker
// goroutines, under per-host rate limits and concurrency caps. Work waits in
// a first-in, first-out queue per host; a dispatcher hands a free worker the
// next request whose host has a rate token and a free slot, taking hosts in
// turn. A request that waits for a token, a host pause or a retry backoff
// holds no worker and no goroutine, so one slow or throttled host never holds
// up the others.
//
// Create a pool with [NewPool]. A Pool is safe for concurrent use. Call
// [Pool.Close] or [Pool.Shutdown] when done: they stop its goroutines.
type Pool struct {
	s        *client.Session
	lim      *limiter.Limiter
	ownLim   bool          // lim was made by the pool: every release passes through it
	policy   *retry.Policy // nil: no retries
	workers  int
	queueCap int
	room     *semaphore.Weighted // queue room for new work

	work    chan *entry   // dispatcher to workers; buffered, never blocks
	wake    chan struct{} // size 1: the dispatcher has something to look at
	stopped chan struct{} // closed when every goroutine has ended
	wg      sync.WaitGroup

	mu sync.Mutex // guards sched and the counters
	sched
}

// An Option configures a [Pool].
type Option interface {
	apply(*poolConfig)
}

type optionFunc func(*poolConfig)

func (f optionFunc) apply(c *poolConfig) { f(c) }

type poolConfig struct {
	workers   int
	queueSize int
	perHost   rate.Limit
	burst     int
	hostConc  int
	lim       *limiter.Limiter
	policy    *retry.Policy
	noRetry   bool
}

// Workers sets how many requests the pool runs at once (default 64).
func Workers(n int) Option {
	return optionFunc(func(c *poolConfig) { c.workers = n })
}

// QueueSize sets how many submitted requests may wait in the pool (default
// 1024). When the queue is full, [Pool.Do] blocks until there is room or its
// context ends. Retries of requests already in the pool do not count against
// it.
func QueueSize(n int) Option {
	return optionFunc(func(c *poolConfig) { c.queueSize = n })
}

// PerHost limits each host to r requests a second with bursts of burst.
// It is ignored when [Limiter] is given.
func PerHost(r rate.Limit, burst int) Option {
	return optionFunc(func(c *poolConfig) { c.perHost, c.burst = r, burst })
}

// HostConcurrency caps the requests in flight to one host. It is ignored when
// [Limiter] is given.
func HostConcurrency(n int) Option {
	return optionFunc(func(c *poolConfig) { c.hostConc = n })
}

// Limiter makes the pool obey l, which may be shared with other pools and
// with sessions (through [client.WithLimiter] or [limiter.Middleware]), so
// that every path to a host obeys one set of limits.
func Limiter(l *limiter.Limiter) Option {
	return optionFunc(func(c *poolConfig) { c.lim = l })
}

// Retry sets the pool's retry policy. The default is the session's policy
// (see [client.WithRetry]), or none. A retry waits in the pool's timers, not
// on a worker, and obeys the host's limits like any other request.
func Retry(p retry.Policy) Option {
	return optionFunc(func(c *poolConfig) { c.policy, c.noRetry = &p, false })
}

// NoRetry turns retries off, whatever the session's policy.
func NoRetry() Option {
	return optionFunc(func(c *poolConfig) { c.policy, c.noRetry = nil, true })
}

// NewPool returns a pool that sends requests through s, and starts its
// goroutines: the workers and one dispatcher.
func NewPool(s *client.Session, opts ...Option) *Pool {
	c := poolConfig{workers: DefaultWorkers, queueSize: DefaultQueueSize, perHost: rate.Inf}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	c.workers = max(c.workers, 1)
	c.queueSize = max(c.queueSize, 1)
	p := &Pool{
		s:        s,
		lim:      c.lim,
		workers:  c.workers,
		queueCap: c.queueSize,
		room:     semaphore.NewWeighted(int64(c.queueSize)),
		work:     make(chan *entry, c.workers),
		wake:     make(chan struct{}, 1),
		stopped:  make(chan struct{}),
	}
	if p.lim == nil {
		lopts := []limiter.Option{limiter.PerHost(c.perHost, c.burst)}
		if c.hostConc > 0 {
			lopts = append(lopts, limiter.HostConcurrency(c.hostConc))
		}
		p.lim, p.ownLim = limiter.New(lopts...), true
	}
	switch {
	case c.noRetry:
	case c.policy != nil:
		p.policy = c.policy
	default:
		if sp, ok := s.RetryPolicy(); ok {
			p.policy = &sp
		}
	}
	p.sched.init(c.workers)
	p.wg.Add(c.workers + 1)
	for range c.workers {
		go p.worker()
	}
	go p.dispatch()
	go func() {
		p.wg.Wait()
		close(p.stopped)
	}()
	return p
}

// Session returns the session the pool sends requests through.
func (p *Pool) Session() *client.Session { return p.s }

// Do queues r and returns a future for its response. The response is as
// [client.Session.Do] returns it, after the pool's retries.
//
// If the queue is full, Do blocks until there is room or ctx ends; the
// future then resolves with ctx's error. ctx also bounds the request: if it
// ends while the request waits in the queue, the request is dropped and the
// future resolves with ctx.Err(); if it ends in flight, the request is
// aborted. Canceling the future does the same. After Close or Shutdown the
// future resolves with [ErrClosed].
func (p *Pool) Do(ctx context.Context, r *client.Request) *future.Future[*client.Response] {
	pe := new(promisedEntry)
	pe.init(p, r)
	pe.promise.OnCancel(&pe.entry)
	pe.rt.out = pe
	f := pe.promise.Future()
	p.enqueue(ctx, &pe.requestEntry)
	return f
}

// Submit queues r like [Pool.Do] and calls done once with its outcome,
// instead of returning a future: the way to consume results as they come
// when the set of requests grows as results arrive (a crawler's frontier).
// ctx bounds the request as for Do, and Submit blocks for queue room as Do
// does; if it cannot queue r, done is called before Submit returns.
//
// done runs on one of the pool's workers, which waits for it: it must be
// quick, and it must not submit to the pool itself (with a full queue it
// would wait for room that only the workers can make). Hand new work to
// another goroutine instead.
func (p *Pool) Submit(ctx context.Context, r *client.Request, done func(*client.Response, error)) {
	re := new(requestEntry)
	re.init(p, r)
	re.rt.out = settleFunc(done)
	p.enqueue(ctx, re)
}

// newEntry returns an entry of p, not yet queued.
func (p *Pool) newEntry() *entry {
	e := new(entry)
	e.init(p)
	return e
}

// init readies a new or settled entry of p, as new.
func (e *entry) init(p *Pool) {
	// Field by field: an entry's Call must not be copied. Its context
	// (in requestTask) is left alone.
	e.pool, e.ctx, e.key, e.host, e.task, e.tries = p, nil, "", nil, nil, 0
	e.watch, e.w = nil, link[entry]{}
	e.state, e.q, e.at, e.index = fresh, link[entry]{}, time.Time{}, -1
	e.permit, e.fromQueue = limiter.Permit{}, false
	e.call.Reset()
	e.call.Admitted = p.lim
}

// requestEntry is an entry and its request, allocated together.
type requestEntry struct {
	entry
	rt requestTask
}

// init readies a new entry of p for r, or a settled one for reuse. The
// caller sets re.rt.out.
func (re *requestEntry) init(p *Pool, r *client.Request) {
	re.entry.init(p)
	re.rt.r = r
	re.task = &re.rt
}

// promisedEntry is a requestEntry and its future, allocated together.
type promisedEntry struct {
	requestEntry
	promise future.Promise[*client.Response]
}

func (pe *promisedEntry) settle(resp *client.Response, err error) { pe.promise.Resolve(resp, err) }

// enqueue queues re, whose task says how to settle it. An entry queued
// again after it settled (Map reuses its entries) must be queued under the
// same ctx as before.
func (p *Pool) enqueue(ctx context.Context, re *requestEntry) {
	e, r := &re.entry, re.rt.r
	if re.rt.actx.Context == nil {
		re.rt.actx.Init(ctx, &e.call)
	}
	u, err := p.s.ResolveURL(r)
	if err != nil {
		e.task.fail(&client.RequestError{Method: methodOf(r), URL: redact.String(r.URL), Err: err})
		return
	}
	e.key = limiter.HostKey(u)
	e.call.URL, e.call.Request = u, r // the session takes it on the first attempt
	p.submit(ctx, e)
}

// Get queues a GET request. See [Pool.Do].
func (p *Pool) Get(ctx context.Context, url string, opts ...client.RequestOption) *future.Future[*client.Response] {
	return p.Do(ctx, client.NewRequest("GET", url, opts...))
}

// Post queues a POST request. See [Pool.Do].
func (p *Pool) Post(ctx context.Context, url string, opts ...client.RequestOption) *future.Future[*client.Response] {
	return p.Do(ctx, client.NewRequest("POST", url, opts...))
}

// Head queues a HEAD request. See [Pool.Do].
func (p *Pool) Head(ctx context.Context, url string, opts ...client.RequestOption) *future.Future[*client.Response] {
	return p.Do(ctx, client.NewRequest("HEAD", url, opts...))
}

func methodOf(r *client.Request) string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

// Close stops the pool accepting work, waits for the work already queued
// and in flight to finish, and stops the pool's goroutines. It is
// Shutdown with a context that never ends.
func (p *Pool) Close() {
	p.Shutdown(context.Background())
}

// Shutdown stops the pool accepting work and waits for the work already
// queued and in flight to finish. If ctx ends first, the work still queued
// resolves with [ErrClosed] and the work in flight is canceled. Shutdown
// returns once every goroutine of the pool has stopped; it returns ctx.Err()
// if it had to cancel work. It is safe to call more than once.
func (p *Pool) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	p.signal()
	select {
	case <-p.stopped:
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	p.aborting = true
	p.mu.Unlock()
	p.signal()
	<-p.stopped
	return ctx.Err()
}

// signal wakes the dispatcher.
func (p *Pool) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Queued   int // waiting: in host queues, for a rate token, a pause or a retry backoff
	InFlight int // running on a worker
	Done     uint64
	Failed   uint64 // resolved with an error (a 4xx or 5xx response is not a failure)
	Retried  uint64 // retries scheduled
	// Hosts has the counters of each host with work queued or in flight.
	Hosts map[string]HostStats
}

// HostStats are the counters of one host.
type HostStats struct {
	Queued   int
	InFlight int
	// PausedUntil is when the host's Retry-After pause ends, zero if none.
	PausedUntil time.Time
}

// Stats returns the pool's counters. It costs time in proportion to the
// number of hosts with work.
func (p *Pool) Stats() Stats {
	now := time.Now()
	p.mu.Lock()
	st := Stats{
		Queued: p.queued, InFlight: p.inflight, Done: p.done, Failed: p.failed, Retried: p.retried,
		Hosts: make(map[string]HostStats, len(p.hosts)),
	}
	keys := make([]string, 0, len(p.hosts))
	for k, h := range p.hosts {
		st.Hosts[k] = HostStats{Queued: h.queued, InFlight: h.inflight}
		keys = append(keys, k)
	}
	p.mu.Unlock()
	for _, k := range keys {
		if until, ok := p.lim.Paused(k, now); ok {
			hs := st.Hosts[k]
			hs.PausedUntil = until
			st.Hosts[k] = hs
		}
	}
	return st
}

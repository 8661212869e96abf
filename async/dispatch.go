package async

import (
	"container/heap"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
	"github.com/requests3/requests/internal/attempt"
	"github.com/requests3/requests/retry"
)

// blockedPoll is how often hosts waiting for a concurrency slot are tried
// again when the limiter is shared: slots freed outside the pool send it no
// signal.
const blockedPoll = 20 * time.Millisecond

// timerSlack is how late a timer may fire and still take its token at the
// time it was due. Without it, every late wake-up of the dispatcher would
// stretch the interval between tokens (a bucket with a burst of one cannot
// hold the time it lost), and a host limited to 250 requests a second would
// get 220. A wake-up later than this is taken at face value, so that a
// stalled dispatcher does not catch up in a burst.
const timerSlack = 2 * time.Millisecond

// task is the work of an entry.
type task interface {
	// run does one attempt on a worker and says whether to retry.
	run(ctx context.Context, p *Pool, e *entry) outcome
	// resolve settles the task's future with the outcome of its last attempt.
	resolve(o outcome)
	// fail settles the task's future with err, without a result.
	fail(err error)
}

// outcome is the result of one attempt.
type outcome struct {
	resp  *client.Response
	err   error
	retry bool          // try again after delay
	delay time.Duration // backoff before the retry
	pause time.Duration // the server asked the whole host to wait this long
}

// submit queues e, blocking for queue room while ctx allows. The work runs
// under ctx.
func (p *Pool) submit(ctx context.Context, e *entry) {
	if err := p.room.Acquire(ctx, 1); err != nil {
		e.task.fail(err)
		return
	}
	p.mu.Lock()
	if p.closing || e.call.Canceled() {
		p.mu.Unlock()
		p.room.Release(1)
		if p.closing {
			e.task.fail(ErrClosed)
		} else {
			e.task.fail(context.Canceled)
		}
		return
	}
	h := p.hostFor(e.key)
	e.ctx, e.host, e.fromQueue = ctx, h, true
	h.queued++
	p.queued++
	p.push(e, false)
	p.watch(e)
	// Hand e to an idle worker here rather than wake the dispatcher to do
	// it: one goroutine switch per request instead of two.
	_, timed := p.assign(time.Now(), false)
	p.mu.Unlock()
	if timed {
		p.signal()
	}
}

// Cancel is what canceling e's future does: it drops e if it has not
// started, and aborts it if it is running.
func (e *entry) Cancel() {
	p := e.pool
	p.mu.Lock()
	switch e.state {
	case queued:
		p.unlink(e)
	case waiting:
		p.unqueueTimer(e)
	default: // running: abort it; not yet queued: submit sees it; or settled
		p.mu.Unlock()
		e.call.Cancel()
		return
	}
	p.drop(e)
	p.mu.Unlock()
	p.signal()
	e.task.fail(context.Canceled)
}

// unqueueTimer takes a waiting e out of the timer heap.
func (p *Pool) unqueueTimer(e *entry) { heap.Remove(&p.timers, e.index) }

// drop settles a queued or waiting e that is no longer in any structure.
func (p *Pool) drop(e *entry) {
	h := e.host
	e.state = settled
	p.unwatch(e)
	h.queued--
	p.queued--
	p.failed++
	if e.fromQueue {
		e.fromQueue = false
		p.room.Release(1)
	}
	p.forget(h)
}

// dispatch hands queued work to free workers until the pool has closed and
// drained. It owns the timer that wakes it for tokens, pauses and backoffs.
func (p *Pool) dispatch() {
	defer p.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		now := time.Now()
		var aborted []*entry
		if p.aborting {
			aborted = p.abortAll()
		}
		p.fire(now)
		p.assign(now, false)
		if p.closing && p.queued == 0 && p.inflight == 0 {
			p.mu.Unlock()
			for _, e := range aborted {
				e.task.fail(ErrClosed)
			}
			close(p.work)
			return
		}
		wait := time.Duration(-1)
		if len(p.timers) > 0 {
			wait = max(p.timers[0].at.Sub(now), 0)
		}
		if !p.ownLim && p.blocked.head != nil && (wait < 0 || wait > blockedPoll) {
			wait = blockedPoll
		}
		p.mu.Unlock()
		for _, e := range aborted {
			e.task.fail(ErrClosed)
		}
		if wait < 0 {
			<-p.wake
			continue
		}
		timer.Reset(wait)
		select {
		case <-p.wake:
		case <-timer.C:
		}
	}
}

// fire moves what is due at now out of the timer heap: hosts to the ready
// ring, retries back to the front of their host's queue. With a shared
// limiter it also retries the blocked hosts.
func (p *Pool) fire(now time.Time) {
	for len(p.timers) > 0 && !p.timers[0].at.After(now) {
		t := heap.Pop(&p.timers).(timer)
		if h := t.h; h != nil {
			h.state = idle
			h.due = t.at
			if h.fifo.head != nil {
				h.state = ready
				p.ready.pushBack(h)
			} else {
				p.forget(h)
			}
			continue
		}
		p.push(t.e, true)
	}
	if !p.ownLim {
		for h := p.blocked.popFront(); h != nil; h = p.blocked.popFront() {
			h.state = ready
			p.ready.pushBack(h)
		}
	}
}

// assign hands ready work to free workers, taking hosts in turn. If self
// is true, the caller is a free worker, counted in p.idle: the first entry
// goes to it, returned rather than sent on p.work, so that a worker with
// work waiting goes on to it without a goroutine switch. timed reports
// whether assign put a host in the timer heap or the blocked list, which
// only the dispatcher watches: a caller other than the dispatcher must then
// wake it.
func (p *Pool) assign(now time.Time, self bool) (mine *entry, timed bool) {
	for p.idle > 0 {
		h := p.ready.popFront()
		if h == nil {
			return mine, timed
		}
		if h.fifo.head == nil {
			h.state = idle
			p.forget(h)
			continue
		}
		at := now
		if !h.due.IsZero() {
			if earliest := now.Add(-timerSlack); h.due.After(earliest) {
				at = h.due
			} else {
				at = earliest
			}
			h.due = time.Time{}
		}
		permit, wait, ok := p.lim.TryAcquire(h.key, at)
		if !ok {
			if wait > 0 {
				h.state, h.at = waitToken, at.Add(wait)
				heap.Push(&p.timers, timer{at: h.at, h: h})
			} else {
				h.state = blocked
				p.blocked.pushBack(h)
			}
			timed = true
			continue
		}
		e := h.fifo.head
		p.unlink(e)
		e.state, e.permit = running, permit
		h.queued--
		h.inflight++
		p.queued--
		p.inflight++
		p.idle--
		p.running.pushBack(e)
		if e.fromQueue {
			e.fromQueue = false
			p.room.Release(1)
		}
		if h.fifo.head != nil {
			h.state = ready
			p.ready.pushBack(h)
		} else {
			h.state = idle
		}
		if self {
			mine, self = e, false
			continue
		}
		p.work <- e // never blocks: the channel holds as many as there are workers
	}
	return mine, timed
}

// abortAll takes every queued and waiting entry out of the pool and cancels
// the running ones. It returns the entries to fail.
func (p *Pool) abortAll() []*entry {
	var out []*entry
	for _, h := range p.hosts {
		for e := h.fifo.head; e != nil; {
			next := h.fifo.next(e)
			p.unlink(e)
			out = append(out, e)
			e = next
		}
	}
	for len(p.timers) > 0 {
		t := heap.Pop(&p.timers).(timer)
		if t.e != nil {
			out = append(out, t.e)
		} else {
			t.h.state = idle
		}
	}
	for _, e := range out {
		p.drop(e)
	}
	for e := p.running.head; e != nil; e = p.running.next(e) {
		e.call.Cancel()
	}
	return out
}

// worker runs entries until the dispatcher closes the work channel.
func (p *Pool) worker() {
	defer p.wg.Done()
	for e := range p.work {
		for {
			// The session yields once an HTTP/1 body is read or closed,
			// so that net/http's read loop returns the connection to the
			// idle pool before this worker's next attempt looks for one.
			o := e.task.run(e.ctx, p, e)
			if e = p.finish(e, o); e == nil {
				break
			}
		}
	}
}

// finish records the outcome of e's attempt: a retry goes into the timer
// heap, anything else settles e's future. It returns the next entry for
// the worker that ran e, if one is ready.
func (p *Pool) finish(e *entry, o outcome) *entry {
	e.permit.Release()
	e.call.Unbind()
	now := time.Now()
	if o.pause > 0 {
		p.lim.Pause(e.key, now.Add(o.pause))
	}
	h := e.host
	p.mu.Lock()
	p.running.remove(e)
	h.inflight--
	p.inflight--
	p.idle++
	p.makeReady(h) // a slot on h is free
	if o.retry && !p.aborting && e.ctx.Err() == nil && !e.call.Canceled() {
		e.tries++
		e.state, e.at = waiting, now.Add(o.delay)
		h.queued++
		p.queued++
		p.retried++
		heap.Push(&p.timers, timer{at: e.at, e: e})
		next, _ := p.assign(now, true)
		p.mu.Unlock()
		p.signal() // the timer heap has a new entry
		return next
	}
	e.state = settled
	p.unwatch(e)
	if o.err != nil {
		p.failed++
	} else {
		p.done++
	}
	p.forget(h)
	var next *entry
	wake := p.closing // the dispatcher ends the pool once it drains
	if !p.aborting {
		var timed bool
		next, timed = p.assign(now, true)
		wake = wake || timed
	}
	p.mu.Unlock()
	if wake {
		p.signal()
	}
	e.task.resolve(o)
	return next
}

// requestTask sends a client.Request.
type requestTask struct {
	r   *client.Request
	out settler // told the outcome
	// actx is the caller's context carrying the entry's Call, for the
	// session. It is set once, when the entry is first queued: the
	// contexts the session derives from it live on in its responses.
	actx attempt.Context
}

// A settler receives the outcome of a request.
type settler interface {
	settle(resp *client.Response, err error)
}

// settleFunc is a func as a settler.
type settleFunc func(*client.Response, error)

func (f settleFunc) settle(resp *client.Response, err error) { f(resp, err) }

func (t *requestTask) run(ctx context.Context, p *Pool, e *entry) outcome {
	e.call.Begin(t.r)
	resp, err := p.s.Do(&t.actx, t.r)
	e.call.End()
	o := outcome{resp: resp, err: err}
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			o.pause = min(d, p.maxPause())
		}
	}
	if p.policy == nil {
		return o
	}
	var hreq *http.Request
	var hresp *http.Response
	if resp != nil {
		hreq = resp.Request
		hresp = &http.Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Request: resp.Request}
	} else if re := (*client.RequestError)(nil); errors.As(err, &re) {
		hreq = re.Request
	}
	if hreq == nil {
		return o
	}
	// The attempt's own context ended with the attempt: judge the retry by
	// the entry's.
	hreq = hreq.WithContext(ctx)
	if hresp != nil {
		hresp.Request = hreq
	}
	if delay, ok := p.policy.Next(hreq, e.tries+1, hresp, err); ok {
		if resp != nil {
			resp.Close()
		}
		o.retry, o.delay = true, delay
	}
	return o
}

func (t *requestTask) resolve(o outcome) { t.out.settle(o.resp, o.err) }
func (t *requestTask) fail(err error)    { t.out.settle(nil, err) }

// maxPause caps how long a Retry-After may pause a host.
func (p *Pool) maxPause() time.Duration {
	if p.policy != nil && p.policy.MaxRetryAfter > 0 {
		return p.policy.MaxRetryAfter
	}
	return retry.DefaultMaxRetryAfter
}

// funcTask runs a function for Go.
type funcTask[T any] struct {
	fn  func(context.Context) (T, error)
	res func(T, error)
	v   T
}

func (t *funcTask[T]) run(ctx context.Context, _ *Pool, e *entry) outcome {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.call.Bind(cancel)
	v, err := t.fn(ctx)
	t.v = v
	return outcome{err: err}
}

func (t *funcTask[T]) resolve(o outcome) { t.res(t.v, o.err) }
func (t *funcTask[T]) fail(err error) {
	var zero T
	t.res(zero, err)
}

// Go runs fn in p under key's limits, like a request to host key: it waits
// in key's queue for a worker, a rate token and a concurrency slot, and its
// context ends if ctx does, if the future is canceled or if the pool shuts
// down. fn is not retried.
func Go[T any](ctx context.Context, p *Pool, key string, fn func(ctx context.Context) (T, error)) *future.Future[T] {
	e := p.newEntry()
	f, resolve := future.NewWithCancel[T](e.Cancel)
	e.key, e.task = key, &funcTask[T]{fn: fn, res: resolve}
	p.submit(ctx, e)
	return f
}

package async

import (
	"context"
	"iter"
	"sync"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
)

// Gather sends every request through p and returns the responses in the
// order of reqs. The first request to fail cancels the others; Gather then
// waits for them to settle, closes any streamed responses, and returns that
// error. A 4xx or 5xx response is not a failure. The requests run under
// ctx itself, so that the bodies of streamed responses can still be read
// after Gather returns.
func Gather(ctx context.Context, p *Pool, reqs []*client.Request) ([]*client.Response, error) {
	g := &gathering{ctx: ctx, resps: make([]*client.Response, len(reqs))}
	g.run(ctx, p, reqs)
	if g.err == nil {
		return g.resps, nil
	}
	for _, r := range g.resps {
		if r != nil {
			r.Close()
		}
	}
	return nil, g.err
}

// GatherSettled sends every request through p and returns every outcome, in
// the order of reqs. A failure cancels nothing.
func GatherSettled(ctx context.Context, p *Pool, reqs []*client.Request) []future.Result[*client.Response] {
	g := &gathering{results: make([]future.Result[*client.Response], len(reqs))}
	g.run(ctx, p, reqs)
	return g.results
}

// gatherChunk is how many entries Gather allocates at once: one allocation
// per chunk rather than per request, while a response kept after Gather
// returns (whose context refers to its entry) keeps at most a chunk of
// small entries alive, none of them holding a request or a response.
const gatherChunk = 32

// gathering collects the outcomes of a Gather or GatherSettled.
type gathering struct {
	ctx context.Context // Gather's caller's; nil for GatherSettled

	mu      sync.Mutex
	resps   []*client.Response                // Gather's, or
	results []future.Result[*client.Response] // GatherSettled's
	err     error                             // Gather's first failure
	chunks  [][]gatherEntry                   // Gather's entries, to cancel
	queued  int                               // how many of them were queued
	left    int
	done    chan struct{} // closed when left reaches 0
}

// run sends reqs through p under ctx and waits for every one to settle.
func (g *gathering) run(ctx context.Context, p *Pool, reqs []*client.Request) {
	if len(reqs) == 0 {
		return
	}
	g.left, g.done = len(reqs), make(chan struct{})
	var chunk []gatherEntry
	for i, r := range reqs {
		if len(chunk) == 0 {
			chunk = make([]gatherEntry, min(gatherChunk, len(reqs)-i))
			if g.ctx != nil {
				g.mu.Lock()
				g.chunks = append(g.chunks, chunk)
				g.mu.Unlock()
			}
		}
		ge := &chunk[0]
		chunk = chunk[1:]
		ge.init(p, r)
		ge.rt.out, ge.g, ge.i = ge, g, i
		if g.ctx != nil {
			g.mu.Lock()
			failed := g.err != nil
			if !failed {
				g.queued = i + 1 // from now on a failure cancels it
			}
			g.mu.Unlock()
			if failed {
				ge.settle(nil, context.Canceled)
				continue
			}
		}
		p.enqueue(ctx, &ge.requestEntry)
	}
	<-g.done
}

// gatherEntry is an entry of Gather or GatherSettled.
type gatherEntry struct {
	requestEntry
	g *gathering
	i int // index in reqs
}

func (ge *gatherEntry) settle(resp *client.Response, err error) {
	g := ge.g
	// The entry outlives Gather in the contexts of its chunk's responses:
	// let it hold on to nothing.
	ge.g, ge.rt.r, ge.call.URL, ge.call.Request = nil, nil, nil, nil
	g.settle(ge.i, resp, err)
}

func (g *gathering) settle(i int, resp *client.Response, err error) {
	g.mu.Lock()
	first := false
	if g.results != nil {
		g.results[i] = future.Result[*client.Response]{Value: resp, Err: err}
	} else {
		g.resps[i] = resp
		if err != nil && g.err == nil {
			first = true
			// The caller's context ending fails every request: report
			// that rather than what it did to one of them.
			if g.err = g.ctx.Err(); g.err == nil {
				g.err = err
			}
		}
	}
	g.left--
	last := g.left == 0
	var queued int
	var chunks [][]gatherEntry
	if first {
		queued, chunks = g.queued, g.chunks
	}
	g.mu.Unlock()
	if first {
		// Cancel every entry queued so far, as their futures' Cancel
		// would: a queued one is dropped at once, a running one aborted,
		// a settled one left alone. Those not yet queued are not sent.
		n := 0
	cancelQueued:
		for _, c := range chunks {
			for k := range c {
				if n == queued {
					break cancelQueued
				}
				if n != i {
					c[k].entry.Cancel()
				}
				n++
			}
		}
	}
	if last {
		close(g.done)
	}
}

// Map sends the requests of reqs through p and yields fn's result for each
// response, in the order they complete. A request that fails yields its
// error without calling fn.
//
// Memory stays bounded whatever the length of reqs: Map reads the next
// request only when one of a fixed window (twice the pool's workers) has
// completed, so a crawl over millions of URLs holds a window of entries,
// not millions. fn runs on the pool's workers, concurrently: it is where
// to parse a body in parallel. It must be safe for concurrent use.
//
// Breaking out of the loop, or ctx ending, cancels the requests still in
// the window; Map waits for them to settle before it returns, so nothing
// it started outlives the loop. If ctx ends before reqs is exhausted, the
// last pair yielded carries ctx.Err().
func Map[T any](ctx context.Context, p *Pool, reqs iter.Seq[*client.Request], fn func(*client.Response) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		window := 2 * p.workers
		results := make(chan *mapEntry[T], window)
		// Entries go back to free once their result is taken, and are
		// queued again for later requests: Map allocates at most window
		// entries, however many requests it sends.
		var free []*mapEntry[T]
		outstanding := 0
		defer func() {
			cancel()
			for ; outstanding > 0; outstanding-- {
				<-results
			}
		}()
		next, stop := iter.Pull(reqs)
		defer stop()
		more := true
		for {
			for more && outstanding < window && ctx.Err() == nil {
				var r *client.Request
				if r, more = next(); !more {
					break
				}
				outstanding++
				var me *mapEntry[T]
				if n := len(free); n > 0 {
					me, free = free[n-1], free[:n-1]
				} else {
					me = &mapEntry[T]{fn: fn, results: results}
					me.rt.out = me
				}
				me.init(p, r)
				p.enqueue(ctx, &me.requestEntry)
			}
			if outstanding == 0 {
				if more && ctx.Err() != nil {
					var zero T
					yield(zero, ctx.Err()) // the input was not read to its end
				}
				return
			}
			me := <-results
			outstanding--
			v, err := me.v, me.err
			var zero T
			me.v, me.err = zero, nil
			free = append(free, me)
			if !yield(v, err) {
				return
			}
		}
	}
}

// mapEntry is an entry of Map and its result.
type mapEntry[T any] struct {
	requestEntry
	fn      func(*client.Response) (T, error)
	results chan<- *mapEntry[T]
	v       T
	err     error
}

// settle runs on the worker: it calls fn, then hands the entry back to Map.
func (me *mapEntry[T]) settle(resp *client.Response, err error) {
	if err != nil {
		me.err = err
	} else {
		me.v, me.err = me.fn(resp)
	}
	me.results <- me // never blocks: at most window are outstanding
}

// ForEach sends the requests of reqs through p, with Map's bounded window,
// and calls fn with each outcome in the order they complete. fn is called
// from the calling goroutine, one call at a time. If fn returns an error,
// ForEach cancels the requests still in flight and returns that error.
func ForEach(ctx context.Context, p *Pool, reqs iter.Seq[*client.Request], fn func(*client.Response, error) error) error {
	identity := func(r *client.Response) (*client.Response, error) { return r, nil }
	for resp, err := range Map(ctx, p, reqs, identity) {
		if ferr := fn(resp, err); ferr != nil {
			return ferr
		}
	}
	return nil
}

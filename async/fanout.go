package async

import (
	"context"
	"iter"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
)

// Gather sends every request through p and returns the responses in the
// order of reqs. The first request to fail cancels the others; Gather then
// waits for them to settle, closes any streamed responses, and returns that
// error. A 4xx or 5xx response is not a failure.
func Gather(ctx context.Context, p *Pool, reqs []*client.Request) ([]*client.Response, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fs := make([]*future.Future[*client.Response], len(reqs))
	for i, r := range reqs {
		fs[i] = p.Do(ctx, r)
	}
	resps, err := future.All(ctx, fs...)
	if err == nil {
		return resps, nil
	}
	cancel()
	for _, res := range future.AllSettled(context.Background(), fs...) {
		if res.Value != nil {
			res.Value.Close()
		}
	}
	return nil, err
}

// GatherSettled sends every request through p and returns every outcome, in
// the order of reqs. A failure cancels nothing.
func GatherSettled(ctx context.Context, p *Pool, reqs []*client.Request) []future.Result[*client.Response] {
	fs := make([]*future.Future[*client.Response], len(reqs))
	for i, r := range reqs {
		fs[i] = p.Do(ctx, r)
	}
	return future.AllSettled(context.Background(), fs...)
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
		results := make(chan result[T], window)
		outstanding := 0
		defer func() {
			cancel()
			for ; outstanding > 0; outstanding-- {
				<-results
			}
		}()
		settle := func(resp *client.Response, err error) {
			var r result[T]
			if err != nil {
				r.err = err
			} else {
				r.v, r.err = fn(resp)
			}
			results <- r // never blocks: at most window are outstanding
		}
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
				re := new(requestEntry)
				re.init(p, r)
				re.rt.res = settle
				p.enqueue(ctx, re)
			}
			if outstanding == 0 {
				if more && ctx.Err() != nil {
					var zero T
					yield(zero, ctx.Err()) // the input was not read to its end
				}
				return
			}
			r := <-results
			outstanding--
			if !yield(r.v, r.err) {
				return
			}
		}
	}
}

type result[T any] struct {
	v   T
	err error
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

package async_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/limiter"
	"github.com/requests3/requests/retry"
)

// TestResponseContextIsNotThePools: a streamed response of the pool
// carries the context its attempt ran under, alive until the body is
// closed. A caller who makes another call with it (resp.Request.Context(),
// as a pipeline stage reading a listing might) makes a call of its own: the session retries it by its policy instead of sending it once,
// a limiter the session shares with the pool admits it, and the pool,
// whose entry is long settled or reused, cannot abort it.
func TestResponseContextIsNotThePools(t *testing.T) {
	var flaky atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && flaky.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	lim := limiter.New(limiter.PerHost(1000, 1))
	s := client.NewSession(
		client.WithRetry(retry.Policy{Backoff: retry.Constant(time.Millisecond), MaxAttempts: 2}),
		client.WithLimiter(lim))
	defer s.Close()
	p := async.NewPool(s, async.Limiter(lim), async.NoRetry())
	defer p.Close()

	ctx := context.Background()
	resps, err := async.Gather(ctx, p, []*client.Request{client.NewRequest("GET", srv.URL+"/a", client.Stream(true))})
	if err != nil {
		t.Fatal(err)
	}
	defer resps[0].Close()
	leaked := resps[0].Request.Context()

	resp, err := s.Get(leaked, srv.URL+"/flaky")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Attempts != 2 {
		t.Errorf("a call with a pool response's context: status %d after %d attempts, want 200 after 2 (the session's retry)",
			resp.StatusCode, resp.Attempts)
	}
}

// TestGatherStreamedBodies: Gather runs its requests under the caller's
// context, not one it cancels on return, so that streamed bodies can be
// read after it returns.
func TestGatherStreamedBodies(t *testing.T) {
	const size = 1 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, size))
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s)
	defer p.Close()
	reqs := []*client.Request{
		client.NewRequest("GET", srv.URL+"/1", client.Stream(true)),
		client.NewRequest("GET", srv.URL+"/2", client.Stream(true)),
	}
	resps, err := async.Gather(context.Background(), p, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, resp := range resps {
		b, err := resp.Bytes()
		if err != nil || len(b) != size {
			t.Errorf("response %d: read %d bytes, %v; want %d bytes", i, len(b), err, size)
		}
	}
}

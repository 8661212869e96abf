package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/limiter"
	"github.com/requests3/requests/retry"
)

// failFirst answers the first n requests with status, and then 200.
func failFirst(n int32, status int) *httptest.Server {
	var calls atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			w.WriteHeader(status)
			return
		}
		fmt.Fprint(w, "ok")
	}))
}

// A session with a retry policy retries 429, 502, 503 and 504 answers and
// connection failures of idempotent requests, with backoff.
func ExampleWithRetry() {
	srv := failFirst(2, http.StatusServiceUnavailable)
	defer srv.Close()

	budget := retry.NewBudget(0.2, 10, 10*time.Second) // share across policies
	policy := retry.Policy{
		MaxAttempts: 5,
		Backoff:     retry.Exponential(20*time.Millisecond, time.Second),
		Budget:      budget,
	}
	s := client.NewSession(client.WithRetry(policy))
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status, "after", resp.Attempts, "attempts")
	// Output: 200 OK after 3 attempts
}

// A classifier of one's own widens what is retried; here a 500 to an
// idempotent request.
func ExampleWithRetry_classify() {
	srv := failFirst(1, http.StatusInternalServerError)
	defer srv.Close()

	policy := retry.Policy{
		Classify: func(req *http.Request, resp *http.Response, err error) bool {
			if resp != nil && resp.StatusCode == http.StatusInternalServerError {
				return retry.Idempotent(req)
			}
			return retry.DefaultClassify(req, resp, err)
		},
	}
	s := client.NewSession(client.WithRetry(policy))
	defer s.Close()

	resp, _ := s.Get(context.Background(), srv.URL)
	fmt.Println(resp.Status, "after", resp.Attempts, "attempts")
	// Output: 200 OK after 2 attempts
}

// One limiter shared by a session and a pool: requests sent either way
// count against the same per-host limits.
func ExampleWithLimiter() {
	var mu sync.Mutex
	inFlight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	defer srv.Close()
	ctx := context.Background()

	l := limiter.New(limiter.PerHost(1000, 10), limiter.HostConcurrency(2))
	s := client.NewSession(client.WithLimiter(l))
	defer s.Close()
	p := async.NewPool(s, async.Workers(8), async.Limiter(l))
	defer p.Close()

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.Get(ctx, srv.URL) }) // synchronous requests
	}
	var reqs []*client.Request
	for range 12 {
		reqs = append(reqs, client.NewRequest("GET", srv.URL))
	}
	async.Gather(ctx, p, reqs) // and pooled ones, at the same time
	wg.Wait()
	fmt.Println("most in flight at the server:", most)
	// Output: most in flight at the server: 2
}

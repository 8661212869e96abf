package async_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
)

// Every request sent through a pool returns a future at once; Await waits
// for its response.
func ExamplePool_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello from ", r.URL.Path)
	}))
	defer srv.Close()
	ctx := context.Background()

	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(8), async.PerHost(50, 5))
	defer p.Close()

	a := p.Get(ctx, srv.URL+"/a")
	b := p.Do(ctx, client.NewRequest("GET", srv.URL+"/b"))
	for _, f := range []*future.Future[*client.Response]{a, b} {
		resp, err := f.Await(ctx)
		if err != nil {
			fmt.Println(err)
			continue
		}
		text, _ := resp.Text()
		fmt.Println(text)
	}
	// Output:
	// hello from /a
	// hello from /b
}

// GatherSettled keeps every outcome: the failures are reported next to the
// responses, and a deadline ends whatever has not answered.
func ExampleGatherSettled() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s)
	defer p.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	reqs := []*client.Request{
		client.NewRequest("GET", srv.URL+"/fast"),
		client.NewRequest("GET", srv.URL+"/slow"),
	}
	for i, res := range async.GatherSettled(ctx, p, reqs) {
		if res.Err != nil {
			fmt.Println(i, "failed:", errors.Is(res.Err, context.DeadlineExceeded))
			continue
		}
		fmt.Println(i, res.Value.Status)
	}
	// Output:
	// 0 200 OK
	// 1 failed: true
}

// HostConcurrency caps the requests in flight to one host, however many
// workers the pool has.
func ExampleHostConcurrency() {
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
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(16), async.HostConcurrency(2))
	defer p.Close()

	var reqs []*client.Request
	for range 20 {
		reqs = append(reqs, client.NewRequest("GET", srv.URL))
	}
	if _, err := async.Gather(context.Background(), p, reqs); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("most in flight at the server:", most)
	// Output: most in flight at the server: 2
}

// Canceling a future drops its request if it is still queued, or aborts it
// in flight; the future resolves with context.Canceled.
func Example_cancel() {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(1))
	defer p.Close()
	ctx := context.Background()

	running := p.Get(ctx, srv.URL+"/first")
	queued := p.Get(ctx, srv.URL+"/second") // waits for the only worker
	queued.Cancel()
	running.Cancel()
	_, err1 := running.Await(ctx)
	_, err2 := queued.Await(ctx)
	fmt.Println(errors.Is(err1, context.Canceled), errors.Is(err2, context.Canceled))
	// Output: true true
}

// When the queue is full, Do waits for room: the producer slows down to
// the pool's pace. Its context bounds the wait.
func ExampleQueueSize() {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(1), async.QueueSize(1))
	defer p.Close()
	ctx := context.Background()

	first := p.Get(ctx, srv.URL)  // runs on the only worker
	second := p.Get(ctx, srv.URL) // fills the queue
	hurry, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	third := p.Get(hurry, srv.URL) // blocks until there is room or hurry ends
	_, err := third.Await(ctx)
	fmt.Println("third:", err)

	close(release)
	for _, f := range []*future.Future[*client.Response]{first, second} {
		resp, err := f.Await(ctx)
		fmt.Println(resp.StatusCode, err)
	}
	// Output:
	// third: context deadline exceeded
	// 200 <nil>
	// 200 <nil>
}

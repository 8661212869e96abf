package limiter_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/requests3/requests/limiter"
)

// A scheduler asks TryAcquire and, when refused, learns how long to wait
// before asking again.
func Example() {
	l := limiter.New(
		limiter.PerHost(2, 1),      // two a second per host, no bursts
		limiter.HostConcurrency(1), // one at a time per host
	)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const key = "example.com:443"

	p, _, ok := l.TryAcquire(key, start)
	fmt.Println("first:", ok)

	_, wait, ok := l.TryAcquire(key, start)
	fmt.Println("second while the first runs:", ok, wait < 0)
	p.Release()

	_, wait, ok = l.TryAcquire(key, start)
	fmt.Println("second after release:", ok, wait)

	p, _, ok = l.TryAcquire(key, start.Add(wait))
	fmt.Println("second when the token is due:", ok)
	p.Release()
	// Output:
	// first: true
	// second while the first runs: false true
	// second after release: false 500ms
	// second when the token is due: true
}

func ExampleLimiter_Wait() {
	l := limiter.New(limiter.Concurrency(10))
	release, err := l.Wait(context.Background(), "api.example.com:443")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("in use:", l.Stats().InUse)
	release()
	fmt.Println("in use:", l.Stats().InUse)
	// Output:
	// in use: 1
	// in use: 0
}

func ExampleLimiter_Pause() {
	l := limiter.New()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Pause("example.com:443", now.Add(time.Minute))
	l.Pause("example.com:443", now.Add(time.Second)) // does not shorten

	_, wait, ok := l.TryAcquire("example.com:443", now)
	fmt.Println(ok, wait)
	// Output:
	// false 1m0s
}

func ExampleHostKey() {
	for _, s := range []string{
		"https://Example.com/path",
		"https://example.com:443/",
		"http://example.com/",
		"http://[::1]:8080/",
	} {
		u, _ := url.Parse(s)
		fmt.Println(limiter.HostKey(u))
	}
	// Output:
	// example.com:443
	// example.com:443
	// example.com:80
	// [::1]:8080
}

// Middleware makes an http.Client obey a Limiter. A 429 with Retry-After
// pauses the host for every later request.
func ExampleMiddleware() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "hello")
	}))
	defer srv.Close()

	l := limiter.New(limiter.HostConcurrency(4))
	client := &http.Client{Transport: limiter.Middleware(l)(srv.Client().Transport)}

	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	u, _ := url.Parse(srv.URL)
	until, paused := l.Paused(limiter.HostKey(u), time.Now())
	fmt.Println("paused:", paused, until.Sub(time.Now()).Round(time.Minute))
	// Output:
	// 429
	// paused: true 2m0s
}

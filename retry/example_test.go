package retry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/requests3/requests/retry"
)

// A GET that meets two 503s is retried, and the third attempt succeeds.
func Example() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "hello")
	}))
	defer srv.Close()

	policy := retry.Policy{Backoff: retry.Exponential(time.Millisecond, 10*time.Millisecond)}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := policy.Do(context.Background(), req, srv.Client().Do)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body), "after", calls.Load(), "attempts")
	// Output: 200 OK hello after 3 attempts
}

// A scheduler that keeps its own timers, such as a worker pool, asks Next
// after each attempt and queues the retry instead of sleeping.
func ExamplePolicy_Next() {
	policy := retry.Policy{}

	get, _ := http.NewRequest(http.MethodGet, "https://api.example/items", nil)
	throttled := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"2"}}, Request: get}
	fmt.Println(policy.Next(get, 1, throttled, nil))

	tooLong := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"3600"}}, Request: get}
	fmt.Println(policy.Next(get, 1, tooLong, nil))

	post, _ := http.NewRequest(http.MethodPost, "https://api.example/items", nil)
	busy := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Request: post}
	fmt.Println(policy.Next(post, 1, busy, nil))

	post.Header.Set("Idempotency-Key", "8e03978e")
	_, ok := policy.Next(post, 1, busy, nil)
	fmt.Println(ok)
	// Output:
	// 2s true
	// 0s false
	// 0s false
	// true
}

func ExampleParseRetryAfter() {
	now := time.Date(2026, time.May, 4, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "Mon, 04 May 2026 12:00:30 GMT", "Mon, 04 May 2026 11:00:00 GMT", "-1", "soon"} {
		d, ok := retry.ParseRetryAfter(v, now)
		fmt.Printf("%q: %v %v\n", v, d, ok)
	}
	// Output:
	// "120": 2m0s true
	// "Mon, 04 May 2026 12:00:30 GMT": 30s true
	// "Mon, 04 May 2026 11:00:00 GMT": 0s true
	// "-1": 0s false
	// "soon": 0s false
}

func ExampleExponential() {
	b := retry.Exponential(100*time.Millisecond, time.Second)
	b.Rand = func(n int64) int64 { return n - 1 } // the top of each range
	for attempt := 1; attempt <= 5; attempt++ {
		fmt.Println(attempt, b.Delay(attempt))
	}
	// Output:
	// 1 100ms
	// 2 200ms
	// 3 400ms
	// 4 800ms
	// 5 1s
}

// With a budget of a tenth of the requests and no reserve, 20 requests to a
// host earn it 2 retries.
func ExampleBudget() {
	budget := retry.NewBudget(0.1, 0, 10*time.Second)
	now := time.Now()
	for range 20 {
		budget.Record("api.example:443", now)
	}
	granted := 0
	for range 5 {
		if budget.Allow("api.example:443", now) {
			granted++
		}
	}
	fmt.Println(granted, "of 5 retries allowed")
	// Output: 2 of 5 retries allowed
}

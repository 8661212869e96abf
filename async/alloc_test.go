package async_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// mallocs returns how many heap allocations fn makes.
func mallocs(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// TestFanOutAllocs pins what Map and Gather cost over the session's own
// allocations: their entries are reused (Map) or allocated in chunks
// (Gather), and the attempt's context lives in the entry, so a request
// through them allocates about what the session does. (The margin is for
// the race detector, under which sync.Pool drops what it holds at random.)
func TestFanOutAllocs(t *testing.T) {
	const n = 4000
	ctx := context.Background()
	s := client.NewSession(client.WithTransport(instant))
	defer s.Close()
	p := async.NewPool(s)
	defer p.Close()
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://h%d.test:80/%d", i%4, i)
	}
	newReqs := func() []*client.Request {
		reqs := make([]*client.Request, n)
		for i, u := range urls {
			reqs[i] = client.NewRequest("GET", u)
		}
		return reqs
	}
	// Warm up: the pool's hosts, the session's transport.
	if _, err := async.Gather(ctx, p, newReqs()); err != nil {
		t.Fatal(err)
	}
	perReq := func(fn func(reqs []*client.Request)) float64 {
		reqs := newReqs()
		return float64(mallocs(func() { fn(reqs) })) / n
	}
	session := perReq(func(reqs []*client.Request) {
		for _, r := range reqs {
			if _, err := s.Do(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	})
	tests := []struct {
		name string
		run  func(reqs []*client.Request)
	}{
		{"Map", func(reqs []*client.Request) {
			for _, err := range async.Map(ctx, p, slices.Values(reqs), func(*client.Response) (int, error) { return 0, nil }) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Gather", func(reqs []*client.Request) {
			for i := 0; i < n; i += 1000 {
				if _, err := async.Gather(ctx, p, reqs[i:i+1000]); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		got := perReq(tt.run)
		t.Logf("%s: %.2f allocations a request; the session: %.2f", tt.name, got, session)
		if got > session+0.5 {
			t.Errorf("%s: %.2f allocations a request, want at most the session's %.2f + 0.5", tt.name, got, session)
		}
	}
}

package async_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
)

var mapN = flag.Int("map-n", 0, "requests for TestMapBoundedMemory (default 1,000,000; 100,000 under -race)")

// instant answers every request at once from memory.
var instant = fakeTransport(func(r *http.Request) (*http.Response, error) { return reply(r, 200, nil, "ok"), nil })

// requests yields n GET requests spread over hosts, built as they are read.
func requests(n, hosts int) iter.Seq[*client.Request] {
	return func(yield func(*client.Request) bool) {
		for i := range n {
			if !yield(client.NewRequest("GET", fmt.Sprintf("http://h%d.test/%d", i%hosts, i))) {
				return
			}
		}
	}
}

func TestMapBoundedMemory(t *testing.T) {
	n := *mapN
	if n == 0 {
		n = 1_000_000
		if raceEnabled {
			n = 100_000
		}
	}
	const workers = 64
	p := newPool(t, instant, async.Workers(workers))
	base := runtime.NumGoroutine()
	var peakG int
	var peakHeap uint64
	var ms runtime.MemStats
	count := 0
	size := func(r *client.Response) (int, error) { b, err := r.Bytes(); return len(b), err }
	for v, err := range async.Map(context.Background(), p, requests(n, 16), size) {
		if err != nil || v != 2 {
			t.Fatalf("result %d: %v, %v", count, v, err)
		}
		count++
		if count%(n/10) == 0 {
			peakG = max(peakG, runtime.NumGoroutine())
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapAlloc)
		}
	}
	if count != n {
		t.Fatalf("got %d results, want %d", count, n)
	}
	if peakG > base+8 {
		t.Errorf("goroutines peaked at %d, want at most %d (the pool's own plus a constant)", peakG, base+8)
	}
	if peakHeap > 64<<20 {
		t.Errorf("live heap peaked at %d MiB, want under 64 MiB", peakHeap>>20)
	}
	t.Logf("%d requests, %d workers: goroutines peaked at %d (pool started with %d), live heap at %.1f MiB",
		n, workers, peakG, base, float64(peakHeap)/(1<<20))
}

func TestMapBreakStopsCleanly(t *testing.T) {
	p := newPool(t, instant, async.Workers(4))
	seen := 0
	for _, err := range async.Map(context.Background(), p, requests(1000, 3), func(r *client.Response) (int, error) { return 0, nil }) {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 10 {
			break
		}
	}
	if st := p.Stats(); st.Queued != 0 || st.InFlight != 0 {
		t.Errorf("after break: %+v, want nothing left", st)
	}
}

func TestGatherOrderAndFirstError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Path)
	}))
	defer srv.Close()
	var started, canceled atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		<-r.Context().Done()
		canceled.Add(1)
	}))
	defer hang.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(8))
	defer p.Close()
	ctx := context.Background()

	var reqs []*client.Request
	for i := range 20 {
		reqs = append(reqs, client.NewRequest("GET", fmt.Sprintf("%s/%d", srv.URL, i)))
	}
	resps, err := async.Gather(ctx, p, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		if b, _ := r.Bytes(); string(b) != fmt.Sprintf("/%d", i) {
			t.Errorf("response %d is %q: order not kept", i, b)
		}
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	dead := closed.URL
	closed.Close()
	bad := []*client.Request{
		client.NewRequest("GET", hang.URL),
		client.NewRequest("GET", hang.URL),
		client.NewRequest("GET", dead),
	}
	if _, err := async.Gather(ctx, p, bad); !errors.Is(err, client.ErrConnect) {
		t.Fatalf("got %v, want the connect error", err)
	}
	hang.Close() // waits for its handlers: each must have seen its request canceled
	if got, want := canceled.Load(), started.Load(); got != want {
		t.Errorf("%d of the %d hanging requests were canceled, want all", got, want)
	}

	settled := async.GatherSettled(ctx, p, []*client.Request{reqs[0], client.NewRequest("GET", dead)})
	if settled[0].Err != nil || !errors.Is(settled[1].Err, client.ErrConnect) {
		t.Errorf("GatherSettled: %v, %v", settled[0].Err, settled[1].Err)
	}
}

func TestForEachStopsAtError(t *testing.T) {
	p := newPool(t, instant, async.Workers(4))
	stop := errors.New("enough")
	calls := 0
	err := async.ForEach(context.Background(), p, requests(500, 2), func(r *client.Response, err error) error {
		if err != nil {
			return err
		}
		if calls++; calls == 25 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 25 {
		t.Errorf("got %v after %d calls, want the callback's error after 25", err, calls)
	}
}

func TestGoUsesHostLimits(t *testing.T) {
	p := newPool(t, instant, async.Workers(4), async.HostConcurrency(1))
	var inflight, peak atomic.Int32
	var fs []*future.Future[int]
	for i := range 20 {
		fs = append(fs, async.Go(context.Background(), p, "db", func(ctx context.Context) (int, error) {
			n := inflight.Add(1)
			if n > peak.Load() {
				peak.Store(n)
			}
			runtime.Gosched()
			inflight.Add(-1)
			return i * i, nil
		}))
	}
	for i, f := range fs {
		v, err := f.Await(context.Background())
		if err != nil || v != i*i {
			t.Errorf("task %d: %d, %v", i, v, err)
		}
	}
	if peak.Load() != 1 {
		t.Errorf("peak concurrency %d under key db, want 1", peak.Load())
	}
}

// TestGatherCallerCancel: when the caller's context ends, Gather aborts
// the requests in flight, drops the queued ones and returns the context's
// error, not what it did to one request.
func TestGatherCallerCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Hour}
		p := newPool(t, rec, async.Workers(2))
		ctx, cancel := context.WithCancel(context.Background())
		var reqs []*client.Request
		for i := range 5 {
			reqs = append(reqs, client.NewRequest("GET", fmt.Sprintf("http://a.test/%d", i)))
		}
		time.AfterFunc(time.Second, cancel)
		resps, err := async.Gather(ctx, p, reqs)
		if resps != nil || err != context.Canceled {
			t.Errorf("got %v, %v; want nil, context.Canceled", resps, err)
		}
		if st := p.Stats(); st.Queued != 0 || st.InFlight != 0 {
			t.Errorf("stats %+v, want nothing queued or in flight", st)
		}
		if n := len(rec.byHost("a.test")); n != 0 {
			t.Errorf("%d requests completed, want none", n)
		}
	})
}

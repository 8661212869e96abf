package async_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
	"github.com/requests3/requests/limiter"
)

// newPool returns a pool over a session with transport rt, closed at the end
// of the test.
func newPool(t *testing.T, rt http.RoundTripper, opts ...async.Option) *async.Pool {
	t.Helper()
	s := client.NewSession(client.WithTransport(rt))
	p := async.NewPool(s, opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p.Shutdown(ctx)
		s.Close()
	})
	return p
}

func TestNoHeadOfLineBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: 10 * time.Millisecond}
		lim := limiter.New(limiter.Host("a.test", 1, 1))
		p := newPool(t, rec, async.Workers(4), async.Limiter(lim), async.QueueSize(1000))
		ctx := context.Background()
		for i := range 50 {
			p.Get(ctx, fmt.Sprintf("http://a.test/%d", i))
		}
		var bs []*future.Future[*client.Response]
		for i := range 200 {
			bs = append(bs, p.Get(ctx, fmt.Sprintf("http://b.test/%d", i)))
		}
		for _, r := range future.AllSettled(ctx, bs...) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		lastB := rec.byHost("b.test")[199].end
		for time.Since(lastB) < 10*time.Second {
			time.Sleep(time.Second)
		}
		as := rec.byHost("a.test")
		if len(as) < 5 {
			t.Fatalf("only %d requests to a.test after 10s", len(as))
		}
		if !as[4].end.After(lastB) {
			t.Errorf("a.test's 5th request ended at %v, before the last b.test request at %v", as[4].end, lastB)
		}
		if got := lastB.Sub(as[0].start); got > time.Second {
			t.Errorf("200 requests to b.test took %v; host a.test held them up", got)
		}
	})
}

func TestRatePrecision(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		p := newPool(t, rec, async.Workers(8), async.PerHost(20, 5), async.QueueSize(1000))
		ctx := context.Background()
		start := time.Now()
		for i := range 400 {
			p.Get(ctx, fmt.Sprintf("http://a.test/%d", i))
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		var atStart, inWindow int
		for _, e := range rec.byHost("a.test") {
			if e.start.Equal(start) {
				atStart++
			}
			if e.start.Sub(start) <= 10*time.Second {
				inWindow++
			}
		}
		if atStart != 5 {
			t.Errorf("%d requests at once, want the burst of 5", atStart)
		}
		want := 5 + 20*10
		if diff := float64(inWindow-want) / float64(want); diff > 0.02 || diff < -0.02 {
			t.Errorf("%d requests in 10s, want %d within 2%%", inWindow, want)
		}
	})
}

func TestHostConcurrencyAtServer(t *testing.T) {
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // overlap requests; nothing is asserted on time
		inflight.Add(-1)
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(16), async.HostConcurrency(3))
	defer p.Close()
	var reqs []*client.Request
	for i := range 60 {
		reqs = append(reqs, client.NewRequest("GET", fmt.Sprintf("%s/%d", srv.URL, i)))
	}
	if _, err := async.Gather(context.Background(), p, reqs); err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got > 3 {
		t.Errorf("server saw %d concurrent requests, want at most 3", got)
	}
}

func TestRetryAfterPausesHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{answer: func(r *http.Request, n int) *http.Response {
			if n == 1 {
				return reply(r, 429, http.Header{"Retry-After": {"5"}}, "slow down")
			}
			return nil
		}}
		p := newPool(t, rec, async.Workers(1), async.NoRetry())
		ctx := context.Background()
		start := time.Now()
		var fs []*future.Future[*client.Response]
		for i := range 5 {
			fs = append(fs, p.Get(ctx, fmt.Sprintf("http://a.test/%d", i)))
		}
		other := p.Get(ctx, "http://b.test/")
		if _, err := other.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if b := rec.byHost("b.test"); len(b) != 1 || b[0].start.Sub(start) >= 5*time.Second {
			t.Errorf("b.test waited for a.test's pause: %+v", b)
		}
		future.AllSettled(ctx, fs...)
		as := rec.byHost("a.test")
		for _, e := range as[1:] {
			if e.start.Sub(start) < 5*time.Second {
				t.Errorf("request %s started %v in, during the 5s pause", e.path, e.start.Sub(start))
			}
		}
		if r, _ := fs[0].Await(ctx); r.StatusCode != 429 {
			t.Errorf("first response %d, want the 429", r.StatusCode)
		}
	})
}

func TestRetryWaitsOffWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{answer: func(r *http.Request, n int) *http.Response {
			if r.URL.Hostname() == "a.test" && n <= 2 {
				return reply(r, 503, nil, "")
			}
			return nil
		}}
		policy := async.Retry(retryPolicy(time.Minute))
		p := newPool(t, rec, async.Workers(1), policy)
		ctx := context.Background()
		start := time.Now()
		fa := p.Get(ctx, "http://a.test/")
		fb := p.Get(ctx, "http://b.test/")
		if _, err := fb.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d >= time.Minute {
			t.Errorf("b.test finished after %v: the backoff held the only worker", d)
		}
		r, err := fa.Await(ctx)
		if err != nil || r.StatusCode != 200 || time.Since(start) != 2*time.Minute {
			t.Errorf("a.test: %v, %v after %v; want 200 after two 1m backoffs", r, err, time.Since(start))
		}
		if st := p.Stats(); st.Retried != 2 || st.Done != 2 {
			t.Errorf("stats %+v, want 2 retried, 2 done", st)
		}
	})
}

func TestCancelBeforeDispatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Second}
		p := newPool(t, rec, async.Workers(1))
		bg := context.Background()
		first := p.Get(bg, "http://a.test/1")
		ctx, cancel := context.WithCancel(bg)
		second := p.Get(ctx, "http://a.test/2")
		third := p.Get(bg, "http://a.test/3")
		synctest.Wait()
		cancel()
		if _, err := second.Await(bg); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		third.Cancel()
		if _, err := third.Await(bg); !errors.Is(err, context.Canceled) {
			t.Errorf("canceled future: got %v, want context.Canceled", err)
		}
		if st := p.Stats(); st.Queued != 0 || st.InFlight != 1 {
			t.Errorf("stats %+v, want nothing queued and one in flight", st)
		}
		if _, err := first.Await(bg); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.byHost("a.test")); n != 1 {
			t.Errorf("%d requests sent, want only the first", n)
		}
	})
}

// TestSharedContextCancel: requests queued under one context all end as
// soon as it does, while a request under another context goes on; and a
// context reused after its first requests have settled still drops new
// ones at once.
func TestSharedContextCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Second}
		p := newPool(t, rec, async.Workers(1))
		bg := context.Background()
		other := p.Get(bg, "http://a.test/other") // holds the only worker for a second
		ctx, cancel := context.WithCancel(bg)
		var shared []*future.Future[*client.Response]
		for i := range 20 {
			shared = append(shared, p.Get(ctx, fmt.Sprintf("http://a.test/%d", i)))
		}
		synctest.Wait()
		cancel()
		synctest.Wait()
		for i, f := range shared {
			if r, done := f.Peek(); !done || !errors.Is(r.Err, context.Canceled) {
				t.Errorf("request %d right after cancel: done %v, %v; want context.Canceled", i, done, r.Err)
			}
		}
		if _, done := other.Peek(); done {
			t.Error("the request under another context ended early")
		}
		if _, err := other.Await(bg); err != nil {
			t.Errorf("request under another context: %v", err)
		}

		ctx2, cancel2 := context.WithCancel(bg)
		if _, err := p.Get(ctx2, "http://a.test/first").Await(bg); err != nil {
			t.Fatal(err)
		}
		running := p.Get(bg, "http://a.test/running")
		queued := p.Get(ctx2, "http://a.test/queued")
		synctest.Wait()
		cancel2()
		synctest.Wait()
		if r, done := queued.Peek(); !done || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("reused context: done %v, %v; want context.Canceled at once", done, r.Err)
		}
		if _, err := running.Await(bg); err != nil {
			t.Error(err)
		}
		if n := len(rec.byHost("a.test")); n != 3 {
			t.Errorf("%d requests completed, want 3 (other, first, running)", n)
		}
	})
}

func TestCancelInFlightAbortsRequest(t *testing.T) {
	aborted := make(chan struct{})
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		close(aborted)
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s)
	defer p.Close()
	f := p.Get(context.Background(), srv.URL)
	<-started
	f.Cancel()
	if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	<-aborted // the server saw the connection go
}

func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Hour}
		p := newPool(t, rec, async.Workers(1), async.QueueSize(2))
		bg := context.Background()
		p.Get(bg, "http://a.test/running")
		p.Get(bg, "http://a.test/q1")
		p.Get(bg, "http://a.test/q2")
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		start := time.Now()
		f := p.Get(ctx, "http://a.test/blocked")
		if d := time.Since(start); d != time.Second {
			t.Errorf("Do returned after %v, want it to block for the queue until ctx ended at 1s", d)
		}
		if _, err := f.Await(bg); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want context.DeadlineExceeded", err)
		}
		if st := p.Stats(); st.Queued != 2 {
			t.Errorf("queued %d, want 2", st.Queued)
		}
	})
}

func TestShutdownCancelsWhatIsLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Hour}
		s := client.NewSession(client.WithTransport(rec), client.WithTimeout(client.NoTimeout))
		p := async.NewPool(s, async.Workers(2))
		bg := context.Background()
		var fs []*future.Future[*client.Response]
		for i := range 6 {
			fs = append(fs, p.Get(bg, fmt.Sprintf("http://a.test/%d", i)))
		}
		synctest.Wait()
		ctx, cancel := context.WithTimeout(bg, time.Minute)
		defer cancel()
		if err := p.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown: %v, want DeadlineExceeded", err)
		}
		var closed, canceled int
		for _, r := range future.AllSettled(bg, fs...) {
			switch {
			case errors.Is(r.Err, async.ErrClosed):
				closed++
			case errors.Is(r.Err, context.Canceled):
				canceled++
			default:
				t.Errorf("unexpected result %v", r.Err)
			}
		}
		if closed != 4 || canceled != 2 {
			t.Errorf("%d closed and %d canceled, want 4 queued closed and 2 in flight canceled", closed, canceled)
		}
		if _, err := p.Get(bg, "http://a.test/late").Await(bg); !errors.Is(err, async.ErrClosed) {
			t.Errorf("after shutdown: %v, want ErrClosed", err)
		}
		if err := p.Shutdown(bg); err != nil {
			t.Errorf("second Shutdown: %v", err)
		}
	})
}

func TestCloseDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Second}
		s := client.NewSession(client.WithTransport(rec))
		p := async.NewPool(s, async.Workers(2), async.PerHost(rate.Every(time.Second), 1))
		var fs []*future.Future[*client.Response]
		for i := range 5 {
			fs = append(fs, p.Get(context.Background(), fmt.Sprintf("http://a.test/%d", i)))
		}
		p.Close()
		for i, r := range future.AllSettled(context.Background(), fs...) {
			if r.Err != nil {
				t.Errorf("request %d: %v, want drained", i, r.Err)
			}
		}
		if st := p.Stats(); st.Done != 5 || len(st.Hosts) != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestExactlyOnceUnderCancellationStorm(t *testing.T) {
	rec := &recorder{latency: time.Millisecond}
	s := client.NewSession(client.WithTransport(rec))
	p := async.NewPool(s, async.Workers(8), async.QueueSize(64), async.PerHost(2000, 10))
	const n = 2000
	var wg sync.WaitGroup
	fs := make([]*future.Future[*client.Response], n)
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				ctx, cancel := context.WithCancel(context.Background())
				fs[i] = p.Get(ctx, fmt.Sprintf("http://h%d.test/%d", i%5, i))
				switch i % 4 {
				case 0:
					cancel()
				case 1:
					fs[i].Cancel()
					defer cancel()
				default:
					defer cancel()
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	p.Shutdown(ctx)
	var ok, failed int
	for _, r := range future.AllSettled(context.Background(), fs...) {
		if r.Err != nil {
			failed++
		} else {
			ok++
		}
	}
	st := p.Stats()
	if ok+failed != n || st.Done+st.Failed != n || st.Queued != 0 || st.InFlight != 0 {
		t.Errorf("%d ok, %d failed; stats %+v: every future must settle exactly once", ok, failed, st)
	}
	if uint64(ok) != st.Done {
		t.Errorf("%d futures succeeded, pool counted %d done", ok, st.Done)
	}
	s.Close()
}

func TestSharedLimiterAdmitsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Second}
		lim := limiter.New(limiter.HostConcurrency(1))
		s := client.NewSession(client.WithTransport(rec), client.WithLimiter(lim))
		p := async.NewPool(s, async.Workers(4), async.Limiter(lim))
		defer p.Close()
		var fs []*future.Future[*client.Response]
		for i := range 3 {
			fs = append(fs, p.Get(context.Background(), fmt.Sprintf("http://a.test/%d", i)))
		}
		// A synchronous request through the same limiter waits its turn too.
		if _, err := s.Get(context.Background(), "http://a.test/sync"); err != nil {
			t.Fatal(err)
		}
		for _, r := range future.AllSettled(context.Background(), fs...) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		evs := rec.byHost("a.test")
		for i := 1; i < len(evs); i++ {
			if evs[i].start.Before(evs[i-1].end) {
				t.Errorf("requests %s and %s overlapped under a concurrency of 1", evs[i-1].path, evs[i].path)
			}
		}
		if len(evs) != 4 {
			t.Errorf("%d requests, want 4", len(evs))
		}
	})
}

func TestSubmitCallsDoneOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{latency: time.Second}
		p := newPool(t, rec, async.Workers(2))
		var mu sync.Mutex
		got := map[string]int{}
		done := func(r *client.Response, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				got["error"]++
				return
			}
			got[r.URL.Path]++
		}
		for i := range 5 {
			p.Submit(context.Background(), client.NewRequest("GET", fmt.Sprintf("http://a.test/%d", i)), done)
		}
		p.Submit(context.Background(), client.NewRequest("GET", "no scheme"), done)
		mu.Lock()
		if got["error"] != 1 {
			t.Errorf("invalid request: done called %d times before Submit returned, want 1", got["error"])
		}
		mu.Unlock()
		time.Sleep(3 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		for i := range 5 {
			if n := got[fmt.Sprintf("/%d", i)]; n != 1 {
				t.Errorf("request %d: done called %d times, want 1", i, n)
			}
		}
	})
}

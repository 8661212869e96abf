package limiter

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func response(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode: status,
		Header:     header,
		Body:       io.NopCloser(strings.NewReader(body)),
	}
}

// servers starts an httptest server speaking HTTP/1.1 and one speaking
// HTTP/2, both on loopback.
func servers(t *testing.T, h http.Handler) map[string]*httptest.Server {
	t.Helper()
	h1 := httptest.NewServer(h)
	t.Cleanup(h1.Close)
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h2.Close)
	return map[string]*httptest.Server{"HTTP/1.1": h1, "HTTP/2.0": h2}
}

func clientFor(ts *httptest.Server, l *Limiter) *http.Client {
	c := ts.Client()
	tr := c.Transport.(*http.Transport)
	t := *c
	t.Transport = Middleware(l)(tr)
	return &t
}

// TestMiddlewareConcurrency sends many requests at once and checks at the
// server that no more than the limit are ever in flight, and that the limit
// is reached.
func TestMiddlewareConcurrency(t *testing.T) {
	const limit, n = 3, 20
	var inFlight atomic.Int32
	arrived := make(chan string, n)
	proceed := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := inFlight.Add(1); got > limit {
			t.Errorf("%d requests in flight at the server, limit %d", got, limit)
		}
		arrived <- r.Proto
		<-proceed
		inFlight.Add(-1)
		io.WriteString(w, "ok")
	})
	for name, ts := range servers(t, h) {
		t.Run(name, func(t *testing.T) {
			l := New(HostConcurrency(limit))
			c := clientFor(ts, l)
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					resp, err := c.Get(ts.URL)
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := io.ReadAll(resp.Body); err != nil {
						t.Error(err)
					}
					resp.Body.Close()
				})
			}
			for range limit { // the limit is reached...
				if proto := <-arrived; proto != name {
					t.Errorf("server saw %s, want %s", proto, name)
				}
			}
			for range n - limit { // ...and each finished request lets one more in
				proceed <- struct{}{}
				<-arrived
			}
			for range limit {
				proceed <- struct{}{}
			}
			wg.Wait()
			if st := l.Stats(); st.InUse != 0 || st.Waiting != 0 {
				t.Fatalf("Stats = %+v, want nothing held or waiting", st)
			}
		})
	}
}

// TestMiddlewareRetryAfter checks against a real server that a 429 with
// Retry-After pauses the host for later requests.
func TestMiddlewareRetryAfter(t *testing.T) {
	var hits atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	for name, ts := range servers(t, h) {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			l := New()
			c := clientFor(ts, l)
			before := time.Now()
			resp, err := c.Get(ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429", resp.StatusCode)
			}
			u, _ := url.Parse(ts.URL)
			until, ok := l.Paused(HostKey(u), time.Now())
			if !ok || until.Before(before.Add(30*time.Second)) || until.After(time.Now().Add(30*time.Second)) {
				t.Fatalf("Paused = %v, %v; want about 30s from now", until, ok)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL, nil)
			if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
				t.Fatalf("request to the paused host = %v, want context.Canceled", err)
			}
			if got := hits.Load(); got != 1 {
				t.Fatalf("server saw %d requests, want 1", got)
			}
			if _, ok := l.Paused("other:443", time.Now()); ok {
				t.Fatal("another host was paused")
			}
		})
	}
}

// TestMiddlewarePauseTiming checks, with simulated time, that requests after
// a Retry-After are sent when the pause ends, for both header forms and
// both statuses, and that other responses pause nothing.
func TestMiddlewarePauseTiming(t *testing.T) {
	tests := []struct {
		name   string
		status int
		after  func(now time.Time) string
		want   time.Duration
	}{
		{"429 seconds", 429, func(time.Time) string { return "3" }, 3 * time.Second},
		{"503 seconds", 503, func(time.Time) string { return "7" }, 7 * time.Second},
		{"429 date", 429, func(now time.Time) string { return now.Add(5 * time.Second).UTC().Format(http.TimeFormat) }, 5 * time.Second},
		{"capped", 429, func(time.Time) string { return "86400" }, MaxRetryAfter},
		{"503 without header", 503, nil, 0},
		{"200 with header", 200, func(time.Time) string { return "3" }, 0},
		{"429 garbage", 429, func(time.Time) string { return "soon" }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var sent []time.Duration
				next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					sent = append(sent, time.Since(start))
					if len(sent) == 1 {
						h := http.Header{}
						if tt.after != nil {
							h.Set("Retry-After", tt.after(time.Now()))
						}
						return response(tt.status, h, ""), nil
					}
					return response(200, nil, "ok"), nil
				})
				c := &http.Client{Transport: Middleware(New())(next)}
				for range 2 {
					resp, err := c.Get("https://example.com/")
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
				}
				if sent[1] != tt.want {
					t.Fatalf("second request sent after %v, want %v", sent[1], tt.want)
				}
			})
		})
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

// TestMiddlewareRelease checks each way a permit taken by the middleware is
// given back.
func TestMiddlewareRelease(t *testing.T) {
	fail := errors.New("connection refused")
	tests := []struct {
		name   string
		resp   func() (*http.Response, error)
		finish func(*http.Response) // what the caller does with the response
	}{
		{"round trip error", func() (*http.Response, error) { return nil, fail }, func(*http.Response) {}},
		{"body closed", func() (*http.Response, error) { return response(200, nil, "hello"), nil },
			func(r *http.Response) { r.Body.Close() }},
		{"body read to the end", func() (*http.Response, error) { return response(200, nil, "hello"), nil },
			func(r *http.Response) { io.ReadAll(r.Body) }},
		{"no body", func() (*http.Response, error) {
			r := response(204, nil, "")
			r.Body = http.NoBody
			return r, nil
		}, func(*http.Response) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(HostConcurrency(1))
			rt := Middleware(l)(roundTripFunc(func(*http.Request) (*http.Response, error) { return tt.resp() }))
			req, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil && !errors.Is(err, fail) {
				t.Fatal(err)
			}
			if err == nil {
				if st := l.Stats(); st.InUse != 1 && resp.Body != http.NoBody {
					t.Fatalf("InUse before the body is done = %d, want 1", st.InUse)
				}
				tt.finish(resp)
			}
			if got := l.Stats().InUse; got != 0 {
				t.Fatalf("InUse = %d, want 0", got)
			}
		})
	}
}

func TestMiddlewareWaitError(t *testing.T) {
	l := New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://example.com/", body)
	called := false
	rt := Middleware(l)(roundTripFunc(func(*http.Request) (*http.Response, error) {
		called = true
		return response(200, nil, ""), nil
	}))
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "limiter: ") {
		t.Fatalf("RoundTrip = %v, want a limiter error wrapping context.Canceled", err)
	}
	if called {
		t.Fatal("request sent although the wait failed")
	}
	if !body.closed.Load() {
		t.Fatal("request body not closed")
	}
}

func TestMiddlewareDoesNotModifyRequest(t *testing.T) {
	var keys []string
	l := New(KeyFunc(func(r *http.Request) string {
		k := r.Header.Get("Tenant")
		keys = append(keys, k)
		return k
	}))
	rt := Middleware(l)(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return response(429, http.Header{"Retry-After": {"5"}}, ""), nil
	}))
	req, _ := http.NewRequest(http.MethodGet, "https://Example.com:443/a?b=c", nil)
	req.Header.Set("Tenant", "t1")
	orig := req.Clone(req.Context())
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.URL.String() != orig.URL.String() || req.Host != orig.Host ||
		len(req.Header) != len(orig.Header) || req.Header.Get("Tenant") != "t1" ||
		req.Context() != orig.Context() || req.Method != orig.Method {
		t.Fatalf("request modified: %+v, was %+v", req, orig)
	}
	if len(keys) != 1 || keys[0] != "t1" {
		t.Fatalf("KeyFunc saw %q, want [t1]", keys)
	}
	if _, ok := l.Paused("t1", time.Now()); !ok {
		t.Fatal("the KeyFunc key was not paused")
	}
}

func TestWithAdmission(t *testing.T) {
	l := New(HostConcurrency(1))
	const key = "example.com:443"
	p, _, ok := l.TryAcquire(key, time.Now())
	if !ok {
		t.Fatal("TryAcquire failed")
	}
	rt := Middleware(l)(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(503, http.Header{"Retry-After": {"9"}}, "busy"), nil
	}))
	// Admitted by l already: must not wait for the slot it holds itself.
	ctx := WithAdmission(context.Background(), l)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://example.com/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := l.Stats().InUse; got != 1 {
		t.Fatalf("InUse = %d, want 1: the admitted request took another slot or released one", got)
	}
	if _, ok := l.Paused(key, time.Now()); !ok {
		t.Fatal("an admitted request's 503 did not pause the key")
	}
	p.Release()

	// Admission by another Limiter does not count for l.
	ctx, cancel := context.WithCancel(WithAdmission(context.Background(), New()))
	cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "https://example.com/", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, want it to wait for l and fail with context.Canceled", err)
	}
}

func TestMiddlewareNil(t *testing.T) {
	next := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	if got := Middleware(nil)(next); got == nil {
		t.Fatal("Middleware(nil) returned nil")
	}
	var l *Limiter
	rt := Middleware(l)(http.DefaultTransport)
	if rt != http.DefaultTransport {
		t.Fatal("Middleware(nil) wrapped the transport")
	}
}

type rwc struct {
	io.Reader
	io.Writer
}

func (rwc) Close() error { return nil }

func TestMiddlewareKeepsWritableBody(t *testing.T) {
	l := New(HostConcurrency(1))
	rt := Middleware(l)(roundTripFunc(func(*http.Request) (*http.Response, error) {
		r := response(http.StatusSwitchingProtocols, nil, "")
		r.Body = rwc{strings.NewReader(""), io.Discard}
		return r, nil
	}))
	req, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := resp.Body.(io.Writer)
	if !ok {
		t.Fatal("a 101 response body lost its Write method")
	}
	if n, err := w.Write([]byte("ping")); n != 4 || err != nil {
		t.Fatalf("Write = %d, %v; want 4, nil", n, err)
	}
	resp.Body.Close()
	if got := l.Stats().InUse; got != 0 {
		t.Fatalf("InUse = %d, want 0", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		in   string
		want time.Duration // from now; 0 means no pause
	}{
		{"", 0},
		{"0", 0},
		{"1", time.Second},
		{" 120 ", 120 * time.Second},
		{"3599", 3599 * time.Second},
		{"3600", MaxRetryAfter},
		{"86400", MaxRetryAfter},
		{"99999999999999999999999", MaxRetryAfter},
		{"-5", 0},
		{"+5", 0},
		{"1.5", 0},
		{"5s", 0},
		{"soon", 0},
		{date(30 * time.Second), 30 * time.Second},
		{now.Add(30 * time.Second).Format(time.RFC850), 30 * time.Second},
		{now.Add(30 * time.Second).Format(time.ANSIC), 30 * time.Second},
		{date(-30 * time.Second), 0},
		{date(0), 0},
		{date(48 * time.Hour), MaxRetryAfter},
	}
	for _, tt := range tests {
		until, ok := retryAfter(tt.in, now)
		if tt.want == 0 {
			if ok {
				t.Errorf("retryAfter(%q) = %v, true; want no pause", tt.in, until)
			}
			continue
		}
		if !ok || until.Sub(now) != tt.want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v from now", tt.in, until.Sub(now), ok, tt.want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "99999999999999999999", ""} {
		f.Add(s)
	}
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		until, ok := retryAfter(s, now)
		if !ok {
			return
		}
		if !until.After(now) || until.After(now.Add(MaxRetryAfter)) {
			t.Fatalf("retryAfter(%q) = %v from now, want within (0, %v]", s, until.Sub(now), MaxRetryAfter)
		}
	})
}

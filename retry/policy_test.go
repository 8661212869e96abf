package retry_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/retry"
)

// unrewindable is a body net/http cannot make a GetBody for.
type unrewindable struct{ io.Reader }

func TestPolicyNext(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://example.com/x", Err: &net.OpError{
		Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	reset := &url.Error{Op: "Get", URL: "http://example.com/x", Err: &net.OpError{
		Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	get := func() *http.Request { return newRequest(t, http.MethodGet) }
	post := func(header ...string) *http.Request { return newRequest(t, http.MethodPost, header...) }
	withBody := func(req *http.Request, body io.Reader) *http.Request {
		r, err := http.NewRequest(req.Method, req.URL.String(), body)
		if err != nil {
			t.Fatal(err)
		}
		r.Header = req.Header
		return r
	}
	canceled := func(req *http.Request) *http.Request {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return req.WithContext(ctx)
	}
	base := retry.Policy{Backoff: retry.Constant(time.Second), Now: func() time.Time { return now }}
	with := func(f func(*retry.Policy)) retry.Policy {
		p := base
		f(&p)
		return p
	}
	retry500 := func(req *http.Request, resp *http.Response, err error) bool {
		return resp != nil && resp.StatusCode == 500
	}
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }

	tests := []struct {
		name      string
		policy    retry.Policy
		req       *http.Request
		attempt   int
		status    int // 0: no response
		header    []string
		err       error
		wantDelay time.Duration
		wantOK    bool
	}{
		{"503 is retried", base, get(), 1, 503, nil, nil, time.Second, true},
		{"502 is retried", base, get(), 2, 502, nil, nil, time.Second, true},
		{"success is final", base, get(), 1, 200, nil, nil, 0, false},
		{"404 is final", base, get(), 1, 404, nil, nil, 0, false},
		{"attempts exhausted", base, get(), 3, 503, nil, nil, 0, false},
		{"attempt zero", base, get(), 0, 503, nil, nil, 0, false},
		{"no response and no error", base, get(), 1, 0, nil, nil, 0, false},
		{"more attempts", with(func(p *retry.Policy) { p.MaxAttempts = 5 }), get(), 4, 503, nil, nil, time.Second, true},
		{"one attempt", with(func(p *retry.Policy) { p.MaxAttempts = 1 }), get(), 1, 503, nil, nil, 0, false},
		{"negative attempts", with(func(p *retry.Policy) { p.MaxAttempts = -1 }), get(), 1, 503, nil, nil, 0, false},
		{"POST 503 is final", base, post(), 1, 503, nil, nil, 0, false},
		{"POST with key", base, post("Idempotency-Key", "k"), 1, 503, nil, nil, time.Second, true},
		{"POST with key and rewindable body", base, withBody(post("Idempotency-Key", "k"), strings.NewReader("x")), 1, 503, nil, nil, time.Second, true},
		{"POST with key and unrewindable body", base, withBody(post("Idempotency-Key", "k"), unrewindable{strings.NewReader("x")}), 1, 503, nil, nil, 0, false},
		{"PUT with unrewindable body", base, withBody(newRequest(t, http.MethodPut), unrewindable{strings.NewReader("x")}), 1, 0, nil, reset, 0, false},
		{"PUT with NoBody", base, withBody(newRequest(t, http.MethodPut), http.NoBody), 1, 0, nil, reset, time.Second, true},
		{"reset GET", base, get(), 1, 0, nil, reset, time.Second, true},
		{"reset POST", base, post(), 1, 0, nil, reset, 0, false},
		{"refused POST", base, post(), 1, 0, nil, refused, time.Second, true},
		{"caller canceled", base, canceled(get()), 1, 503, nil, nil, 0, false},
		{"caller canceled, refused", base, canceled(get()), 1, 0, nil, refused, 0, false},
		{"canceled error", base, get(), 1, 0, nil, &url.Error{Op: "Get", Err: context.Canceled}, 0, false},
		{"attempt timeout, caller live", base, get(), 1, 0, nil, &url.Error{Op: "Get", Err: context.DeadlineExceeded}, time.Second, true},
		{"retry-after seconds", base, get(), 1, 429, []string{"Retry-After", "5"}, nil, 5 * time.Second, true},
		{"retry-after zero", base, get(), 1, 503, []string{"Retry-After", "0"}, nil, 0, true},
		{"retry-after date", base, get(), 1, 503, []string{"Retry-After", date(42 * time.Second)}, nil, 42 * time.Second, true},
		{"retry-after past date", base, get(), 1, 503, []string{"Retry-After", date(-time.Hour)}, nil, 0, true},
		{"retry-after at the cap", base, get(), 1, 503, []string{"Retry-After", "60"}, nil, time.Minute, true},
		{"retry-after past the cap", base, get(), 1, 503, []string{"Retry-After", "61"}, nil, 0, false},
		{"retry-after date past the cap", base, get(), 1, 503, []string{"Retry-After", date(2 * time.Minute)}, nil, 0, false},
		{"retry-after huge", base, get(), 1, 429, []string{"Retry-After", "99999999999999999999"}, nil, 0, false},
		{"retry-after higher cap", with(func(p *retry.Policy) { p.MaxRetryAfter = time.Hour }), get(), 1, 503, []string{"Retry-After", "3600"}, nil, time.Hour, true},
		{"retry-after lower cap", with(func(p *retry.Policy) { p.MaxRetryAfter = time.Second }), get(), 1, 503, []string{"Retry-After", "2"}, nil, 0, false},
		{"retry-after garbage", base, get(), 1, 503, []string{"Retry-After", "soon"}, nil, time.Second, true},
		{"retry-after negative", base, get(), 1, 503, []string{"Retry-After", "-3"}, nil, time.Second, true},
		{"retry-after ignored", with(func(p *retry.Policy) { p.IgnoreRetryAfter = true }), get(), 1, 503, []string{"Retry-After", "3600"}, nil, time.Second, true},
		{"retry-after on a final status", base, get(), 1, 500, []string{"Retry-After", "1"}, nil, 0, false},
		{"custom classify", with(func(p *retry.Policy) { p.Classify = retry500 }), get(), 1, 500, nil, nil, time.Second, true},
		{"custom classify says no", with(func(p *retry.Policy) { p.Classify = retry500 }), get(), 1, 503, nil, nil, 0, false},
		{"custom classify cannot rewind", with(func(p *retry.Policy) { p.Classify = retry500 }), withBody(post(), unrewindable{strings.NewReader("x")}), 1, 500, nil, nil, 0, false},
		{"custom classify cannot outlive the caller", with(func(p *retry.Policy) { p.Classify = retry500 }), canceled(get()), 1, 500, nil, nil, 0, false},
		{"negative backoff", with(func(p *retry.Policy) { p.Backoff = retry.Constant(-time.Second) }), get(), 1, 503, nil, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.status != 0 {
				resp = newResponse(tt.req, tt.status, tt.header...)
			}
			delay, ok := tt.policy.Next(tt.req, tt.attempt, resp, tt.err)
			if delay != tt.wantDelay || ok != tt.wantOK {
				t.Errorf("Next(attempt %d, %d, %v) = %v, %v; want %v, %v",
					tt.attempt, tt.status, tt.err, delay, ok, tt.wantDelay, tt.wantOK)
			}
		})
	}
}

func TestPolicyNextRequestFromResponse(t *testing.T) {
	req := newRequest(t, http.MethodGet)
	p := retry.Policy{Backoff: retry.Constant(time.Second)}
	if d, ok := p.Next(nil, 1, newResponse(req, 503), nil); d != time.Second || !ok {
		t.Errorf("Next(nil request, 503 with Request) = %v, %v; want 1s, true", d, ok)
	}
	if d, ok := p.Next(nil, 1, nil, errors.New("boom")); d != 0 || ok {
		t.Errorf("Next(nil request, no response) = %v, %v; want 0, false", d, ok)
	}
}

func TestPolicyNextZeroValue(t *testing.T) {
	var p retry.Policy
	req := newRequest(t, http.MethodGet)
	resp := newResponse(req, 503)
	for attempt := 1; attempt < retry.DefaultMaxAttempts; attempt++ {
		d, ok := p.Next(req, attempt, resp, nil)
		if ceil := retry.DefaultBackoffBase << (attempt - 1); !ok || d < 0 || d > ceil {
			t.Errorf("zero Policy Next(%d, 503) = %v, %v; want within [0, %v], true", attempt, d, ok, ceil)
		}
	}
	if _, ok := p.Next(req, retry.DefaultMaxAttempts, resp, nil); ok {
		t.Errorf("zero Policy Next(%d, 503) = true, want false", retry.DefaultMaxAttempts)
	}
}

// TestPolicyNextClock uses the real clock of a synctest bubble: HTTP-dates
// and deadlines are measured against time.Now.
func TestPolicyNextClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := retry.Policy{Backoff: retry.Constant(time.Second)}
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		req := newRequest(t, http.MethodGet).WithContext(ctx)
		tests := []struct {
			name       string
			retryAfter string
			wantDelay  time.Duration
			wantOK     bool
		}{
			{"backoff before the deadline", "", time.Second, true},
			{"date before the deadline", time.Now().Add(2 * time.Second).Format(http.TimeFormat), 2 * time.Second, true},
			{"seconds at the deadline", "3", 0, false},
			{"date after the deadline", time.Now().Add(10 * time.Second).Format(http.TimeFormat), 0, false},
		}
		for _, tt := range tests {
			resp := newResponse(req, 503)
			if tt.retryAfter != "" {
				resp.Header.Set("Retry-After", tt.retryAfter)
			}
			if d, ok := p.Next(req, 1, resp, nil); d != tt.wantDelay || ok != tt.wantOK {
				t.Errorf("%s: Next = %v, %v; want %v, %v", tt.name, d, ok, tt.wantDelay, tt.wantOK)
			}
		}

		// With 1.5s left a 1s backoff still fits; with 0.5s it does not.
		time.Sleep(1500 * time.Millisecond)
		if _, ok := p.Next(req, 1, newResponse(req, 503), nil); !ok {
			t.Errorf("1.5s before the deadline: Next = false, want true")
		}
		time.Sleep(time.Second)
		if _, ok := p.Next(req, 1, newResponse(req, 503), nil); ok {
			t.Errorf("0.5s before the deadline: Next = true, want false")
		}
		// Once the caller's deadline has passed, the error it caused is final.
		time.Sleep(time.Second)
		if _, ok := p.Next(req, 1, nil, &url.Error{Op: "Get", Err: context.DeadlineExceeded}); ok {
			t.Errorf("after the caller's deadline: Next = true, want false")
		}
	})
}

func TestPolicyNextBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := retry.Policy{Backoff: retry.Constant(0), Budget: retry.NewBudget(0.5, 0, 10*time.Second)}
		req := newRequest(t, http.MethodGet)
		other := newRequest(t, http.MethodGet)
		other.URL.Host = "other.example:8080"

		// Each first attempt earns half a retry, spent as soon as whole.
		var got []bool
		for range 4 {
			_, ok := p.Next(req, 1, newResponse(req, 503), nil)
			got = append(got, ok)
		}
		if want := []bool{false, true, false, true}; !slices.Equal(got, want) {
			t.Errorf("four failing first attempts: Next ok = %v, want %v", got, want)
		}
		// Successes count as requests too.
		p.Next(req, 1, newResponse(req, 200), nil)
		p.Next(req, 1, newResponse(req, 204), nil)
		if _, ok := p.Next(req, 2, newResponse(req, 503), nil); !ok {
			t.Errorf("after two successes earned a retry: Next = false, want true")
		}
		// Later attempts do not earn anything, and hosts are separate.
		if _, ok := p.Next(req, 2, newResponse(req, 503), nil); ok {
			t.Errorf("budget spent: Next = true, want false")
		}
		if _, ok := p.Next(other, 1, newResponse(other, 503), nil); ok {
			t.Errorf("other host, one request: Next = true, want false")
		}
	})
}

func BenchmarkPolicyNext(b *testing.B) {
	req := newRequest(b, http.MethodGet)
	resp := newResponse(req, 503)
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	benchmarks := []struct {
		name   string
		policy retry.Policy
		resp   *http.Response
		err    error
	}{
		{"zero/503", retry.Policy{}, resp, nil},
		{"zero/200", retry.Policy{}, newResponse(req, 200), nil},
		{"zero/reset", retry.Policy{}, nil, reset},
		{"retry-after/503", retry.Policy{}, newResponse(req, 503, "Retry-After", "7"), nil},
		{"budget/503", retry.Policy{Budget: retry.NewBudget(1, 10, time.Second)}, resp, nil},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bm.policy.Next(req, 1, bm.resp, bm.err)
			}
		})
	}
}

package retry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/retry"
)

// trackedBody is a response body that records whether it was read to the
// end and closed.
type trackedBody struct {
	io.Reader
	mu          sync.Mutex // guards eof and closed
	eof, closed bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if err == io.EOF {
		b.mu.Lock()
		b.eof = true
		b.mu.Unlock()
	}
	return n, err
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

func (b *trackedBody) state() (eof, closed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof, b.closed
}

// script is a fake transport that answers attempt i with statuses[i] (0
// meaning a connection reset) and records when each attempt came and the
// body it carried.
type script struct {
	statuses []int
	header   []string // set on every response

	mu     sync.Mutex // guards the fields below
	times  []time.Time
	bodies []string
	resps  []*trackedBody
}

func (s *script) send(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.times)
	s.times = append(s.times, time.Now())
	var body string
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		body = string(b)
	}
	s.bodies = append(s.bodies, body)
	if i >= len(s.statuses) || s.statuses[i] == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	resp := newResponse(req, s.statuses[i], s.header...)
	tb := &trackedBody{Reader: strings.NewReader(strings.Repeat("x", 100) + " attempt body")}
	resp.Body = tb
	s.resps = append(s.resps, tb)
	return resp, nil
}

func (s *script) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(s.times); i++ {
		gaps = append(gaps, s.times[i].Sub(s.times[i-1]))
	}
	return gaps
}

// TestDoSchedule checks the waits between attempts in fake time: exactly
// the ceilings with the highest jitter, and within them with real jitter.
func TestDoSchedule(t *testing.T) {
	ceilings := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}
	t.Run("highest jitter", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := &script{statuses: []int{503, 0, 502, 504, 429, 200}}
			b := retry.Exponential(100*time.Millisecond, 500*time.Millisecond)
			b.Rand = highest
			p := retry.Policy{MaxAttempts: 6, Backoff: b}
			resp, err := p.Do(t.Context(), newRequest(t, http.MethodGet), s.send)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("Do = %v, %v; want 200, nil", resp, err)
			}
			resp.Body.Close()
			if got := s.gaps(); !slices.Equal(got, ceilings) {
				t.Errorf("waits between attempts = %v, want %v", got, ceilings)
			}
		})
	})
	t.Run("random jitter", func(t *testing.T) {
		for range 20 {
			synctest.Test(t, func(t *testing.T) {
				s := &script{statuses: []int{503, 503, 503, 503, 503, 503}}
				p := retry.Policy{MaxAttempts: 6, Backoff: retry.Exponential(100*time.Millisecond, 500*time.Millisecond)}
				resp, err := p.Do(t.Context(), newRequest(t, http.MethodGet), s.send)
				if err != nil || resp.StatusCode != 503 {
					t.Fatalf("Do = %v, %v; want 503, nil", resp, err)
				}
				resp.Body.Close()
				gaps := s.gaps()
				if len(gaps) != len(ceilings) {
					t.Fatalf("%d waits, want %d", len(gaps), len(ceilings))
				}
				for i, g := range gaps {
					if g < 0 || g > ceilings[i] {
						t.Errorf("wait after attempt %d = %v, want within [0, %v]", i+1, g, ceilings[i])
					}
				}
			})
		}
	})
}

func TestDoRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func() string
		want       []time.Duration
	}{
		{"seconds", func() string { return "2" }, []time.Duration{2 * time.Second, 2 * time.Second}},
		{
			"date", func() string { return time.Now().Add(7 * time.Second).Format(http.TimeFormat) },
			[]time.Duration{7 * time.Second, 0}, // the second attempt comes after the date
		},
		{"garbage", func() string { return "garbage" }, []time.Duration{time.Second, time.Second}},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			s := &script{statuses: []int{429, 503, 200}, header: []string{"Retry-After", tt.retryAfter()}}
			p := retry.Policy{Backoff: retry.Constant(time.Second)}
			resp, err := p.Do(t.Context(), newRequest(t, http.MethodGet), s.send)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: Do = %v, %v; want 200, nil", tt.name, resp, err)
			}
			resp.Body.Close()
			if got := s.gaps(); !slices.Equal(got, tt.want) {
				t.Errorf("%s: waits = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

// TestDoTooLongRetryAfter returns the response at once when the server asks
// for a longer wait than MaxRetryAfter, with its body readable.
func TestDoTooLongRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 200}, header: []string{"Retry-After", "3600"}}
		start := time.Now()
		resp, err := retry.Policy{}.Do(t.Context(), newRequest(t, http.MethodGet), s.send)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("Do = %v, %v; want 503, nil", resp, err)
		}
		defer resp.Body.Close()
		if d := time.Since(start); d != 0 {
			t.Errorf("Do took %v, want no wait", d)
		}
		if b, _ := io.ReadAll(resp.Body); !strings.HasSuffix(string(b), "attempt body") {
			t.Errorf("final body = %q, want the server's body", b)
		}
	})
}

func TestDoExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 503, 503, 200}}
		resp, err := retry.Policy{}.Do(t.Context(), newRequest(t, http.MethodGet), s.send)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("Do = %v, %v; want the third 503, nil", resp, err)
		}
		if got := len(s.times); got != retry.DefaultMaxAttempts {
			t.Errorf("%d attempts, want %d", got, retry.DefaultMaxAttempts)
		}
		// Abandoned bodies are drained and closed; the last one is the
		// caller's, untouched.
		for i, b := range s.resps {
			eof, closed := b.state()
			last := i == len(s.resps)-1
			if eof == last || closed == last {
				t.Errorf("response %d: read to EOF %v, closed %v; want %v, %v", i+1, eof, closed, !last, !last)
			}
		}
		if b, _ := io.ReadAll(resp.Body); !strings.HasSuffix(string(b), "attempt body") {
			t.Errorf("final body = %q, want the server's body", b)
		}
		resp.Body.Close()
	})
}

func TestDoRewindsBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{0, 503, 201}}
		req, err := http.NewRequest(http.MethodPost, "http://example.com/orders", strings.NewReader(`{"n":1}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Idempotency-Key", "order-1")
		resp, err := retry.Policy{}.Do(t.Context(), req, s.send)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("Do = %v, %v; want 201, nil", resp, err)
		}
		resp.Body.Close()
		for i, b := range s.bodies {
			if b != `{"n":1}` {
				t.Errorf("attempt %d sent body %q, want %q", i+1, b, `{"n":1}`)
			}
		}
		if len(s.bodies) != 3 {
			t.Errorf("%d attempts, want 3", len(s.bodies))
		}
	})
}

func TestDoRewindFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 200}}
		req, _ := http.NewRequest(http.MethodPut, "http://example.com/x", strings.NewReader("x"))
		errGone := errors.New("file is gone")
		req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
		resp, err := retry.Policy{}.Do(t.Context(), req, s.send)
		if resp != nil || !errors.Is(err, errGone) || !strings.HasPrefix(err.Error(), "retry: ") {
			t.Errorf("Do = %v, %v; want nil and a retry: error wrapping %v", resp, err, errGone)
		}
	})
}

func TestDoUnrewindableBodyIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 200}}
		req, _ := http.NewRequest(http.MethodPut, "http://example.com/x", unrewindable{strings.NewReader("x")})
		resp, err := retry.Policy{}.Do(t.Context(), req, s.send)
		if err != nil || resp.StatusCode != 503 || len(s.times) != 1 {
			t.Errorf("Do = %v, %v after %d attempts; want 503, nil after 1", resp, err, len(s.times))
		}
	})
}

// TestDoCancelDuringBackoff cancels the context while Do waits an hour to
// retry: it returns at once, without another attempt.
func TestDoCancelDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 200}}
		p := retry.Policy{Backoff: retry.Constant(time.Hour)}
		ctx, cancel := context.WithCancel(t.Context())
		type result struct {
			resp *http.Response
			err  error
		}
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			resp, err := p.Do(ctx, newRequest(t, http.MethodGet), s.send)
			done <- result{resp, err}
		}()
		synctest.Wait() // Do is now waiting for its timer
		cancel()
		r := <-done
		if r.resp != nil || !errors.Is(r.err, context.Canceled) {
			t.Errorf("Do = %v, %v; want nil, context.Canceled", r.resp, r.err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Do returned after %v, want at once", d)
		}
		if got := len(s.times); got != 1 {
			t.Errorf("%d attempts, want 1", got)
		}
		if _, closed := s.resps[0].state(); !closed {
			t.Errorf("abandoned response body not closed")
		}
	})
}

// TestDoDeadlineBeforeBackoff gives up at once when the wait would outlast
// the context, returning the response instead of a deadline error.
func TestDoDeadlineBeforeBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{statuses: []int{503, 200}}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		resp, err := retry.Policy{Backoff: retry.Constant(5 * time.Second)}.Do(ctx, newRequest(t, http.MethodGet), s.send)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("Do = %v, %v; want 503, nil", resp, err)
		}
		resp.Body.Close()
		if d := time.Since(start); d != 0 {
			t.Errorf("Do returned after %v, want at once", d)
		}
	})
}

func TestDoContextDoneBeforeStart(t *testing.T) {
	s := &script{statuses: []int{200}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	body := &trackedBody{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest(http.MethodPut, "http://example.com/x", body)
	resp, err := retry.Policy{}.Do(ctx, req, s.send)
	if resp != nil || err != context.Canceled {
		t.Errorf("Do = %v, %v; want nil, context.Canceled", resp, err)
	}
	if len(s.times) != 0 {
		t.Errorf("%d attempts, want none", len(s.times))
	}
	if _, closed := body.state(); !closed {
		t.Errorf("request body not closed")
	}
}

// TestDoRealServer runs Do over loopback: a POST with an Idempotency-Key
// and a body survives two 503s and a dropped connection.
func TestDoRealServer(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != "payload" {
			t.Errorf("attempt %d: server got body %q, want %q", calls.Load()+1, b, "payload")
		}
		switch calls.Add(1) {
		case 1, 2:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 3:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		default:
			io.WriteString(w, "done")
		}
	}))
	t.Cleanup(srv.Close)

	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Idempotency-Key", "k-1")
	p := retry.Policy{MaxAttempts: 4, Backoff: retry.Constant(time.Millisecond)}
	resp, err := p.Do(t.Context(), req, srv.Client().Do)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "done" || calls.Load() != 4 {
		t.Errorf("got %d %q after %d calls, want 200 %q after 4", resp.StatusCode, b, calls.Load(), "done")
	}
}

package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/retry"
)

// flaky answers 503 to the first fail requests of each path, then 200, and
// records the bodies it received.
type flaky struct {
	mu     sync.Mutex
	fail   int
	seen   map[string]int
	bodies [][]byte
	header http.Header // extra headers on the 503s
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[r.URL.Path]++
	n := f.seen[r.URL.Path]
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	if n <= f.fail {
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "try again")
		return
	}
	io.WriteString(w, "ok")
}

func (f *flaky) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[path]
}

var fast = retry.Policy{MaxAttempts: 4, Backoff: retry.Constant(time.Millisecond)}

func TestRetrySendsIdenticalBodies(t *testing.T) {
	f := &flaky{fail: 2}
	eachProto(t, f, func(t *testing.T, srv server) {
		f.mu.Lock()
		f.seen, f.bodies = nil, nil
		f.mu.Unlock()
		s := srv.session(t, client.WithRetry(fast))
		payload := strings.Repeat("payload-", 1000)
		resp, err := s.Put(context.Background(), srv.URL+"/put", client.Body(strings.NewReader(payload)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Attempts != 3 {
			t.Fatalf("status %d after %d attempts, want 200 after 3", resp.StatusCode, resp.Attempts)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.bodies) != 3 {
			t.Fatalf("server got %d bodies, want 3", len(f.bodies))
		}
		for i, b := range f.bodies {
			if !bytes.Equal(b, []byte(payload)) {
				t.Errorf("body %d: got %d bytes, want the %d-byte payload", i, len(b), len(payload))
			}
		}
	})
}

func TestRetryRespectsIdempotency(t *testing.T) {
	f := &flaky{fail: 1}
	eachProto(t, f, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithRetry(fast))
		ctx := context.Background()
		tests := []struct {
			name   string
			path   string
			opts   []client.RequestOption
			method string
			want   int // requests the server sees
			status int
		}{
			{"POST is not retried", "/post-plain", nil, http.MethodPost, 1, 503},
			{"POST with Idempotency-Key is", "/post-key", []client.RequestOption{client.Header{"Idempotency-Key": "k1"}}, http.MethodPost, 2, 200},
			{"GET is", "/get", nil, http.MethodGet, 2, 200},
			{"per-request policy turns it off", "/get-off", []client.RequestOption{client.Retry(retry.Policy{MaxAttempts: 1})}, http.MethodGet, 1, 503},
			{"unrewindable body is sent once", "/put-once", []client.RequestOption{client.Body(io.MultiReader(strings.NewReader("x")))}, http.MethodPut, 1, 503},
		}
		for _, tt := range tests {
			path := tt.path + strings.ReplaceAll(srv.proto, "/", "")
			resp, err := s.Request(ctx, tt.method, srv.URL+path, tt.opts...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := f.count(path); got != tt.want || resp.StatusCode != tt.status {
				t.Errorf("%s: got %d requests and status %d, want %d and %d", tt.name, got, resp.StatusCode, tt.want, tt.status)
			}
		}
	})
}

func TestRetryGivesUpWithLastResponse(t *testing.T) {
	f := &flaky{fail: 100}
	eachProto(t, f, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithRetry(fast))
		resp, err := s.Get(context.Background(), srv.URL+"/always"+strings.ReplaceAll(srv.proto, "/", ""))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := resp.Bytes()
		if resp.StatusCode != 503 || resp.Attempts != 4 || string(body) != "try again" {
			t.Errorf("got %d after %d attempts with body %q, want 503 after 4 with the last body", resp.StatusCode, resp.Attempts, body)
		}
	})
}

func TestRetryErrorSaysAttempts(t *testing.T) {
	s := client.NewSession(client.WithRetry(fast))
	defer s.Close()
	srv := protos[0].start(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused from now on
	_, err := s.Get(context.Background(), url)
	if !errors.Is(err, client.ErrConnect) {
		t.Fatalf("got %v, want ErrConnect", err)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("error %q does not say how many attempts were made", err)
	}
}

// fakeTransport answers from a function, for tests in a synctest bubble.
type fakeTransport func(*http.Request) (*http.Response, error)

func (f fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func respond(r *http.Request, status int, header http.Header) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(strings.NewReader("")), Request: r, ContentLength: -1,
	}
}

func TestRetryAfterIsObeyed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent []time.Time
		rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
			sent = append(sent, time.Now())
			if len(sent) == 1 {
				return respond(r, 429, http.Header{"Retry-After": {"7"}}), nil
			}
			return respond(r, 200, nil), nil
		})
		s := client.NewSession(client.WithTransport(rt), client.WithRetry(retry.Policy{}))
		resp, err := s.Get(context.Background(), "http://example.test/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || len(sent) != 2 {
			t.Fatalf("got %d after %d sends", resp.StatusCode, len(sent))
		}
		if gap := sent[1].Sub(sent[0]); gap != 7*time.Second {
			t.Errorf("retried after %v, want 7s (Retry-After)", gap)
		}
	})
}

func TestRetryBackoffEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		sends := 0
		rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
			sends++
			return respond(r, 503, nil), nil
		})
		s := client.NewSession(client.WithTransport(rt),
			client.WithRetry(retry.Policy{Backoff: retry.Constant(time.Hour)}), client.WithTimeout(client.NoTimeout))
		go func() {
			time.Sleep(time.Minute)
			cancel()
		}()
		start := time.Now()
		_, err := s.Get(ctx, "http://example.test/")
		if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrTimeout) {
			t.Errorf("got %v, want context.Canceled and not a timeout", err)
		}
		if waited := time.Since(start); waited != time.Minute || sends != 1 {
			t.Errorf("returned after %v and %d sends, want 1m and 1", waited, sends)
		}
	})
}

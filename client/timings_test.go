package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/retry"
)

// timingsHandler redirects /hop to /, and fails /flaky once with 503 on
// each server.
func timingsHandler() http.Handler {
	var seen sync.Map // r.Host → *atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hop":
			http.Redirect(w, r, "/", http.StatusFound)
		case "/flaky":
			n, _ := seen.LoadOrStore(r.Host, new(atomic.Int64))
			if n.(*atomic.Int64).Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, r.Proto)
	})
}

// byName returns srv's URL with the host name "localhost", so that the
// session resolves it, and a session that reaches it.
func byName(t *testing.T, srv server, opts ...client.Option) (string, *client.Session) {
	t.Helper()
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if srv.Certificate() != nil {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		// The test certificate names example.com, not localhost.
		opts = append(opts, client.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "example.com"}))
	}
	return u, srv.session(t, opts...)
}

func TestTimings(t *testing.T) {
	eachProto3(t, timingsHandler(), func(t *testing.T, srv server) {
		u, s := byName(t, srv, client.TraceTimings(true))
		tlsOn := srv.Certificate() != nil

		resp, err := s.Get(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		tm := resp.Timings
		if tm.Reused {
			t.Error("first request: Reused, want a new connection")
		}
		if tm.DNS <= 0 || tm.Connect <= 0 {
			t.Errorf("first request: DNS %v, Connect %v, want both > 0", tm.DNS, tm.Connect)
		}
		if got := tm.TLS > 0; got != tlsOn {
			t.Errorf("first request: TLS %v, want > 0: %v", tm.TLS, tlsOn)
		}
		setup := tm.DNS + tm.Connect + tm.TLS
		if srv.proto == "HTTP/3" {
			setup = tm.DNS + max(tm.Connect, tm.TLS) // one handshake for both
		}
		if tm.FirstByte < setup || tm.Total < tm.FirstByte {
			t.Errorf("first request: DNS+Connect+TLS %v, FirstByte %v, Total %v, want them in that order", setup, tm.FirstByte, tm.Total)
		}
		if tm.Total > resp.Elapsed {
			t.Errorf("first request: Total %v > Elapsed %v", tm.Total, resp.Elapsed)
		}

		resp, err = s.Get(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		tm = resp.Timings
		if !tm.Reused || tm.DNS != 0 || tm.Connect != 0 || tm.TLS != 0 {
			t.Errorf("second request: %+v, want Reused and no DNS, Connect or TLS", tm)
		}
		if tm.FirstByte <= 0 || tm.Total < tm.FirstByte {
			t.Errorf("second request: FirstByte %v, Total %v, want 0 < FirstByte <= Total", tm.FirstByte, tm.Total)
		}
	})
}

// TestTimingsOfHopsAndRetries checks that the timings are those of the
// request that produced the response: each redirect hop has its own, and a
// retried request has those of its last attempt.
func TestTimingsOfHopsAndRetries(t *testing.T) {
	eachProto3(t, timingsHandler(), func(t *testing.T, srv server) {
		s := srv.session(t, client.TraceTimings(true),
			client.WithRetry(retry.Policy{MaxAttempts: 2, Backoff: retry.Constant(20 * time.Millisecond)}))
		resp, err := s.Get(context.Background(), srv.URL+"/hop")
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.History) != 1 {
			t.Fatalf("got %d redirects, want 1", len(resp.History))
		}
		hop := resp.History[0].Timings
		if hop.Reused || hop.Connect <= 0 || hop.FirstByte <= 0 || hop.Total < hop.FirstByte {
			t.Errorf("redirect: %+v, want a new connection, FirstByte > 0 and Total >= FirstByte", hop)
		}
		if tm := resp.Timings; !tm.Reused || tm.Connect != 0 || tm.FirstByte <= 0 {
			t.Errorf("after the redirect: %+v, want the connection reused and FirstByte > 0", tm)
		}

		resp, err = s.Get(context.Background(), srv.URL+"/flaky")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Attempts != 2 {
			t.Fatalf("got %d after %d attempts, want 200 after 2", resp.StatusCode, resp.Attempts)
		}
		if tm := resp.Timings; tm.Total+20*time.Millisecond > resp.Elapsed {
			t.Errorf("Total %v, Elapsed %v: want the last attempt's Total, without the first attempt and the backoff", tm.Total, resp.Elapsed)
		}
	})
}

// TestTimingsStream checks that a streamed response has its timings when
// the headers arrive.
func TestTimingsStream(t *testing.T) {
	eachProto3(t, timingsHandler(), func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL, client.Stream(true), client.TraceTimings(true))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		if tm := resp.Timings; tm.Connect <= 0 || tm.FirstByte <= 0 || tm.Total < tm.FirstByte {
			t.Errorf("%+v, want Connect and FirstByte > 0, Total >= FirstByte", tm)
		}
	})
}

// TestTraceTimingsOption checks what is recorded without TraceTimings
// (Total and Reused), and that a request's option overrides the session's.
func TestTraceTimingsOption(t *testing.T) {
	eachProto(t, timingsHandler(), func(t *testing.T, srv server) {
		tests := []struct {
			name   string
			sess   []client.Option
			req    []client.RequestOption
			traced bool
		}{
			{"default", nil, nil, false},
			{"session", []client.Option{client.TraceTimings(true)}, nil, true},
			{"request", nil, []client.RequestOption{client.TraceTimings(true)}, true},
			{"request turns the session's off", []client.Option{client.TraceTimings(true)}, []client.RequestOption{client.TraceTimings(false)}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := srv.session(t, tt.sess...)
				for i := range 2 {
					resp, err := s.Get(context.Background(), srv.URL, tt.req...)
					if err != nil {
						t.Fatal(err)
					}
					tm := resp.Timings
					if tm.Reused != (i == 1) || tm.Total <= 0 {
						t.Errorf("request %d: Reused %v, Total %v; want Reused %v and Total > 0", i, tm.Reused, tm.Total, i == 1)
					}
					if got := tm.FirstByte > 0; got != tt.traced {
						t.Errorf("request %d: FirstByte %v, want > 0: %v", i, tm.FirstByte, tt.traced)
					}
					if got := tm.Connect > 0; i == 0 && got != tt.traced {
						t.Errorf("first request: Connect %v, want > 0: %v", tm.Connect, tt.traced)
					}
				}
			})
		}
	})
}

package client

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestH1Eligible(t *testing.T) {
	proxied := context.WithValue(context.Background(), proxyStateKey{}, &proxyState{})
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want bool
	}{
		{"GET", func() *http.Request { return get(t, "http://h.test/") }, true},
		{"HEAD", func() *http.Request { r := get(t, "http://h.test/"); r.Method = http.MethodHead; return r }, true},
		{"https", func() *http.Request { return get(t, "https://h.test/") }, false},
		{"body", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, "http://h.test/", strings.NewReader("x"))
			return r
		}, false},
		{"POST without a body", func() *http.Request { r := get(t, "http://h.test/"); r.Method = http.MethodPost; return r }, false},
		{"DELETE with an idempotency key", func() *http.Request {
			r := get(t, "http://h.test/")
			r.Method = http.MethodDelete
			r.Header.Set("Idempotency-Key", "k")
			return r
		}, true},
		{"upgrade", func() *http.Request { r := get(t, "http://h.test/"); r.Header.Set("Upgrade", "websocket"); return r }, false},
		{"Expect", func() *http.Request { r := get(t, "http://h.test/"); r.Header.Set("Expect", "100-continue"); return r }, false},
		{"Connection", func() *http.Request { r := get(t, "http://h.test/"); r.Header.Set("Connection", "close"); return r }, false},
		{"through a proxy", func() *http.Request { return get(t, "http://h.test/").WithContext(proxied) }, false},
	} {
		if got := h1Eligible(tc.req()); got != tc.want {
			t.Errorf("%s: h1Eligible = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func get(t *testing.T, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSessionSendsPlainGETsItself checks which transport carries what: a
// plain GET leaves its connection in the session's own HTTP/1.1 pool, a
// request with a body goes through net/http's.
func TestSessionSendsPlainGETsItself(t *testing.T) {
	srv := newPlainServer(t)
	s := NewSession()
	defer s.Close()
	h1 := s.own.h1
	if _, err := s.Get(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if n := h1.idleCount(); n != 1 {
		t.Fatalf("after a GET, %d idle connections in the HTTP/1.1 pool, want 1", n)
	}
	if _, err := s.Post(context.Background(), srv, Body(strings.NewReader("x"))); err != nil {
		t.Fatal(err)
	}
	if n := h1.idleCount(); n != 1 {
		t.Errorf("after a POST, %d idle connections in the HTTP/1.1 pool, want still 1", n)
	}
	s.Close()
	if n := h1.idleCount(); n != 0 {
		t.Errorf("after Close, %d idle connections, want 0", n)
	}
}

func (t *h1Transport) idleCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nidle
}

func newPlainServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return "http://" + ln.Addr().String() + "/"
}

// TestH1IdleTimeout checks that an idle connection is closed once it has
// been idle for the transport's idle timeout, and not before.
func TestH1IdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu    sync.Mutex
			dials int
			wg    sync.WaitGroup
		)
		tr := &h1Transport{
			dial: func(context.Context, string, string) (net.Conn, error) {
				client, server := net.Pipe()
				mu.Lock()
				dials++
				mu.Unlock()
				wg.Go(func() { servePipe(server) })
				return client, nil
			},
			maxIdlePerHost: 2,
			maxIdle:        2,
			idleTimeout:    90 * time.Second,
			maxHeaderBytes: 1 << 20,
		}
		send := func() {
			t.Helper()
			resp, err := tr.RoundTrip(get(t, "http://h.test/"))
			if err != nil {
				t.Fatal(err)
			}
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
				t.Fatalf("body %q, %v", b, err)
			}
			resp.Body.Close()
		}
		dialed := func() int {
			mu.Lock()
			defer mu.Unlock()
			return dials
		}
		send()
		time.Sleep(89 * time.Second)
		send()
		if n := dialed(); n != 1 {
			t.Errorf("after 89 s idle, %d dials, want 1", n)
		}
		time.Sleep(91 * time.Second)
		synctest.Wait()
		if n := tr.idleCount(); n != 0 {
			t.Errorf("after 91 s idle, %d idle connections, want 0", n)
		}
		send()
		if n := dialed(); n != 2 {
			t.Errorf("after the idle timeout, %d dials, want 2", n)
		}
		tr.CloseIdleConnections()
		wg.Wait()
	})
}

// servePipe answers each request on c with "ok" until c is closed.
func servePipe(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
			return
		}
	}
}

// TestH1PoolLimits checks the per-host cap on idle connections, and that
// an idle timeout of zero keeps them, as net/http's settings mean.
func TestH1PoolLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var wg sync.WaitGroup
		tr := &h1Transport{
			dial: func(context.Context, string, string) (net.Conn, error) {
				client, server := net.Pipe()
				wg.Go(func() { servePipe(server) })
				return client, nil
			},
			maxIdlePerHost: 1,
			maxHeaderBytes: 1 << 20,
		}
		// Two requests at once need two connections.
		var bodies []io.ReadCloser
		for range 2 {
			resp, err := tr.RoundTrip(get(t, "http://h.test/"))
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, resp.Body)
		}
		for _, b := range bodies {
			if _, err := io.ReadAll(b); err != nil {
				t.Fatal(err)
			}
			b.Close()
		}
		if n := tr.idleCount(); n != 1 {
			t.Errorf("%d idle connections, want 1 (the per-host cap)", n)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := tr.idleCount(); n != 1 {
			t.Errorf("with no idle timeout, %d idle connections after an hour, want 1", n)
		}
		tr.CloseIdleConnections()
		wg.Wait()
	})
}

package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/requests3/requests/client"
)

// h3Origin is an HTTPS origin served over TCP (HTTP/2 and HTTP/1.1) and,
// on the UDP port of the same number, over HTTP/3.
type h3Origin struct {
	*httptest.Server
	quicConns *atomic.Int64 // QUIC connections the HTTP/3 server accepted
}

func startH3Origin(t *testing.T, h http.Handler) h3Origin {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, conns := serveHTTP3(t, srv.Listener.Addr().String(), srv.TLS, h)
	return h3Origin{srv, conns}
}

// blackHole reads and counts the UDP datagrams sent to addr and never
// answers, like a network that drops UDP.
func blackHole(t *testing.T, addr string) *atomic.Int64 {
	t.Helper()
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return &n
}

// fastHandshake is a handshake timeout short enough for tests that wait for one to
// fire, and long enough for a QUIC handshake on loopback.
const fastHandshake = 100 * time.Millisecond

func TestHTTP3(t *testing.T) {
	o := startH3Origin(t, protoHandler)
	s := client.NewSession(client.WithTLSConfig(trust(o.Server)), client.TraceTimings(true),
		client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: patientHandshake}))
	defer s.Close()
	for i := range 3 {
		resp, err := s.Get(context.Background(), o.URL)
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := resp.Text(); resp.Proto != "HTTP/3.0" || body != "HTTP/3.0" {
			t.Fatalf("request %d: got Proto %q, server saw %q, want HTTP/3.0", i, resp.Proto, body)
		}
		tm := resp.Timings
		if got, want := tm.Reused, i > 0; got != want {
			t.Errorf("request %d: Reused = %v, want %v", i, got, want)
		}
		if i == 0 && (tm.Connect <= 0 || tm.TLS <= 0) {
			t.Errorf("first request: Connect %v, TLS %v, want both > 0 (the QUIC handshake)", tm.Connect, tm.TLS)
		}
		if i > 0 && (tm.Connect != 0 || tm.TLS != 0 || tm.DNS != 0) {
			t.Errorf("request %d on a reused connection: DNS %v, Connect %v, TLS %v, want 0", i, tm.DNS, tm.Connect, tm.TLS)
		}
		if tm.FirstByte <= 0 || tm.FirstByte > tm.Total {
			t.Errorf("request %d: FirstByte %v, Total %v, want 0 < FirstByte <= Total", i, tm.FirstByte, tm.Total)
		}
	}
}

// TestHTTP3OneConnection checks that concurrent requests to a new origin
// share one QUIC connection: they wait for the handshake of the first.
func TestHTTP3OneConnection(t *testing.T) {
	o := startH3Origin(t, protoHandler)
	s := client.NewSession(client.WithTLSConfig(trust(o.Server)),
		client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: patientHandshake}), client.WithProtocols(client.HTTP3))
	defer s.Close()
	concurrently(t, 32, func() error {
		resp, err := s.Get(context.Background(), o.URL)
		if err == nil && resp.Proto != "HTTP/3.0" {
			err = errors.New("got " + resp.Proto)
		}
		return err
	})
	if n := o.quicConns.Load(); n != 1 {
		t.Errorf("server accepted %d QUIC connections, want 1", n)
	}
}

// TestHTTP3Fallback checks that a session falls back to TCP when UDP is
// dropped, sends the body it could not send over QUIC, and remembers the
// origin: the next request goes over TCP at once.
func TestHTTP3Fallback(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Proto+" "+string(body))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	dropped := blackHole(t, srv.Listener.Addr().String())
	s := client.NewSession(client.WithTLSConfig(trust(srv)),
		client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: fastHandshake, FallbackFor: time.Hour}))
	defer s.Close()

	// A body read from a plain io.Reader cannot be rewound: it must still
	// be whole when it goes over TCP.
	resp, err := s.Post(context.Background(), srv.URL, client.Body(io.MultiReader(strings.NewReader("pay"), strings.NewReader("load"))))
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.Text(); body != "HTTP/2.0 payload" {
		t.Errorf("first request: got %q, want %q", body, "HTTP/2.0 payload")
	}
	if resp.Timings.Total < fastHandshake {
		t.Errorf("first request took %v, want at least the handshake timeout %v", resp.Timings.Total, fastHandshake)
	}
	tried := dropped.Load()
	if tried == 0 {
		t.Fatal("no QUIC packet was sent")
	}

	resp, err = s.Get(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proto != "HTTP/2.0" {
		t.Errorf("second request: Proto %q, want HTTP/2.0", resp.Proto)
	}
	if n := dropped.Load(); n != tried {
		t.Errorf("second request sent %d more QUIC packets, want none: the origin is known to need TCP", n-tried)
	}
}

// TestHTTP3WithoutFallback checks that a session that may use only HTTP/3
// reports a failed handshake as a connect timeout.
func TestHTTP3WithoutFallback(t *testing.T) {
	srv := httptest.NewTLSServer(protoHandler)
	defer srv.Close()
	blackHole(t, srv.Listener.Addr().String())
	s := client.NewSession(client.WithTLSConfig(trust(srv)),
		client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: fastHandshake}), client.WithProtocols(client.HTTP3))
	defer s.Close()
	_, err := s.Get(context.Background(), srv.URL)
	if !errors.Is(err, client.ErrConnect) || !errors.Is(err, client.ErrTimeout) {
		t.Errorf("got %v, want ErrConnect and ErrTimeout", err)
	}
}

// TestHTTP3NotThroughProxy checks that HTTP/3 never bypasses a proxy.
func TestHTTP3NotThroughProxy(t *testing.T) {
	o := startH3Origin(t, protoHandler)
	proxy := client.WithProxy(func(*http.Request) (*url.URL, error) { return url.Parse("http://127.0.0.1:1") })
	s := client.NewSession(client.WithTLSConfig(trust(o.Server)), client.WithProtocols(client.HTTP3), proxy)
	defer s.Close()
	_, err := s.Get(context.Background(), o.URL)
	if !errors.Is(err, client.ErrConnect) {
		t.Errorf("got %v, want ErrConnect", err)
	}
	if n := o.quicConns.Load(); n != 0 {
		t.Errorf("server accepted %d QUIC connections, want 0", n)
	}
}

// TestHTTP3AltSvc checks discovery: HTTP/3 is used once an origin has
// advertised it over TCP, and no longer once it says "clear".
func TestHTTP3AltSvc(t *testing.T) {
	var altSvc atomic.Value
	altSvc.Store("")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := altSvc.Load().(string); v != "" {
			w.Header().Set("Alt-Svc", v)
		}
		io.WriteString(w, r.Proto)
	})
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	// HTTP/3 on another port than the TCP one, as many servers do.
	h3addr, quicConns := serveHTTP3(t, "127.0.0.1:0", srv.TLS, h)
	_, h3port, _ := net.SplitHostPort(h3addr)

	s := client.NewSession(client.WithTLSConfig(trust(srv)), client.WithHTTP3(client.HTTP3Config{AltSvc: true, HandshakeTimeout: patientHandshake}))
	defer s.Close()
	steps := []struct {
		altSvc string // what the server advertises from this request on
		want   string
	}{
		{"", "HTTP/2.0"}, // nothing advertised: TCP
		{`h3="example.com:` + h3port + `"`, "HTTP/2.0"},         // another host: ignored
		{`h3-29=":1", h3=":` + h3port + `"; ma=60`, "HTTP/2.0"}, // learned from this response
		{"", "HTTP/3.0"},
		{"clear", "HTTP/3.0"}, // forgotten after this response
		{"", "HTTP/2.0"},
	}
	for i, st := range steps {
		altSvc.Store(st.altSvc)
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if body, _ := resp.Text(); resp.Proto != st.want || body != st.want {
			t.Errorf("step %d: got Proto %q, server saw %q, want %q", i, resp.Proto, body, st.want)
		}
	}
	// Concurrent requests learn and use the record together.
	altSvc.Store(`h3=":` + h3port + `"`)
	concurrently(t, 16, func() error {
		_, err := s.Get(context.Background(), srv.URL)
		return err
	})
	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil || resp.Proto != "HTTP/3.0" {
		t.Errorf("after concurrent requests: %v, %v; want HTTP/3.0", resp, err)
	}
	if n := quicConns.Load(); n != 1 {
		t.Errorf("server accepted %d QUIC connections, want 1: the one opened before the clear is still open", n)
	}
}

// TestHTTP3SessionClose checks that Session.Close shuts HTTP/3 down (its
// QUIC connections, UDP socket and goroutines) once the requests in flight
// are done, without interrupting them, and that the session stays usable.
func TestHTTP3SessionClose(t *testing.T) {
	before := goleak.IgnoreCurrent()
	func() {
		o := startH3OriginNoCleanup(t)
		defer o.close()
		s := client.NewSession(client.WithTLSConfig(trust(o.Server)),
			client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: patientHandshake}), client.WithProtocols(client.HTTP3))
		resp, err := s.Get(context.Background(), o.URL, client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		s.Close() // a request is in flight: its connection stays
		body, err := io.ReadAll(resp.Body)
		if err != nil || string(body) != "HTTP/3.0" {
			t.Errorf("read %q, %v after Close, want HTTP/3.0", body, err)
		}
		resp.Close()

		resp, err = s.Get(context.Background(), o.URL) // usable after Close
		if err != nil || resp.Proto != "HTTP/3.0" {
			t.Fatalf("after Close: %v, %v", resp, err)
		}
		s.Close()
	}()
	if err := goleak.Find(before); err != nil {
		t.Error(err)
	}
}

// startH3OriginNoCleanup is startH3Origin for a test that shuts the origin
// down itself, before it looks for leaked goroutines.
func startH3OriginNoCleanup(t *testing.T) (o struct {
	*httptest.Server
	close func()
}) {
	t.Helper()
	var cleanups []func()
	ct := &cleanupT{T: t, add: func(f func()) { cleanups = append(cleanups, f) }}
	srv := httptest.NewUnstartedServer(protoHandler)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	serveHTTP3(ct, srv.Listener.Addr().String(), srv.TLS, protoHandler)
	o.Server = srv
	o.close = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
		srv.Close()
	}
	return o
}

// cleanupT runs Cleanup functions when the caller says, not at the end of
// the test.
type cleanupT struct {
	*testing.T
	add func(func())
}

func (t *cleanupT) Cleanup(f func()) { t.add(f) }

// TestHTTP3HeaderTimeout checks that the session's header timeout bounds
// the wait for the response headers over HTTP/3 too, and not the body.
func TestHTTP3HeaderTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-r.Context().Done() // no headers until the client gives up
			return
		case "/upload":
			io.Copy(io.Discard, r.Body) // headers only once the body is in
			return
		}
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		time.Sleep(2 * timeout) // a body slower than the header timeout
		io.WriteString(w, "body")
	})
	o := startH3Origin(t, h)
	s := client.NewSession(client.WithTLSConfig(trust(o.Server)),
		client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: patientHandshake}), client.WithProtocols(client.HTTP3),
		client.WithTimeouts(client.Timeouts{Header: timeout}))
	defer s.Close()
	if _, err := s.Get(context.Background(), o.URL+"/warm"); err != nil {
		t.Fatal(err) // the handshake is not the header timeout's to bound
	}
	start := time.Now()
	_, err := s.Get(context.Background(), o.URL+"/slow")
	if !errors.Is(err, client.ErrTimeout) || errors.Is(err, client.ErrConnect) {
		t.Errorf("got %v, want ErrTimeout and not ErrConnect", err)
	}
	if d := time.Since(start); d > 20*timeout {
		t.Errorf("took %v, want about %v", d, timeout)
	}
	resp, err := s.Get(context.Background(), o.URL+"/body")
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := resp.Text(); text != "body" {
		t.Errorf("got %q, want the body read after the header timeout", text)
	}
	// Nor does it bound sending the request body.
	resp, err = s.Post(context.Background(), o.URL+"/upload", client.Body(&slowReader{parts: 3, gap: timeout / 2}))
	if err != nil {
		t.Fatalf("a request body slower than the header timeout: %v", err)
	}
	resp.Close()
}

// slowReader gives parts bytes, one every gap.
type slowReader struct {
	parts int
	gap   time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.parts == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.gap)
	r.parts--
	p[0] = 'x'
	return 1, nil
}

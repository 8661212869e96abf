package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// protoHandler answers with the protocol the request came over.
var protoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, r.Proto)
})

// trust returns a TLS configuration that trusts srv's certificate.
func trust(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

// counted starts srv (TLS if tlsOn) after making it count the TCP
// connections it accepts.
func counted(t *testing.T, srv *httptest.Server, tlsOn bool) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &n
}

func TestProtocolsString(t *testing.T) {
	tests := []struct {
		p    client.Protocols
		want string
	}{
		{0, "none"},
		{client.DefaultProtocols, "HTTP1|HTTP2"},
		{client.HTTP1 | client.H2C | client.HTTP3, "HTTP1|H2C|HTTP3"},
		{client.HTTP3 | 0x80, "HTTP3|0x80"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Protocols(%#x).String() = %q, want %q", uint8(tt.p), got, tt.want)
		}
	}
}

func TestSessionProtocols(t *testing.T) {
	tests := []struct {
		name string
		opts []client.Option
		want client.Protocols
	}{
		{"default", nil, client.HTTP1 | client.HTTP2},
		{"zero restores the default", []client.Option{client.WithProtocols(client.HTTP1), client.WithProtocols(0)}, client.DefaultProtocols},
		{"set", []client.Option{client.WithProtocols(client.HTTP1 | client.H2C)}, client.HTTP1 | client.H2C},
		{"unknown bits dropped", []client.Option{client.WithProtocols(client.HTTP2 | 0x80)}, client.HTTP2},
		{"WithHTTP3 adds to the default", []client.Option{client.WithHTTP3(client.HTTP3Config{})}, client.DefaultProtocols | client.HTTP3},
		{"WithHTTP3 adds to a set", []client.Option{client.WithProtocols(client.HTTP2), client.WithHTTP3(client.HTTP3Config{})}, client.HTTP2 | client.HTTP3},
		{"WithProtocols replaces WithHTTP3", []client.Option{client.WithHTTP3(client.HTTP3Config{}), client.WithProtocols(client.HTTP1)}, client.HTTP1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := client.NewSession(tt.opts...)
			defer s.Close()
			if got := s.Protocols(); got != tt.want {
				t.Errorf("Protocols() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHTTP2OverTLS checks that a session speaks HTTP/2 over TLS by
// default, agreed by ALPN, and HTTP/1.1 with servers or sessions that do
// not offer it.
func TestHTTP2OverTLS(t *testing.T) {
	h2 := httptest.NewUnstartedServer(protoHandler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	h1 := httptest.NewUnstartedServer(protoHandler)
	h1.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	h1.StartTLS()                                   // no HTTP/2: ALPN offers only http/1.1
	defer h1.Close()

	tests := []struct {
		name   string
		srv    *httptest.Server
		protos client.Protocols // 0: the default
		want   string           // Response.Proto, "" for an error
	}{
		{"default with an HTTP/2 server", h2, 0, "HTTP/2.0"},
		{"default with an HTTP/1.1 server", h1, 0, "HTTP/1.1"},
		{"HTTP1 only", h2, client.HTTP1, "HTTP/1.1"},
		{"HTTP2 only", h2, client.HTTP2, "HTTP/2.0"},
		{"HTTP2 only with an HTTP/1.1 server", h1, client.HTTP2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := client.NewSession(client.WithTLSConfig(trust(tt.srv)), client.WithProtocols(tt.protos))
			defer s.Close()
			resp, err := s.Get(context.Background(), tt.srv.URL)
			if tt.want == "" {
				if !errors.Is(err, client.ErrConnect) {
					t.Fatalf("got %v, want ErrConnect (no common application protocol)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if body, _ := resp.Text(); resp.Proto != tt.want || body != tt.want {
				t.Errorf("got Proto %q, server saw %q, want %q", resp.Proto, body, tt.want)
			}
		})
	}
}

func TestH2C(t *testing.T) {
	// A server that speaks only HTTP/2 in the clear, and one that speaks
	// both.
	only2 := httptest.NewUnstartedServer(protoHandler)
	only2.Config.Protocols = new(http.Protocols)
	only2.Config.Protocols.SetUnencryptedHTTP2(true)
	only2.Start()
	defer only2.Close()
	both := httptest.NewUnstartedServer(protoHandler)
	both.Config.Protocols = new(http.Protocols)
	both.Config.Protocols.SetHTTP1(true)
	both.Config.Protocols.SetUnencryptedHTTP2(true)
	both.Start()
	defer both.Close()

	tests := []struct {
		name   string
		url    string
		protos client.Protocols
		want   string
	}{
		{"H2C", only2.URL, client.H2C, "HTTP/2.0"},
		{"H2C with the defaults", both.URL, client.DefaultProtocols | client.H2C, "HTTP/2.0"},
		{"without H2C", both.URL, client.DefaultProtocols, "HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := client.NewSession(client.WithProtocols(tt.protos))
			defer s.Close()
			resp, err := s.Get(context.Background(), tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if body, _ := resp.Text(); resp.Proto != tt.want || body != tt.want {
				t.Errorf("got Proto %q, server saw %q, want %q", resp.Proto, body, tt.want)
			}
		})
	}
}

// TestProtocolsCannotSend checks that a URL no protocol of the set can send
// fails before any I/O.
func TestProtocolsCannotSend(t *testing.T) {
	var hits atomic.Int64
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) })
	plain := httptest.NewServer(h)
	defer plain.Close()
	tls := httptest.NewTLSServer(h)
	defer tls.Close()
	tests := []struct {
		name   string
		url    string
		protos client.Protocols
	}{
		{"http:// without HTTP1 or H2C", plain.URL, client.HTTP2},
		{"https:// with H2C only", tls.URL, client.H2C},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := client.NewSession(client.WithProtocols(tt.protos))
			defer s.Close()
			_, err := s.Get(context.Background(), tt.url)
			if !errors.Is(err, client.ErrInvalidURL) {
				t.Errorf("got %v, want ErrInvalidURL", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("servers got %d requests, want 0", n)
	}
}

// TestConnectionReuse counts, at the server, the connections a session
// opens.
func TestConnectionReuse(t *testing.T) {
	t.Run("HTTP/1.1 keep-alive across sequential requests", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(protoHandler)
		conns := counted(t, srv, false)
		s := client.NewSession()
		defer s.Close()
		for i := range 10 {
			resp, err := s.Get(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := resp.Timings.Reused, i > 0; got != want {
				t.Errorf("request %d: Timings.Reused = %v, want %v", i, got, want)
			}
		}
		if n := conns.Load(); n != 1 {
			t.Errorf("server saw %d connections, want 1", n)
		}
	})
	t.Run("HTTP/2 64 concurrent requests to a new origin", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(protoHandler)
		srv.EnableHTTP2 = true
		conns := counted(t, srv, true)
		s := client.NewSession(client.WithTLSConfig(trust(srv)))
		defer s.Close()
		concurrently(t, 64, func() error {
			resp, err := s.Get(context.Background(), srv.URL)
			if err == nil && resp.Proto != "HTTP/2.0" {
				err = errors.New("got " + resp.Proto + ", want HTTP/2.0")
			}
			return err
		})
		if n := conns.Load(); n != 1 {
			t.Errorf("server saw %d connections, want 1", n)
		}
	})
	t.Run("HTTP/1.1 over TLS concurrent requests each get a connection", func(t *testing.T) {
		// The session offers HTTP/2 and learns from the first connection
		// that the origin does not speak it: the rest dial their own.
		var arrived atomic.Int64
		release := make(chan struct{})
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if arrived.Add(1) == 4 {
				close(release) // four requests at once: four connections
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		conns := counted(t, srv, true)
		s := client.NewSession(client.WithTLSConfig(trust(srv)))
		defer s.Close()
		concurrently(t, 4, func() error {
			_, err := s.Get(context.Background(), srv.URL)
			return err
		})
		if n := conns.Load(); n != 4 {
			t.Errorf("server saw %d connections, want 4", n)
		}
	})
}

// concurrently runs f n times at once and fails the test on any error.
func concurrently(t *testing.T, n int, f func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- f() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestWaitForConnection checks that requests to an origin that may speak
// HTTP/2 wait for the connection the first one is making, within their own
// deadline, and then share it.
func TestWaitForConnection(t *testing.T) {
	srv := httptest.NewUnstartedServer(protoHandler)
	srv.EnableHTTP2 = true
	conns := counted(t, srv, true)

	dialing, release := make(chan struct{}), make(chan struct{})
	var dials atomic.Int64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			close(dialing)
			<-release // the first dial takes its time
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	s := client.NewSession(client.WithTLSConfig(trust(srv)), client.WithDialer(dial))
	defer s.Close()

	first := make(chan error, 1)
	go func() {
		_, err := s.Get(context.Background(), srv.URL)
		first <- err
	}()
	<-dialing
	// A request with a short deadline gives up while it waits.
	_, err := s.Get(context.Background(), srv.URL, client.Timeout(20*time.Millisecond))
	if !errors.Is(err, client.ErrTimeout) {
		t.Errorf("waiting request: got %v, want ErrTimeout", err)
	}
	// Others wait for the first one's connection and share it.
	waiting := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.Get(context.Background(), srv.URL)
			waiting <- err
		}()
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range 8 {
		if err := <-waiting; err != nil {
			t.Error(err)
		}
	}
	if d, c := dials.Load(), conns.Load(); d != 1 || c != 1 {
		t.Errorf("%d dials, %d connections at the server, want 1 and 1", d, c)
	}
}

// TestH2CThroughProxy: with H2C, HTTP/2 is spoken to an HTTP proxy too,
// which gets the target as the request's authority.
func TestH2CThroughProxy(t *testing.T) {
	proxy := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto+" "+r.Host+r.URL.Path)
	}))
	proxy.Config.Protocols = new(http.Protocols)
	proxy.Config.Protocols.SetUnencryptedHTTP2(true)
	proxy.Start()
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	s := client.NewSession(client.WithProtocols(client.H2C), client.WithProxy(func(*http.Request) (*url.URL, error) { return pu, nil }))
	defer s.Close()
	resp, err := s.Get(context.Background(), "http://example.com/x")
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.Text(); body != "HTTP/2.0 example.com/x" {
		t.Errorf("proxy got %q, want %q", body, "HTTP/2.0 example.com/x")
	}
}

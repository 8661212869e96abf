package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/goleak"

	"github.com/requests3/requests/client"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// proto is a protocol a behaviour is tested under.
type proto struct {
	name  string
	start func(t testing.TB, h http.Handler) *httptest.Server
}

// protos are the protocols every client behaviour is tested under.
var protos = []proto{
	{"HTTP/1.1", func(_ testing.TB, h http.Handler) *httptest.Server { return httptest.NewServer(h) }},
	{"HTTP/2", func(_ testing.TB, h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		return srv
	}},
}

// protos3 adds HTTP/2 in the clear (h2c) and HTTP/3 to protos, for the
// behaviours that do not depend on the protocol.
var protos3 = append(protos[:len(protos):len(protos)],
	proto{"H2C", startH2C},
	proto{"HTTP/3", startHTTP3},
)

// startH2C starts a server for h that speaks HTTP/2 in the clear. It also
// answers HTTP/1.1, but only to fail the test: a session under test that
// was not told to use H2C would otherwise pass unnoticed.
func startH2C(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(only(t, 2, h))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	return srv
}

// startHTTP3 starts a TLS server for h on a TCP port, and an HTTP/3 server
// for h on the UDP port of the same number, so that srv.URL reaches both.
// Requests over TCP fail the test: the session should have used HTTP/3.
func startHTTP3(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(only(t, 3, h))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	serveHTTP3(t, srv.Listener.Addr().String(), srv.TLS, h)
	return srv
}

// serveHTTP3 serves h over HTTP/3 on the UDP address addr until the test
// ends, with the certificates of tlsConfig. It returns the address it
// listens on and a count of the QUIC connections it accepts.
func serveHTTP3(t testing.TB, addr string, tlsConfig *tls.Config, h http.Handler) (string, *atomic.Int64) {
	t.Helper()
	udpAddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	conns := new(atomic.Int64)
	srv := &http3.Server{
		Handler:   h,
		TLSConfig: http3.ConfigureTLSConfig(tlsConfig.Clone()),
		ConnContext: func(ctx context.Context, _ *quic.Conn) context.Context {
			conns.Add(1)
			return ctx
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(conn)
	}()
	t.Cleanup(func() {
		srv.Close()
		conn.Close()
		<-done
	})
	return conn.LocalAddr().String(), conns
}

// patientHandshake is the QUIC handshake timeout of sessions under test
// that must not give up on a loopback handshake slowed by the race detector
// and a loaded machine.
const patientHandshake = 10 * time.Second

// only serves h to requests of HTTP major version major, and fails the
// test on others.
func only(t testing.TB, major int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != major {
			t.Errorf("server got a request over %s, want HTTP/%d", r.Proto, major)
			http.Error(w, "wrong protocol", http.StatusHTTPVersionNotSupported)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// server is a test server and a session that trusts it.
type server struct {
	*httptest.Server
	proto string
}

// session returns a session that trusts srv's certificate and speaks srv's
// protocol, with opts.
func (srv server) session(t testing.TB, opts ...client.Option) *client.Session {
	t.Helper()
	var pre []client.Option
	if srv.Certificate() != nil {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		pre = append(pre, client.WithTLSConfig(&tls.Config{RootCAs: pool}))
	}
	switch srv.proto {
	case "H2C":
		pre = append(pre, client.WithProtocols(client.DefaultProtocols|client.H2C))
	case "HTTP/3":
		pre = append(pre, client.WithHTTP3(client.HTTP3Config{HandshakeTimeout: patientHandshake}),
			client.WithProtocols(client.HTTP3))
	}
	s := client.NewSession(append(pre, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// wantProto is the Response.Proto of a response from srv.
func (srv server) wantProto() string {
	return map[string]string{"HTTP/1.1": "HTTP/1.1", "HTTP/2": "HTTP/2.0", "H2C": "HTTP/2.0", "HTTP/3": "HTTP/3.0"}[srv.proto]
}

// eachProto runs f against a server for h under HTTP/1.1 and HTTP/2.
func eachProto(t *testing.T, h http.Handler, f func(t *testing.T, srv server)) {
	t.Helper()
	runProtos(t, protos, h, f)
}

// eachProto3 runs f against a server for h under HTTP/1.1, HTTP/2 over
// TLS, HTTP/2 in the clear (h2c) and HTTP/3. The session must come from
// srv.session, which speaks the server's protocol.
func eachProto3(t *testing.T, h http.Handler, f func(t *testing.T, srv server)) {
	t.Helper()
	runProtos(t, protos3, h, f)
}

func runProtos(t *testing.T, ps []proto, h http.Handler, f func(t *testing.T, srv server)) {
	t.Helper()
	for _, p := range ps {
		t.Run(p.name, func(t *testing.T) {
			srv := p.start(t, h)
			t.Cleanup(srv.Close)
			f(t, server{srv, p.name})
		})
	}
}

// httpbinHandler is go-httpbin, the demo target of Requests' own tests.
var httpbinHandler = httpbin.New()

package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"go.uber.org/goleak"

	"github.com/requests3/requests/client"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// proto is a protocol a behaviour is tested under.
type proto struct {
	name  string
	start func(h http.Handler) *httptest.Server
}

var protos = []proto{
	{"HTTP/1.1", httptest.NewServer},
	{"HTTP/2", func(h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		return srv
	}},
}

// server is a test server and a session that trusts it.
type server struct {
	*httptest.Server
	proto string
}

// session returns a session that trusts srv's certificate, with opts.
func (srv server) session(t testing.TB, opts ...client.Option) *client.Session {
	t.Helper()
	if srv.Certificate() != nil {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		opts = append([]client.Option{client.WithTLSConfig(&tls.Config{RootCAs: pool})}, opts...)
	}
	s := client.NewSession(opts...)
	t.Cleanup(s.Close)
	return s
}

// eachProto runs f against a server for h under HTTP/1.1 and HTTP/2.
func eachProto(t *testing.T, h http.Handler, f func(t *testing.T, srv server)) {
	t.Helper()
	for _, p := range protos {
		t.Run(p.name, func(t *testing.T) {
			srv := p.start(h)
			t.Cleanup(srv.Close)
			f(t, server{srv, p.name})
		})
	}
}

// httpbinHandler is go-httpbin, the demo target of Requests' own tests.
var httpbinHandler = httpbin.New()

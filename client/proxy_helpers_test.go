package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/elazarl/goproxy"
	"github.com/things-go/go-socks5"

	"github.com/requests3/requests/client"
)

// testHostAddr dials names under example.com and the reserved .test and
// .invalid domains at 127.0.0.1, the port kept, so that proxies reach
// in-process servers under names the client never resolves itself.
func testHostAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	h := strings.ToLower(host)
	switch {
	case net.ParseIP(h) != nil:
		return addr, nil
	case h == "example.com" || strings.HasSuffix(h, ".example.com") ||
		strings.HasSuffix(h, ".test") || strings.HasSuffix(h, ".invalid"):
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	return "", fmt.Errorf("test proxy: no such host %q", host)
}

// proxied is a request as a proxy received it.
type proxied struct {
	Method    string // GET for a forwarded request, CONNECT for a tunnel
	Target    string // the absolute URL, or host:port for CONNECT
	ProxyAuth string // its Proxy-Authorization header
}

// httpProxy is an in-process forward proxy (goproxy): it forwards
// plain-http requests and opens CONNECT tunnels, and records what it
// received. With auth set, it answers 407 to requests and CONNECTs that do
// not carry that Proxy-Authorization.
type httpProxy struct {
	*httptest.Server
	auth string

	mu   sync.Mutex // guards reqs
	reqs []proxied
}

// newHTTPProxy starts a proxy, over TLS if secure, closed when t ends.
func newHTTPProxy(t testing.TB, auth string, secure bool) *httpProxy {
	t.Helper()
	p := &httpProxy{auth: auth}
	gp := goproxy.NewProxyHttpServer()
	gp.Logger = log.New(io.Discard, "", 0)
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		a, err := testHostAddr(addr)
		if err != nil {
			return nil, err
		}
		return d.DialContext(ctx, network, a)
	}
	// Not from the environment, which tests change.
	upstream := &http.Transport{DialContext: dial, DisableCompression: true}
	t.Cleanup(upstream.CloseIdleConnections)
	gp.Tr = upstream
	gp.ConnectDial = nil
	gp.ConnectDialWithReq = func(req *http.Request, network, addr string) (net.Conn, error) {
		return dial(req.Context(), network, addr)
	}
	gp.OnRequest().DoFunc(func(r *http.Request, ctx *goproxy.ProxyCtx) (*http.Request, *http.Response) {
		pa := p.record(r.Method, r.URL.String(), r.Header)
		if p.auth != "" && pa != p.auth {
			return r, goproxy.NewResponse(r, "text/plain", http.StatusProxyAuthRequired, "proxy credentials required")
		}
		return r, nil
	})
	gp.OnRequest().HandleConnectFunc(func(host string, ctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		pa := p.record(http.MethodConnect, host, ctx.Req.Header)
		if p.auth != "" && pa != p.auth {
			ctx.Resp = goproxy.NewResponse(ctx.Req, "text/plain", http.StatusProxyAuthRequired, "proxy credentials required")
			return goproxy.RejectConnect, host
		}
		return goproxy.OkConnect, host
	})
	srv := httptest.NewUnstartedServer(gp)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if secure {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	p.Server = srv
	return p
}

func (p *httpProxy) record(method, target string, h http.Header) string {
	pa := h.Get("Proxy-Authorization")
	p.mu.Lock()
	p.reqs = append(p.reqs, proxied{Method: method, Target: target, ProxyAuth: pa})
	p.mu.Unlock()
	return pa
}

// take returns the requests received since the last call.
func (p *httpProxy) take() []proxied {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.reqs
	p.reqs = nil
	return r
}

// proxyURL returns the proxy's URL, with user info if user is not nil.
func (p *httpProxy) proxyURL(user *url.Userinfo) string {
	u, _ := url.Parse(p.URL)
	u.User = user
	return u.String()
}

// socksProxy is an in-process SOCKS5 server (things-go/go-socks5) whose
// resolver knows the names testHostAddr knows, and records every name it
// was asked to resolve.
type socksProxy struct {
	addr string

	mu       sync.Mutex // guards resolved
	resolved []string
}

// newSOCKSProxy starts a SOCKS5 server, requiring user and pass if user is
// not empty, stopped when t ends.
func newSOCKSProxy(t testing.TB, user, pass string) *socksProxy {
	t.Helper()
	p := &socksProxy{}
	opts := []socks5.Option{socks5.WithResolver(p)}
	if user != "" {
		opts = append(opts, socks5.WithCredential(socks5.StaticCredentials{user: pass}))
	}
	srv := socks5.NewServer(opts...)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = l.Addr().String()
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(l) })
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return p
}

// Resolve implements socks5.NameResolver.
func (p *socksProxy) Resolve(ctx context.Context, name string) (context.Context, net.IP, error) {
	p.mu.Lock()
	p.resolved = append(p.resolved, name)
	p.mu.Unlock()
	addr, err := testHostAddr(net.JoinHostPort(name, "1"))
	if err != nil {
		return ctx, nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	return ctx, net.ParseIP(host), nil
}

func (p *socksProxy) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.resolved...)
}

// dialLog is a DialFunc that records every address the session dials.
// With fail set it dials nothing and fails at once, so that a test can see
// where a request would go without any I/O.
type dialLog struct {
	fail bool

	mu    sync.Mutex // guards addrs
	addrs []string
}

var errNoDial = errors.New("test dialer: not dialing")

func (d *dialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	if d.fail {
		return nil, errNoDial
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// take returns the addresses dialed since the last call.
func (d *dialLog) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.addrs
	d.addrs = nil
	return a
}

// origin is a test server for proxied requests: plain HTTP/1.1, or TLS
// with HTTP/1.1 or HTTP/2.
type origin struct {
	name  string
	tls   bool
	http2 bool
}

var origins = []origin{
	{"http", false, false},
	{"https HTTP/1.1", true, false},
	{"https HTTP/2", true, true},
}

// start starts the origin serving h, closed when t ends.
func (o origin) start(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if o.tls {
		srv.EnableHTTP2 = o.http2
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// eachOrigin runs f against a server for h under each origin.
func eachOrigin(t *testing.T, h http.Handler, f func(t *testing.T, o origin, srv *httptest.Server)) {
	t.Helper()
	for _, o := range origins {
		t.Run(o.name, func(t *testing.T) {
			f(t, o, o.start(t, h))
		})
	}
}

// testRoots trusts the certificate of every httptest TLS server (they all
// share one), for origins and for proxies.
func testRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

// proxySession returns a session that trusts the test certificate, with
// opts, closed when t ends.
func proxySession(t testing.TB, opts ...client.Option) *client.Session {
	t.Helper()
	s := client.NewSession(append([]client.Option{client.WithTLSConfig(&tls.Config{RootCAs: testRoots(t)})}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// clearProxyEnv unsets every proxy variable for the rest of the test.
func clearProxyEnv(t *testing.T) {
	for _, k := range []string{"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"} {
		t.Setenv(k, "")
	}
}

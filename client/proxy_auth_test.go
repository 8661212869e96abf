package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/requests3/requests/client"
)

// handSet is a Proxy-Authorization header set by hand.
const handSet = "Bearer proxy-token"

// TestProxyAuthorizationOnlyToProxies: a Proxy-Authorization header set by
// hand reaches the proxy, never the server: on a plain-http request to an
// http proxy it is the proxy's; for an https request it goes on the
// CONNECT and not through the tunnel (CVE-2023-32681,
// test_proxy_authorization_not_appended_to_https_request); sent directly or
// through SOCKS it is dropped (golang/go#79792). Requests'
// test_proxy_authorization_preserved_on_request sends it to a server with
// no proxy: this is where the session differs.
func TestProxyAuthorizationOnlyToProxies(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, srv *httptest.Server) {
		p := newHTTPProxy(t, "", false)
		sp := newSOCKSProxy(t, "", "")
		tests := []struct {
			name  string
			proxy map[string]string
		}{
			{name: "http proxy", proxy: map[string]string{"all": p.URL}},
			{name: "http proxy with credentials", proxy: map[string]string{"all": p.proxyURL(url.UserPassword("u", "p"))}},
			{name: "direct", proxy: map[string]string{}},
			{name: "socks5", proxy: map[string]string{"all": "socks5://" + sp.addr}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := proxySession(t, client.WithProxies(tt.proxy))
				p.take()
				sc.take()
				resp, err := s.Get(context.Background(), srv.URL+"/x", client.Header{"Proxy-Authorization": handSet})
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("got %v, %v; want 200", resp, err)
				}
				reqs := sc.take()
				if len(reqs) != 1 {
					t.Fatalf("the server got %d requests, want 1", len(reqs))
				}
				if v := reqs[0].Header.Get("Proxy-Authorization"); v != "" {
					t.Errorf("the server got Proxy-Authorization %q, want none", v)
				}
				got := p.take()
				if !strings.HasPrefix(tt.name, "http proxy") {
					if len(got) != 0 {
						t.Errorf("the http proxy got %+v, want nothing", got)
					}
					return
				}
				want := handSet
				if strings.HasSuffix(tt.name, "credentials") {
					want = basic("u", "p") // the proxy URL's credentials win
				}
				if len(got) != 1 || got[0].ProxyAuth != want {
					t.Errorf("the proxy got %+v, want one request with Proxy-Authorization %q", got, want)
				}
			})
		}
	})
}

// TestProxyAuthorizationOnRedirect: CVE-2014-1830, CVE-2025-4673,
// CVE-2023-32681. A hand-set Proxy-Authorization goes to the proxy until a
// redirect leaves the origin; the proxy URL's credentials go to the proxy
// on every hop, since they are the proxy's; the server never sees either.
func TestProxyAuthorizationOnRedirect(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, a *httptest.Server) {
		b := o.start(t, sc) // another origin: another port
		p := newHTTPProxy(t, "", false)
		tests := []struct {
			name   string
			user   *url.Userinfo
			header bool
			hops   []string
			want   []string // Proxy-Authorization at the proxy, for each hop (http) or tunnel (https)
		}{
			{"hand-set, same origin", nil, true, []string{a.URL + "/1", a.URL + "/2"}, []string{handSet, handSet}},
			{"hand-set, other origin", nil, true, []string{a.URL + "/1", b.URL + "/2"}, []string{handSet, ""}},
			{"hand-set, other origin and back", nil, true, []string{a.URL + "/1", b.URL + "/2", a.URL + "/3"}, []string{handSet, "", ""}},
			{"URL credentials, other origin", url.UserPassword("u", "p"), false, []string{a.URL + "/1", b.URL + "/2"}, []string{basic("u", "p"), basic("u", "p")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := proxySession(t, client.WithProxies(map[string]string{"all": p.proxyURL(tt.user)}))
				var opts []client.RequestOption
				if tt.header {
					opts = append(opts, client.Header{"Proxy-Authorization": handSet})
				}
				p.take()
				sc.take()
				resp, err := s.Get(context.Background(), chain(302, tt.hops...), opts...)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("got %v, %v; want 200", resp, err)
				}
				reqs := sc.take()
				if len(reqs) != len(tt.hops) {
					t.Fatalf("the servers got %d requests, want %d", len(reqs), len(tt.hops))
				}
				for i, r := range reqs {
					if v := r.Header.Get("Proxy-Authorization"); v != "" {
						t.Errorf("hop %d: the server got Proxy-Authorization %q, want none", i, v)
					}
				}
				var got []string
				for _, r := range p.take() {
					got = append(got, r.ProxyAuth)
				}
				want := tt.want
				if o.tls {
					// One tunnel per origin, opened by its first hop.
					want = nil
					seen := map[string]bool{}
					for i, h := range tt.hops {
						u, _ := url.Parse(h)
						if !seen[u.Host] {
							seen[u.Host] = true
							want = append(want, tt.want[i])
						}
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("the proxy got Proxy-Authorization %q, want %q", got, want)
				}
			})
		}
	})
}

// TestProxyAuthorizationLeavingTheProxy: golang/go#79792. A same-origin
// redirect to a URL that is not proxied sends the request directly, and a
// hand-set Proxy-Authorization does not go with it.
func TestProxyAuthorizationLeavingTheProxy(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, srv *httptest.Server) {
		p := newHTTPProxy(t, "", false)
		pu, _ := url.Parse(p.URL)
		viaProxy := func(req *http.Request) (*url.URL, error) {
			if req.URL.Path == "/proxied" {
				return pu, nil
			}
			return nil, nil
		}
		s := proxySession(t, client.WithProxy(viaProxy))
		p.take()
		sc.take()
		resp, err := s.Get(context.Background(), chain(302, srv.URL+"/proxied", srv.URL+"/direct"),
			client.Header{"Proxy-Authorization": handSet})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("got %v, %v; want 200", resp, err)
		}
		reqs := sc.take()
		if len(reqs) != 2 {
			t.Fatalf("the server got %d requests, want 2", len(reqs))
		}
		for i, r := range reqs {
			if v := r.Header.Get("Proxy-Authorization"); v != "" {
				t.Errorf("hop %d (%s): the server got Proxy-Authorization %q, want none", i, urlsOf(reqs)[i], v)
			}
		}
		if got := p.take(); len(got) != 1 || got[0].ProxyAuth != handSet {
			t.Errorf("the proxy got %+v, want the first hop with the header", got)
		}
	})
}

// TestSOCKSProxy: socks5 and socks5h, with and without credentials. The
// proxy resolves host names for both schemes (net/http treats them alike):
// the session dials only the proxy and never looks a proxied name up,
// here a name only the proxy's resolver knows.
func TestSOCKSProxy(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, srv *httptest.Server) {
		u, _ := url.Parse(srv.URL)
		host := "only-the-proxy-knows.invalid"
		if o.tls {
			host = "www.example.com" // a name the test certificate is valid for
		}
		target := u.Scheme + "://" + host + ":" + u.Port() + "/x"
		for _, scheme := range []string{"socks5", "socks5h"} {
			for _, auth := range []bool{false, true} {
				name := scheme
				if auth {
					name += " with credentials"
				}
				t.Run(name, func(t *testing.T) {
					var sp *socksProxy
					proxy := scheme + "://"
					if auth {
						sp = newSOCKSProxy(t, "user", "p@ss")
						proxy += "user:p%40ss@"
					} else {
						sp = newSOCKSProxy(t, "", "")
					}
					proxy += sp.addr
					d := &dialLog{}
					s := proxySession(t, client.WithDialer(d.dial), client.WithProxies(map[string]string{"all": proxy}))
					resp, err := s.Get(context.Background(), target)
					if err != nil || resp.StatusCode != 200 {
						t.Fatalf("got %v, %v; want 200", resp, err)
					}
					if o.http2 && resp.Proto != "HTTP/2.0" {
						t.Errorf("got %s, want HTTP/2.0", resp.Proto)
					}
					if got := d.take(); !slices.Equal(got, []string{sp.addr}) {
						t.Errorf("the session dialed %v, want only the proxy %s", got, sp.addr)
					}
					if got := sp.names(); !slices.Equal(got, []string{host}) {
						t.Errorf("the proxy resolved %v, want [%s]", got, host)
					}
				})
			}
		}
	})
}

// TestProxyErrors: test_proxy_error. A proxy that cannot be reached or
// refuses the request fails it with ErrProxy and ErrConnect.
func TestProxyErrors(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(secure.Close)
	refusing := newHTTPProxy(t, basic("u", "right"), false)
	sp := newSOCKSProxy(t, "u", "right")
	dead := closedAddr(t)
	resolver := nxdomainResolver(t)
	tests := []struct {
		name   string
		proxy  string
		target string
		dns    bool // the proxy's name does not resolve
	}{
		{"unreachable http proxy", "http://" + dead, plain.URL, false},
		{"unreachable http proxy, https", "http://" + dead, secure.URL, false},
		{"unreachable socks proxy", "socks5h://" + dead, plain.URL, false},
		{"unresolvable proxy", "http://proxy.invalid:3128", plain.URL, true},
		{"CONNECT refused", refusing.proxyURL(url.UserPassword("u", "wrong")), secure.URL, false},
		{"CONNECT without credentials", refusing.URL, secure.URL, false},
		{"socks credentials refused", "socks5://u:wrong@" + sp.addr, plain.URL, false},
		{"socks credentials missing", "socks5://" + sp.addr, plain.URL, false},
		{"socks target unknown", "socks5h://u:right@" + sp.addr, "http://nowhere.example.org/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []client.Option{client.WithProxies(map[string]string{"all": tt.proxy})}
			if tt.dns {
				opts = append(opts, client.WithDialer((&net.Dialer{Resolver: resolver}).DialContext))
			}
			s := proxySession(t, opts...)
			_, err := s.Get(context.Background(), tt.target)
			if !errors.Is(err, client.ErrProxy) || !errors.Is(err, client.ErrConnect) || errors.Is(err, client.ErrInvalidURL) {
				t.Errorf("got %v, want ErrProxy and ErrConnect", err)
			}
			var dnsErr *net.DNSError
			if tt.dns && !errors.As(err, &dnsErr) {
				t.Errorf("got %v, want a *net.DNSError", err)
			}
		})
	}

	// A plain-http request the proxy refuses gets the proxy's 407, as in
	// Requests: it is a response, not a connection failure.
	s := proxySession(t, client.WithProxies(map[string]string{"all": refusing.URL}))
	resp, err := s.Get(context.Background(), plain.URL)
	if err != nil || resp.StatusCode != http.StatusProxyAuthRequired {
		t.Errorf("got %v, %v; want a 407 response", resp, err)
	}
}

// TestProxyCredentialsNeverShown: a proxy's password never appears in an
// error, in a log entry, or in the warning of an invalid proxy.
func TestProxyCredentialsNeverShown(t *testing.T) {
	const secret = "pr0xy-s3cret"
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(secure.Close)
	refusing := newHTTPProxy(t, basic("u", "right"), false)
	sp := newSOCKSProxy(t, "u", "right")
	up := url.UserPassword("user", secret)
	tests := []struct {
		name    string
		proxies map[string]string
		env     string // HTTP_PROXY and HTTPS_PROXY instead
		target  string
	}{
		{"unreachable", map[string]string{"all": "http://user:" + secret + "@" + closedAddr(t)}, "", plain.URL},
		{"CONNECT refused", map[string]string{"all": refusing.proxyURL(up)}, "", secure.URL},
		{"socks refused", map[string]string{"all": "socks5://user:" + secret + "@" + sp.addr}, "", plain.URL},
		{"bad port", map[string]string{"all": "http://user:" + secret + "@p.test:bad"}, "", plain.URL},
		{"bad scheme", map[string]string{"all": "ftp://user:" + secret + "@p.test"}, "", plain.URL},
		{"path", map[string]string{"all": "http://user:" + secret + "@p.test/x"}, "", plain.URL},
		{"bad host", map[string]string{"all": "http://user:" + secret + "@p .test"}, "", plain.URL},
		{"env unreachable", nil, "http://user:" + secret + "@" + closedAddr(t), "http://example.com/"},
		{"env invalid", nil, "http://user:" + secret + "@p.test:bad", "http://example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearProxyEnv(t)
			core, logs := observer.New(zapcore.DebugLevel)
			opts := []client.Option{client.WithLogger(zap.New(core))}
			if tt.env != "" {
				t.Setenv("HTTP_PROXY", tt.env)
				t.Setenv("HTTPS_PROXY", tt.env)
			} else {
				opts = append(opts, client.WithProxies(tt.proxies))
			}
			s := proxySession(t, opts...)
			_, err := s.Get(context.Background(), tt.target)
			if !errors.Is(err, client.ErrProxy) {
				t.Fatalf("got %v, want ErrProxy", err)
			}
			texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
			var re *client.RequestError
			if errors.As(err, &re) {
				texts = append(texts, re.URL, re.Err.Error())
			}
			for _, e := range logs.AllUntimed() {
				texts = append(texts, e.Message, fmt.Sprint(e.ContextMap()))
			}
			if logs.Len() == 0 {
				t.Errorf("no log entry, want one per request")
			}
			for _, text := range texts {
				if strings.Contains(text, secret) {
					t.Errorf("the proxy password leaked: %s", text)
				}
			}
		})
	}
}

// TestProxyConnectTimeout: the connect timeout bounds a proxy's CONNECT,
// not only the dial (net/http alone would wait a minute for an answer).
func TestProxyConnectTimeout(t *testing.T) {
	addr := silentListener(t) // accepts, and never answers the CONNECT
	s := client.NewSession(
		client.WithProxies(map[string]string{"all": "http://" + addr}),
		client.WithTimeouts(client.Timeouts{Connect: 50 * time.Millisecond, Total: time.Minute}),
	)
	t.Cleanup(s.Close)
	start := time.Now()
	_, err := s.Get(context.Background(), "https://example.com/")
	if !errors.Is(err, client.ErrTimeout) || !errors.Is(err, client.ErrConnect) || !errors.Is(err, client.ErrProxy) {
		t.Errorf("got %v, want ErrTimeout, ErrConnect and ErrProxy", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want about the connect timeout", d)
	}
}

// TestProxyTunnelOutlivesConnectTimeout: once the proxy has answered the
// CONNECT, the connect timeout no longer applies to the tunnel.
func TestProxyTunnelOutlivesConnectTimeout(t *testing.T) {
	const connect = 50 * time.Millisecond
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * connect) // a response slower than the connect timeout
		io.WriteString(w, "ok")
	}))
	t.Cleanup(slow.Close)
	p := newHTTPProxy(t, "", false)
	s := proxySession(t, client.WithProxies(map[string]string{"all": p.URL}),
		client.WithTimeouts(client.Timeouts{Connect: connect, Total: time.Minute}))
	for i := range 2 {
		if got := getText(t, s, slow.URL); got != "ok" {
			t.Errorf("request %d: got %q, want ok", i, got)
		}
	}
}

// TestProxyHeadersDroppedAcrossOrigins: CVE-2014-1830, CVE-2025-4673.
// Proxy-Authorization and Proxy-Authenticate set by hand follow same-origin
// redirects and are dropped when a redirect leaves the origin. The site's
// transport is given with WithTransport, so the headers reach the servers
// and show what the redirect logic keeps; the session's own transport
// would keep Proxy-Authorization off them in any case.
func TestProxyHeadersDroppedAcrossOrigins(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		headers := client.Header{"Proxy-Authorization": handSet, "Proxy-Authenticate": "Basic realm=x"}
		tests := []struct {
			name string
			hops []string
			want []bool
		}{
			{"same origin", []string{"https://example.com/a", "https://example.com/b"}, []bool{true, true}},
			{"other host", []string{"https://example.com/a", "https://www.example.com/b"}, []bool{true, false}},
			{"other port", []string{"http://example.com/a", "http://example.com:8080/b"}, []bool{true, false}},
			{"downgrade", []string{"https://example.com/a", "http://example.com/b"}, []bool{true, false}},
		}
		for _, tt := range tests {
			sc.take()
			if _, err := s.Get(context.Background(), chain(307, tt.hops...), headers); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			reqs := sc.take()
			if len(reqs) != len(tt.want) {
				t.Fatalf("%s: got %d requests, want %d", tt.name, len(reqs), len(tt.want))
			}
			for i, r := range reqs {
				for _, h := range []string{"Proxy-Authorization", "Proxy-Authenticate"} {
					if got := r.Header.Get(h) != ""; got != tt.want[i] {
						t.Errorf("%s: hop %d to %s: got %s %v, want %v", tt.name, i, urlsOf(reqs)[i], h, got, tt.want[i])
					}
				}
			}
		}
	})
}

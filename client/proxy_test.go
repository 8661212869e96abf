package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// route sends a GET for target with s and returns the addresses the
// session dialed. The dialer dials nothing, so the call fails; its error
// is returned.
func route(t *testing.T, s *client.Session, d *dialLog, target string) ([]string, error) {
	t.Helper()
	d.take()
	_, err := s.Get(context.Background(), target)
	if err == nil {
		t.Fatalf("GET %s: got success through a dialer that dials nothing", target)
	}
	return d.take(), err
}

// TestProxyFromEnvironment: test_proxy_env_vars_override_default,
// TestGetEnvironProxies, test_should_bypass_proxies(_no_proxy,
// _domain_boundary, _pass_only_hostname), CVE-2025-22870. Where each
// request goes is read from the addresses the session dials.
func TestProxyFromEnvironment(t *testing.T) {
	const direct = "" // want: the request's own host dialed
	tests := []struct {
		name   string
		env    map[string]string
		target string
		want   string // the address dialed, or direct
	}{
		{"HTTP_PROXY for http", map[string]string{"HTTP_PROXY": "http://p.test:3128"}, "http://example.com/", "p.test:3128"},
		{"http_proxy in lower case", map[string]string{"http_proxy": "http://p.test:3128"}, "http://example.com/", "p.test:3128"},
		{"lower case first", map[string]string{"http_proxy": "http://lower.test:1", "HTTP_PROXY": "http://upper.test:2"}, "http://example.com/", "lower.test:1"},
		{"HTTP_PROXY not for https", map[string]string{"HTTP_PROXY": "http://p.test:3128"}, "https://example.com/", direct},
		{"HTTPS_PROXY for https", map[string]string{"HTTPS_PROXY": "http://ps.test:3128"}, "https://example.com/", "ps.test:3128"},
		{"HTTPS_PROXY not for http", map[string]string{"HTTPS_PROXY": "http://ps.test:3128"}, "http://example.com/", direct},
		{"ALL_PROXY for http", map[string]string{"ALL_PROXY": "http://pa.test:8080"}, "http://example.com/", "pa.test:8080"},
		{"all_proxy for https", map[string]string{"all_proxy": "http://pa.test:8080"}, "https://example.com/", "pa.test:8080"},
		{"scheme before ALL_PROXY", map[string]string{"ALL_PROXY": "http://pa.test:1", "HTTPS_PROXY": "http://ps.test:2"}, "https://example.com/", "ps.test:2"},
		{"ALL_PROXY for the other scheme", map[string]string{"ALL_PROXY": "http://pa.test:1", "HTTPS_PROXY": "http://ps.test:2"}, "http://example.com/", "pa.test:1"},
		{"socks5 in ALL_PROXY", map[string]string{"ALL_PROXY": "socks5://s.test"}, "http://example.com/", "s.test:1080"},
		{"socks5h in HTTPS_PROXY", map[string]string{"HTTPS_PROXY": "socks5h://s.test:9050"}, "https://example.com/", "s.test:9050"},
		{"no scheme means http", map[string]string{"HTTP_PROXY": "p.test:3128"}, "http://example.com/", "p.test:3128"},
		{"default port of an http proxy", map[string]string{"HTTP_PROXY": "http://p.test"}, "http://example.com/", "p.test:80"},
		{"https proxy", map[string]string{"HTTPS_PROXY": "https://p.test"}, "https://example.com/", "p.test:443"},
		{"no proxy set", nil, "http://example.com/", direct},

		{"NO_PROXY host", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "http://example.com/", direct},
		{"NO_PROXY host covers subdomains", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "http://www.example.com/", direct},
		{"NO_PROXY domain boundary", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "http://notexample.com/", "p.test:1"},
		{"NO_PROXY suffix is not a prefix", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "http://example.com.evil.test/", "p.test:1"},
		{"no_proxy in lower case", map[string]string{"HTTP_PROXY": "http://p.test:1", "no_proxy": "example.com"}, "http://example.com/", direct},
		{"NO_PROXY case-insensitive", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "EXAMPLE.COM"}, "http://example.com/", direct},
		{"NO_PROXY list with spaces", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "a.test, example.com ,b.test"}, "http://example.com/", direct},
		{"NO_PROXY .domain: subdomains", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": ".example.com"}, "http://www.example.com/", direct},
		{"NO_PROXY .domain: not the domain", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": ".example.com"}, "http://example.com/", "p.test:1"},
		{"NO_PROXY *.domain", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "*.example.com"}, "http://www.example.com/", direct},
		{"NO_PROXY host:port, that port", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com:8080"}, "http://example.com:8080/", direct},
		{"NO_PROXY host:port, another port", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com:8080"}, "http://example.com/", "p.test:1"},
		{"NO_PROXY IP", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "192.0.2.10"}, "http://192.0.2.10/", direct},
		{"NO_PROXY IP, another IP", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "192.0.2.10"}, "http://192.0.2.11/", "p.test:1"},
		{"NO_PROXY IP:port", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "192.0.2.10:8080"}, "http://192.0.2.10:8080/", direct},
		{"NO_PROXY CIDR", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "198.51.100.0/24"}, "http://198.51.100.7/", direct},
		{"NO_PROXY CIDR, outside", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "198.51.100.0/24"}, "http://198.51.101.7/", "p.test:1"},
		{"NO_PROXY IPv6 CIDR", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "2001:db8::/32"}, "http://[2001:db8::1]/", direct},
		{"NO_PROXY *", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "*"}, "http://example.com/", direct},
		{"NO_PROXY for https too", map[string]string{"HTTPS_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "https://example.com/", direct},
		{"IPv6 zone that looks like a domain", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "*.example.com"}, "http://[2001:db8::1%25.example.com]/", "p.test:1"},
		{"IPv6 zone, domain entry", map[string]string{"HTTP_PROXY": "http://p.test:1", "NO_PROXY": "example.com"}, "http://[2001:db8::1%25.example.com]/", "p.test:1"},
		{"localhost never proxied", map[string]string{"HTTP_PROXY": "http://p.test:1"}, "http://localhost:8080/", direct},
		{"loopback never proxied", map[string]string{"HTTP_PROXY": "http://p.test:1"}, "http://127.0.0.1:8080/", direct},
		{"IPv6 loopback never proxied", map[string]string{"HTTP_PROXY": "http://p.test:1"}, "http://[::1]:8080/", direct},
		{"CGI: HTTPS_PROXY still used", map[string]string{"REQUEST_METHOD": "GET", "HTTPS_PROXY": "http://p.test:1"}, "https://example.com/", "p.test:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearProxyEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			d := &dialLog{fail: true}
			s := client.NewSession(client.WithDialer(d.dial))
			t.Cleanup(s.Close)
			dialed, err := route(t, s, d, tt.target)
			want := tt.want
			if want == direct {
				u, _ := url.Parse(tt.target)
				port := u.Port()
				if port == "" {
					port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
				}
				want = net.JoinHostPort(u.Hostname(), port)
			}
			if !slices.Equal(dialed, []string{want}) {
				t.Errorf("got %v dialed, want %s", dialed, want)
			}
			if got := errors.Is(err, client.ErrProxy); got != (tt.want != direct) {
				t.Errorf("got errors.Is(err, ErrProxy) %v for %v, want %v", got, err, tt.want != direct)
			}
			if !errors.Is(err, client.ErrConnect) || !errors.Is(err, errNoDial) {
				t.Errorf("got %v, want ErrConnect wrapping the dialer's error", err)
			}
		})
	}
}

// TestProxyEnvironmentErrors: an invalid proxy in the environment fails
// the requests it would carry, before any I/O; test_proxy_error_on_bad_url.
func TestProxyEnvironmentErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		target  string
		invalid bool // ErrInvalidURL as well as ErrProxy
	}{
		{"no host", map[string]string{"HTTPS_PROXY": "http://:3128"}, "https://example.com/", true},
		{"unknown scheme", map[string]string{"HTTP_PROXY": "ftp://p.test"}, "http://example.com/", true},
		{"socks4", map[string]string{"ALL_PROXY": "socks4://p.test"}, "http://example.com/", true},
		{"malformed", map[string]string{"HTTPS_PROXY": "http:/badproxyurl:3128"}, "https://example.com/", true},
		{"bad port", map[string]string{"HTTP_PROXY": "http://p.test:port"}, "http://example.com/", true},
		{"CGI refuses HTTP_PROXY", map[string]string{"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://p.test:1"}, "http://example.com/", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearProxyEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			d := &dialLog{fail: true}
			s := client.NewSession(client.WithDialer(d.dial))
			t.Cleanup(s.Close)
			_, err := s.Get(context.Background(), tt.target)
			if !errors.Is(err, client.ErrProxy) || errors.Is(err, client.ErrInvalidURL) != tt.invalid {
				t.Errorf("got %v, want ErrProxy (and ErrInvalidURL: %v)", err, tt.invalid)
			}
			if errors.Is(err, client.ErrConnect) {
				t.Errorf("got %v, want no ErrConnect: nothing was dialed", err)
			}
			if dialed := d.take(); len(dialed) != 0 {
				t.Errorf("got %v dialed, want nothing", dialed)
			}
		})
	}

	// An invalid HTTPS_PROXY does not concern http requests.
	clearProxyEnv(t)
	t.Setenv("HTTPS_PROXY", "http://:3128")
	t.Setenv("HTTP_PROXY", "http://p.test:1")
	d := &dialLog{fail: true}
	s := client.NewSession(client.WithDialer(d.dial))
	t.Cleanup(s.Close)
	if dialed, err := route(t, s, d, "http://example.com/"); !slices.Equal(dialed, []string{"p.test:1"}) || errors.Is(err, client.ErrInvalidURL) {
		t.Errorf("http with an invalid HTTPS_PROXY: got %v dialed and %v, want p.test:1 dialed", dialed, err)
	}
}

// TestProxyEnvironmentPerSession: each session reads the environment when
// it is created (net/http's ProxyFromEnvironment reads it once per
// process).
func TestProxyEnvironmentPerSession(t *testing.T) {
	clearProxyEnv(t)
	d := &dialLog{fail: true}
	t.Setenv("HTTP_PROXY", "http://first.test:1")
	first := client.NewSession(client.WithDialer(d.dial))
	t.Cleanup(first.Close)
	t.Setenv("HTTP_PROXY", "http://second.test:2")
	second := client.NewSession(client.WithDialer(d.dial))
	t.Cleanup(second.Close)
	none := client.NewSession(client.WithDialer(d.dial), client.WithoutProxy())
	t.Cleanup(none.Close)

	tests := []struct {
		name string
		s    *client.Session
		want string
	}{
		{"created before the change", first, "first.test:1"},
		{"created after it", second, "second.test:2"},
		{"WithoutProxy", none, "example.com:80"},
	}
	for _, tt := range tests {
		if dialed, _ := route(t, tt.s, d, "http://example.com/"); !slices.Equal(dialed, []string{tt.want}) {
			t.Errorf("%s: got %v dialed, want %s", tt.name, dialed, tt.want)
		}
	}
}

// TestProxies: test_select_proxies; the Requests order of keys of
// WithProxies.
func TestProxies(t *testing.T) {
	clearProxyEnv(t)
	t.Setenv("HTTP_PROXY", "http://env.test:1") // a map replaces the environment
	t.Setenv("NO_PROXY", "*")
	full := map[string]string{
		"http":          "http://http.test:1",
		"https":         "http://https.test:2",
		"all":           "http://all.test:3",
		"http://a.test": "http://http-a.test:4",
		"all://a.test":  "http://all-a.test:5",
		"all://b.test":  "socks5h://all-b.test:6",
	}
	allOnly := map[string]string{
		"all":            "http://all.test:3",
		"all://b.test":   "http://all-b.test:6",
		"HTTPS://C.Test": "http://https-c.test:7",
	}
	tests := []struct {
		name    string
		proxies map[string]string
		target  string
		want    string
	}{
		{"scheme://host first", full, "http://a.test/", "http-a.test:4"},
		{"then scheme", full, "https://a.test/", "https.test:2"},
		{"scheme before all://host", full, "http://b.test/", "http.test:1"},
		{"scheme for other hosts", full, "https://z.test/", "https.test:2"},
		{"all://host before all", allOnly, "https://b.test/", "all-b.test:6"},
		{"all for other hosts", allOnly, "http://z.test/", "all.test:3"},
		{"keys ignore case", allOnly, "https://c.test/", "https-c.test:7"},
		{"host case ignored", allOnly, "https://C.TEST/", "https-c.test:7"},
		{"host key needs its scheme", allOnly, "http://c.test/", "all.test:3"},
		{"host key without port matches any port", map[string]string{"http://a.test": "http://p.test:1"}, "http://a.test:8080/", "p.test:1"},
		{"no key: direct, not the environment", map[string]string{"https": "http://https.test:2"}, "http://example.com/", "example.com:80"},
		{"empty map: direct", map[string]string{}, "http://example.com/", "example.com:80"},
		{"empty value is no entry", map[string]string{"http": "", "all": "http://all.test:3"}, "http://example.com/", "all.test:3"},
		{"loopback proxied when asked", map[string]string{"all": "http://p.test:1"}, "http://127.0.0.1:8080/", "p.test:1"},
		{"IDN host key", map[string]string{"http://bücher.test": "http://p.test:1", "all": "http://all.test:3"}, "http://BÜCHER.test/", "p.test:1"},
		{"IPv6 host key", map[string]string{"http://[2001:db8::1]": "http://p.test:1"}, "http://[2001:db8::1]:8080/", "p.test:1"},
		{"value without scheme", map[string]string{"all": "p.test:3128"}, "https://example.com/", "p.test:3128"},
		{"socks5 default port", map[string]string{"all": "socks5://p.test"}, "https://example.com/", "p.test:1080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &dialLog{fail: true}
			s := client.NewSession(client.WithDialer(d.dial), client.WithProxies(tt.proxies))
			t.Cleanup(s.Close)
			if dialed, _ := route(t, s, d, tt.target); !slices.Equal(dialed, []string{tt.want}) {
				t.Errorf("got %v dialed, want %s", dialed, tt.want)
			}
		})
	}
}

// TestProxyOptionsLastWins: WithProxies, WithProxy and WithoutProxy set
// the same thing; the last one given wins.
func TestProxyOptionsLastWins(t *testing.T) {
	clearProxyEnv(t)
	t.Setenv("HTTP_PROXY", "http://env.test:1")
	fn := client.WithProxy(http.ProxyURL(&url.URL{Scheme: "http", Host: "fn.test:2"}))
	tests := []struct {
		name string
		opts []client.Option
		want string
	}{
		{"map after function", []client.Option{fn, client.WithProxies(map[string]string{"all": "http://map.test:3"})}, "map.test:3"},
		{"function after map", []client.Option{client.WithProxies(map[string]string{"all": "http://map.test:3"}), fn}, "fn.test:2"},
		{"none after map", []client.Option{client.WithProxies(map[string]string{"all": "http://map.test:3"}), client.WithoutProxy()}, "example.com:80"},
		{"nil function: the environment", []client.Option{client.WithoutProxy(), client.WithProxy(nil)}, "env.test:1"},
	}
	for _, tt := range tests {
		d := &dialLog{fail: true}
		s := client.NewSession(append(tt.opts, client.WithDialer(d.dial))...)
		t.Cleanup(s.Close)
		if dialed, _ := route(t, s, d, "http://example.com/"); !slices.Equal(dialed, []string{tt.want}) {
			t.Errorf("%s: got %v dialed, want %s", tt.name, dialed, tt.want)
		}
	}
}

// TestInvalidProxies: test_proxy_error_on_bad_url. A bad key or URL fails
// every request of the session with ErrProxy and ErrInvalidURL before any
// I/O.
func TestInvalidProxies(t *testing.T) {
	tests := []struct {
		name    string
		proxies map[string]string
	}{
		{"Requests' malformed URL", map[string]string{"https": "http:/badproxyurl:3128"}},
		{"no host", map[string]string{"all": "http://:3128"}},
		{"unknown scheme", map[string]string{"http": "ftp://p.test"}},
		{"socks4", map[string]string{"http": "socks4://p.test"}},
		{"path", map[string]string{"http": "http://p.test:3128/path"}},
		{"query", map[string]string{"http": "http://p.test:3128/?q=1"}},
		{"bad port", map[string]string{"http": "http://p.test:port"}},
		{"unparsable", map[string]string{"http": "http://p .test"}},
		{"key with unknown scheme", map[string]string{"ftp": "http://p.test"}},
		{"key with a port", map[string]string{"http://a.test:8080": "http://p.test"}},
		{"key with a path", map[string]string{"http://a.test/x": "http://p.test"}},
		{"key without host", map[string]string{"http://": "http://p.test"}},
		{"no_proxy key", map[string]string{"no_proxy": "example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &dialLog{fail: true}
			s := client.NewSession(client.WithDialer(d.dial), client.WithProxies(tt.proxies))
			t.Cleanup(s.Close)
			for _, target := range []string{"http://example.com/", "https://example.com/"} {
				_, err := s.Get(context.Background(), target)
				if !errors.Is(err, client.ErrProxy) || !errors.Is(err, client.ErrInvalidURL) {
					t.Errorf("GET %s: got %v, want ErrProxy and ErrInvalidURL", target, err)
				}
			}
			if dialed := d.take(); len(dialed) != 0 {
				t.Errorf("got %v dialed, want nothing", dialed)
			}
		})
	}
}

// TestProxyFunction: WithProxy's function is asked for every hop; its
// errors and bad URLs fail the request before any I/O.
func TestProxyFunction(t *testing.T) {
	errNoProxy := errors.New("no proxy today")
	tests := []struct {
		name    string
		fn      func(*http.Request) (*url.URL, error)
		is      []error
		invalid bool
	}{
		{"error", func(*http.Request) (*url.URL, error) { return nil, errNoProxy }, []error{client.ErrProxy, errNoProxy}, false},
		{"bad scheme", func(*http.Request) (*url.URL, error) { return &url.URL{Scheme: "ftp", Host: "p.test"}, nil }, []error{client.ErrProxy, client.ErrInvalidURL}, true},
		{"no host", func(*http.Request) (*url.URL, error) { return &url.URL{Scheme: "http"}, nil }, []error{client.ErrProxy, client.ErrInvalidURL}, true},
	}
	for _, tt := range tests {
		d := &dialLog{fail: true}
		s := client.NewSession(client.WithDialer(d.dial), client.WithProxy(tt.fn))
		t.Cleanup(s.Close)
		_, err := s.Get(context.Background(), "http://example.com/")
		for _, target := range tt.is {
			if !errors.Is(err, target) {
				t.Errorf("%s: got %v, want errors.Is %v", tt.name, err, target)
			}
		}
		if errors.Is(err, client.ErrConnect) {
			t.Errorf("%s: got %v, want no ErrConnect", tt.name, err)
		}
		if dialed := d.take(); len(dialed) != 0 {
			t.Errorf("%s: got %v dialed, want nothing", tt.name, dialed)
		}
	}
}

// TestHTTPProxy sends requests through a real forward proxy:
// plain-http requests are forwarded with the proxy's credentials, https
// requests are tunnelled with CONNECT, which alone carries them;
// test_proxy_auth, test_proxy_auth_empty_pass, test_use_proxy_from_environment.
func TestHTTPProxy(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, srv *httptest.Server) {
		creds := []struct {
			name string
			user *url.Userinfo
			want string // Proxy-Authorization at the proxy
		}{
			{"no credentials", nil, ""},
			{"credentials", url.UserPassword("user", "p@ss w:rd"), basic("user", "p@ss w:rd")},
			{"empty password", url.UserPassword("user", ""), basic("user", "")},
		}
		for _, secure := range []bool{false, true} {
			for _, cr := range creds {
				name := cr.name
				if secure {
					name += " over TLS to the proxy"
				}
				t.Run(name, func(t *testing.T) {
					p := newHTTPProxy(t, cr.want, secure)
					s := proxySession(t, client.WithProxies(map[string]string{"all": p.proxyURL(cr.user)}))
					sc.take()
					for i := range 2 {
						resp, err := s.Get(context.Background(), srv.URL+"/x?n=1")
						if err != nil {
							t.Fatalf("request %d: %v", i, err)
						}
						if resp.StatusCode != 200 {
							t.Fatalf("request %d: got %s, want 200", i, resp.Status)
						}
						if o.http2 && resp.Proto != "HTTP/2.0" {
							t.Errorf("request %d: got %s, want HTTP/2.0 through the tunnel", i, resp.Proto)
						}
					}
					want := []proxied{
						{http.MethodGet, srv.URL + "/x?n=1", cr.want},
						{http.MethodGet, srv.URL + "/x?n=1", cr.want},
					}
					if o.tls {
						// One tunnel, kept alive for the second request.
						want = []proxied{{http.MethodConnect, strings.TrimPrefix(srv.URL, "https://"), cr.want}}
					}
					if got := p.take(); !slices.Equal(got, want) {
						t.Errorf("the proxy got %+v, want %+v", got, want)
					}
					for _, r := range sc.take() {
						if v := r.Header.Get("Proxy-Authorization"); v != "" {
							t.Errorf("the server got Proxy-Authorization %q, want none", v)
						}
					}
				})
			}
		}
	})
}

// TestHTTPProxyFromEnvironment: test_respect_proxy_env_on_get,
// _on_request, _on_send_self_prepared_request,
// _on_send_session_prepared_request, _with_redirects.
func TestHTTPProxyFromEnvironment(t *testing.T) {
	sc := &script{}
	eachOrigin(t, sc, func(t *testing.T, o origin, srv *httptest.Server) {
		p := newHTTPProxy(t, "", false)
		clearProxyEnv(t)
		t.Setenv("HTTP_PROXY", p.URL)
		t.Setenv("HTTPS_PROXY", p.URL)
		s := proxySession(t)
		// example.com: loopback would go direct, whatever the environment.
		u, _ := url.Parse(srv.URL)
		base := u.Scheme + "://example.com:" + u.Port()
		ctx := context.Background()
		calls := []struct {
			name string
			do   func() (*client.Response, error)
			hops int
		}{
			{"Get", func() (*client.Response, error) { return s.Get(ctx, base+"/get") }, 1},
			{"Request", func() (*client.Response, error) { return s.Request(ctx, "PUT", base+"/put") }, 1},
			{"Do with a prepared request", func() (*client.Response, error) {
				return s.Do(ctx, client.NewRequest("GET", base+"/do"))
			}, 1},
			{"HTTPClient", func() (*client.Response, error) {
				resp, err := s.HTTPClient().Get(base + "/std")
				if err != nil {
					return nil, err
				}
				resp.Body.Close()
				return &client.Response{StatusCode: resp.StatusCode}, nil
			}, 1},
			{"redirects", func() (*client.Response, error) {
				return s.Get(ctx, chain(302, base+"/a", base+"/b", base+"/c"))
			}, 3},
		}
		for _, c := range calls {
			p.take()
			sc.take()
			resp, err := c.do()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: got %v, %v; want 200", c.name, resp, err)
			}
			if got := len(sc.take()); got != c.hops {
				t.Errorf("%s: the server got %d requests, want %d", c.name, got, c.hops)
			}
			got := p.take()
			if o.tls {
				// Through the tunnel opened by the first call.
				for _, r := range got {
					if r.Method != http.MethodConnect {
						t.Errorf("%s: the proxy got %+v, want CONNECT only", c.name, r)
					}
				}
			} else if len(got) != c.hops {
				t.Errorf("%s: the proxy got %d requests (%+v), want %d", c.name, len(got), got, c.hops)
			}
		}
		if o.tls {
			s.Close()
			p.take()
			if _, err := s.Get(ctx, base+"/again"); err != nil {
				t.Fatal(err)
			}
			if got := p.take(); len(got) != 1 || got[0].Method != http.MethodConnect {
				t.Errorf("after Close: the proxy got %+v, want one CONNECT", got)
			}
		}
	})
}

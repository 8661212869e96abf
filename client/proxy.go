package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/idna"
)

// ErrProxy reports a proxy that could not be used. An invalid proxy URL
// is also [ErrInvalidURL], and fails the request before any I/O. A proxy
// that cannot be reached, refuses the credentials or refuses to open a
// tunnel is also [ErrConnect] (and [ErrTimeout] if a timeout fired). An
// error returned by the function given to [WithProxy] is wrapped with it.
var ErrProxy = errors.New("client: proxy")

// WithProxy sets a function that chooses the proxy of each request, as
// [http.Transport.Proxy] does: it returns the proxy's URL, or nil to send
// the request directly. It is called for every request the session's
// transport sends, each redirect hop and retry included. An error it
// returns fails the request with [ErrProxy] before any I/O. nil restores
// the default, proxies from the environment ([WithProxies] describes the
// rules that apply to every way of choosing a proxy).
func WithProxy(proxy func(*http.Request) (*url.URL, error)) Option {
	return optionFunc(func(c *config) {
		if proxy == nil {
			c.proxy = nil
			return
		}
		c.proxy = func(req *http.Request) (*url.URL, error) {
			u, err := proxy(req)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrProxy, err)
			}
			if u == nil {
				return nil, nil
			}
			if err := checkProxyURL(u); err != nil {
				return nil, err
			}
			return u, nil
		}
	})
}

// WithoutProxy sends every request of the session directly, whatever the
// environment says.
func WithoutProxy() Option {
	return optionFunc(func(c *config) {
		c.proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	})
}

// WithProxies sets the session's proxies by URL scheme and host, like the
// proxies argument of Python Requests:
//
//	client.WithProxies(map[string]string{
//		"http":                    "http://proxy.internal:3128",
//		"https":                   "http://user:pass@proxy.internal:3128",
//		"https://api.example.com": "socks5h://127.0.0.1:1080",
//		"all":                     "http://fallback.internal:8080",
//	})
//
// A key is "http", "https" or "all" (either scheme), optionally followed by
// "://" and a host name without a port, which limits it to that host. For
// each request the most specific key wins, in Requests' order:
// "scheme://host", then "scheme", then "all://host", then "all". A request
// that no key matches is sent directly. Keys compare case-insensitively;
// an empty value counts as no entry.
//
// The map replaces the environment: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
// NO_PROXY are not read by a session given one (Requests would still fill
// in the schemes the map leaves out from the environment). Entries apply
// to every host they cover, loopback addresses included; Requests'
// "no_proxy" key is not accepted (to exclude hosts, use [WithProxy]).
//
// Without WithProxies, [WithProxy] or [WithoutProxy], a session takes its
// proxies from the environment as it is when the session is created (the
// default session: when first used). HTTP_PROXY, HTTPS_PROXY and ALL_PROXY
// (for either scheme, when the scheme's own is not set) give the proxies;
// NO_PROXY lists the hosts to reach directly: host names (with their
// subdomains: "example.com" covers "www.example.com" but not
// "notexample.com"), ".example.com" or "*.example.com" for subdomains
// only, IP addresses, CIDR ranges, any of these with a port, and "*" for
// all. Each variable may be in upper or lower case; lower case is read
// first. localhost and loopback addresses are never proxied, and a CGI
// program ignores HTTP_PROXY, which a request's Proxy header could set.
// These are the rules of golang.org/x/net/http/httpproxy, which applies
// them; net/http's ProxyFromEnvironment would read the environment only
// once per process.
//
// Rules for every proxy, whether from this map, the environment or
// [WithProxy]:
//
//   - A proxy URL has the scheme http, https (TLS to the proxy), socks5 or
//     socks5h; without a scheme it is http. It names a host, and nothing
//     after it but an optional "/". An invalid URL or key in the map fails
//     every request of the session with [ErrProxy] and [ErrInvalidURL],
//     before any I/O; an invalid URL in the environment fails the requests
//     it would carry in the same way (rather than letting them go
//     directly, as net/http would).
//   - An http or https proxy receives plain-http requests as they are, and
//     opens a tunnel with CONNECT for https requests, so that TLS runs end
//     to end between the session and the server.
//   - With socks5 and socks5h alike, the proxy resolves host names (net/http
//     treats the two the same): the session never looks up a proxied host
//     itself, so no DNS query leaks around the proxy. curl and Requests
//     resolve names locally for socks5.
//   - A user name and password in the proxy URL (percent-decoded) are sent
//     to the proxy only: as Proxy-Authorization on plain-http requests and
//     on the CONNECT request, or as SOCKS5 user/password authentication.
//     They never reach a server through a tunnel, and never appear in logs
//     or error messages.
//   - A Proxy-Authorization header set by hand goes to the proxy only: on
//     plain-http requests sent to an http or https proxy, and otherwise on
//     the CONNECT request that opens a tunnel for an https request (on a
//     tunnel already open it is not sent again). It is dropped from
//     requests sent directly or through a SOCKS proxy. Credentials in the
//     proxy URL take precedence over it.
//   - A proxy that cannot be reached or refuses the request fails it with
//     [ErrProxy] and [ErrConnect].
//
// Proxies apply to the session's own transport only, not to one given with
// [WithTransport] or [Mount].
func WithProxies(proxies map[string]string) Option {
	return optionFunc(func(c *config) {
		t, err := newProxyTable(proxies)
		if err != nil {
			c.err = err
			return
		}
		c.proxy = func(req *http.Request) (*url.URL, error) { return t.proxyFor(req.URL), nil }
	})
}

// proxyTable holds the proxies of WithProxies, by normalised key.
type proxyTable map[string]*url.URL

func newProxyTable(proxies map[string]string) (proxyTable, error) {
	t := make(proxyTable, len(proxies))
	for k, v := range proxies {
		if v == "" {
			continue
		}
		key, err := proxyKey(k)
		if err != nil {
			return nil, err
		}
		u, err := parseProxyURL(v)
		if err != nil {
			return nil, fmt.Errorf("%w (key %q)", err, k)
		}
		t[key] = u
	}
	return t, nil
}

// proxyKey normalises a key of WithProxies: a scheme ("http", "https" or
// "all") in lower case, or that and "://" and a host name in lower-case
// ASCII.
func proxyKey(k string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: %w: proxies key %q: %s", ErrInvalidURL, ErrProxy, k, why)
	}
	scheme, host, hasHost := strings.Cut(strings.TrimSpace(k), "://")
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" && scheme != "all" {
		return "", bad(`the scheme must be "http", "https" or "all"`)
	}
	if !hasHost {
		return scheme, nil
	}
	u, err := url.Parse("http://" + host)
	if err != nil || u.Hostname() == "" || u.User != nil || u.Port() != "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", bad("a host must follow the scheme, without a port, path or user info")
	}
	h := u.Hostname()
	if net.ParseIP(h) == nil {
		if h, err = idna.Lookup.ToASCII(h); err != nil {
			return "", bad("invalid host name")
		}
	}
	return scheme + "://" + strings.ToLower(h), nil
}

// proxyFor returns the proxy for u, or nil, by Requests' order of keys.
func (t proxyTable) proxyFor(u *url.URL) *url.URL {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	for _, k := range [...]string{scheme + "://" + host, scheme, "all://" + host, "all"} {
		if p := t[k]; p != nil {
			return p
		}
	}
	return nil
}

// parseProxyURL parses a proxy URL as Requests and curl take one: a
// missing scheme means http.
func parseProxyURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// The parser's message without the URL, which may hold a password.
		return nil, fmt.Errorf("%w: %w: proxy URL: %w", ErrInvalidURL, ErrProxy, redactURLError(err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if err := checkProxyURL(u); err != nil {
		return nil, err
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %w: proxy URL %q has a path, query or fragment", ErrInvalidURL, ErrProxy, proxyName(u))
	}
	return u, nil
}

// checkProxyURL rejects proxy URLs that net/http cannot use.
func checkProxyURL(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "socks5", "socks5h":
	default:
		return fmt.Errorf("%w: %w: proxy URL %q: the scheme must be http, https, socks5 or socks5h", ErrInvalidURL, ErrProxy, proxyName(u))
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: %w: proxy URL %q has no host", ErrInvalidURL, ErrProxy, proxyName(u))
	}
	return nil
}

// envProxy returns the proxy function of a session that takes its proxies
// from the environment, as it is now (see WithProxies for the rules).
// net/http's ProxyFromEnvironment reads the environment once per process,
// so that a later change would never be seen, by tests or by long-lived
// programs.
func envProxy() func(*http.Request) (*url.URL, error) {
	all, allName := getenvAny("all_proxy", "ALL_PROXY")
	httpProxy, httpName := getenvAny("http_proxy", "HTTP_PROXY")
	if httpProxy == "" {
		httpProxy, httpName = all, allName
	}
	httpsProxy, httpsName := getenvAny("https_proxy", "HTTPS_PROXY")
	if httpsProxy == "" {
		httpsProxy, httpsName = all, allName
	}
	noProxy, _ := getenvAny("no_proxy", "NO_PROXY")

	// httpproxy ignores a value it cannot parse, which would send directly
	// what the environment meant for a proxy. An invalid value is replaced
	// by a placeholder that httpproxy still selects, and the request that
	// selects it fails.
	invalid := make(map[string]error)
	check := func(v *string, name string) {
		if *v == "" {
			return
		}
		if _, err := parseProxyURL(*v); err != nil {
			host := "invalid-" + strings.ReplaceAll(strings.ToLower(name), "_", "-") + ".invalid"
			invalid[host] = fmt.Errorf("%w (in %s)", err, name)
			*v = "http://" + host
		}
	}
	check(&httpProxy, httpName)
	check(&httpsProxy, httpsName)

	cfg := &httpproxy.Config{
		HTTPProxy:  httpProxy,
		HTTPSProxy: httpsProxy,
		NoProxy:    noProxy,
		CGI:        os.Getenv("REQUEST_METHOD") != "",
	}
	proxyFor := cfg.ProxyFunc()
	return func(req *http.Request) (*url.URL, error) {
		u, err := proxyFor(req.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProxy, err)
		}
		if u == nil {
			return nil, nil
		}
		if err := invalid[u.Host]; err != nil {
			return nil, err
		}
		return u, nil
	}
}

// getenvAny returns the first of the named variables that is set and not
// empty, and its name.
func getenvAny(names ...string) (value, name string) {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v, n
		}
	}
	return "", names[len(names)-1]
}

// proxyName names a proxy in messages: its scheme and host, never its
// credentials.
func proxyName(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// ownTransport is the bottom of a session's own transport chain. It
// chooses each request's proxy once, keeps proxy credentials away from
// servers, and says which proxy or host a connection failure is about.
type ownTransport struct {
	t     http.RoundTripper // the protocols (protocols.go), whose http.Transports' Proxy reads the choice made here
	proxy func(*http.Request) (*url.URL, error)
}

// proxyState is the proxy chosen for a request, carried to the
// transport's proxy hooks in the request's context.
type proxyState struct {
	url *url.URL
	// tunnels is set when the proxy is asked for a tunnel with CONNECT.
	tunnels bool
	// connectAuth is a Proxy-Authorization header set by hand, moved from
	// an https request to the CONNECT request of its tunnel.
	connectAuth string
	// connecting is set while a CONNECT request waits for its answer.
	connecting atomic.Bool
	// tunnel holds the connection to the proxy while its CONNECT is
	// bounded by the connect timeout (see boundConnect).
	tunnel atomic.Pointer[net.Conn]
}

type proxyStateKey struct{}

func (t *ownTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := t.proxy(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if u == nil {
		// Sent directly, as most requests are: the hooks that read the
		// state take its absence to mean no proxy, which spares a state
		// and a copy of the request with a new context per request.
		if req.Header.Get("Proxy-Authorization") != "" {
			req = req.Clone(req.Context())
			req.Header.Del("Proxy-Authorization")
		}
		resp, err := t.t.RoundTrip(req)
		if err != nil {
			return nil, explainConnError(req, nil, err)
		}
		return resp, nil
	}
	st := &proxyState{url: u}
	st.tunnels = u != nil && (u.Scheme == "http" || u.Scheme == "https") && req.URL.Scheme == "https"
	req = req.WithContext(context.WithValue(req.Context(), proxyStateKey{}, st))
	if auth := req.Header.Get("Proxy-Authorization"); auth != "" && !st.forwards(req, auth) {
		req.Header = req.Header.Clone()
		req.Header.Del("Proxy-Authorization")
	}
	resp, err := t.t.RoundTrip(req)
	if err != nil {
		return nil, explainConnError(req, st, err)
	}
	return resp, nil
}

// forwards reports whether a Proxy-Authorization header set by hand, auth,
// may stay on req: only if req goes to an http proxy, which it is for. For
// a tunnel it is moved to the CONNECT. Sent directly, through SOCKS or
// through a tunnel, req reaches the server, which must not see it. When
// the proxy URL has credentials, net/http sends those, and the header is
// dropped: two would be ambiguous.
func (st *proxyState) forwards(req *http.Request, auth string) bool {
	u := st.url
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	if req.URL.Scheme == "http" {
		return true
	}
	st.connectAuth = auth
	return false
}

// proxyFromContext is the Proxy of a session's http.Transport: the choice
// ownTransport made for the request.
func proxyFromContext(req *http.Request) (*url.URL, error) {
	if st, ok := req.Context().Value(proxyStateKey{}).(*proxyState); ok {
		return st.url, nil
	}
	return nil, nil
}

// proxyConnectHeader is the GetProxyConnectHeader of a session's
// http.Transport: it adds a Proxy-Authorization header set by hand to the
// CONNECT request. net/http then sets the proxy URL's credentials, if any,
// over it.
func proxyConnectHeader(ctx context.Context, _ *url.URL, _ string) (http.Header, error) {
	st, ok := ctx.Value(proxyStateKey{}).(*proxyState)
	if !ok {
		return nil, nil
	}
	st.connecting.Store(true)
	if st.connectAuth == "" {
		return nil, nil
	}
	return http.Header{"Proxy-Authorization": {st.connectAuth}}, nil
}

// checkProxyConnect is the OnProxyConnectResponse of a session's
// http.Transport: a CONNECT that is not answered 200 fails with ErrProxy.
func checkProxyConnect(ctx context.Context, proxyURL *url.URL, req *http.Request, resp *http.Response) error {
	if st, ok := ctx.Value(proxyStateKey{}).(*proxyState); ok {
		st.connecting.Store(false)
		if c := st.tunnel.Swap(nil); c != nil {
			(*c).SetDeadline(time.Time{}) // answered in time
		}
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return fmt.Errorf("%w: %s refused to open a tunnel to %s: %s", ErrProxy, proxyName(proxyURL), req.Host, resp.Status)
}

// boundConnect makes the connect timeout bound a proxy's CONNECT as well
// as the dial: net/http gives a CONNECT a minute of its own. A connection
// to a proxy that will be asked for a tunnel gets a deadline, lifted when
// the proxy answers (checkProxyConnect).
func boundConnect(dial DialFunc, timeout time.Duration) DialFunc {
	if timeout <= 0 {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if st, ok := ctx.Value(proxyStateKey{}).(*proxyState); ok && st.tunnels {
			conn.SetDeadline(time.Now().Add(timeout))
			st.tunnel.Store(&conn)
		}
		return conn, nil
	}
}

// explainConnError adds to a failed round trip's error which proxy failed
// ([ErrProxy]), or which host's certificate could not be verified.
// do.go classifies the result further.
func explainConnError(req *http.Request, st *proxyState, err error) error {
	if errors.Is(err, ErrProxy) {
		return err
	}
	if st != nil && st.url != nil && isProxyError(err, st) {
		return fmt.Errorf("%w: %s: %w", ErrProxy, proxyName(st.url), err)
	}
	return explainTLSError(req, err)
}

// isProxyError reports whether err is the failure of the proxy: reaching
// it (net/http reports "proxyconnect"), its SOCKS handshake, or a CONNECT
// that got no answer.
func isProxyError(err error, st *proxyState) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "proxyconnect" || op.Op == "socks connect") {
		return true
	}
	return st.connecting.Load()
}

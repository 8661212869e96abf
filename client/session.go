package client

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/requests3/requests/limiter"
	"golang.org/x/net/publicsuffix"
)

// Version is the library version sent in the default User-Agent.
const Version = "0.1.0"

// UserAgent is the User-Agent header a session sends unless told otherwise.
const UserAgent = "requests3/" + Version

// Session sends requests with shared settings, a pool of connections and a
// cookie jar, like a Requests Session. Create one with [NewSession] and reuse
// it: connections are kept alive between requests. A Session is safe for
// concurrent use by many goroutines; its settings are fixed when it is
// created. Call [Session.Close] when done to release idle connections.
//
// The zero Session is not usable.
type Session struct {
	cfg    config
	jar    http.CookieJar
	own    *protoTransport   // the session's own transport, if it built one
	rt     http.RoundTripper // middleware, mounts and the transport
	logger *zap.Logger
}

// NewSession returns a session with the options applied over the defaults:
// timeouts of 10s to connect and 30s in total, up to 30 redirects, response
// bodies up to 64 MiB, an in-memory cookie jar, proxies from the
// environment, TLS 1.2 or later with verification on, HTTP/2 where the
// server offers it, and no logging.
func NewSession(opts ...Option) *Session {
	c := config{
		maxRedirects: DefaultMaxRedirects,
		maxBodySize:  DefaultMaxBodySize,
		logger:       zap.NewNop(),
	}
	for _, o := range opts {
		if o != nil {
			o.applySession(&c)
		}
	}
	if err := c.timeouts.validate(); err != nil {
		c.err = err
	}
	if err := validHeader(c.header); err != nil && c.err == nil {
		c.err = err // checked once here, not for every request
	}
	c.timeouts = c.timeouts.withDefaults()
	s := &Session{cfg: c, logger: c.logger, jar: c.jar}
	if s.jar == nil && !c.noJar {
		s.jar = NewJar()
	}
	base := c.transport
	if base == nil {
		s.own = newProtoTransport(&c)
		proxy := c.proxy
		if proxy == nil {
			proxy = envProxy()
		}
		base = &ownTransport{t: s.own, proxy: proxy}
	}
	var rt http.RoundTripper = base
	if len(c.mounts) > 0 {
		rt = &mountTransport{mounts: sortMounts(c.mounts), base: base}
	}
	if c.limiter != nil {
		rt = limiter.Middleware(c.limiter)(rt)
	}
	for i := len(c.middleware) - 1; i >= 0; i-- {
		rt = c.middleware[i](rt)
	}
	s.rt = rt
	return s
}

// NewJar returns an in-memory cookie jar that follows RFC 6265 and refuses
// cookies set for public suffixes (such as "co.uk"), as browsers do.
func NewJar() *Jar {
	j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}) // never fails
	return &Jar{jar: j}
}

// newTransport builds the session's transport. Its pool keeps enough idle
// connections per host for heavy fan-out: net/http's default of two idle
// connections per host makes concurrent clients open and close connections
// all the time.
//
// The proxy of each request is chosen by ownTransport, which wraps it (see
// proxy.go); TLS settings come from tls.go.
func newTransport(c *config) *http.Transport {
	tlsConfig := c.tlsClientConfig()
	if tlsConfig.InsecureSkipVerify {
		c.logger.Warn("TLS certificate verification is off for this session")
	}
	return &http.Transport{
		Proxy:                 proxyFromContext,
		GetProxyConnectHeader: proxyConnectHeader,
		DialContext:           batchingDial(c.dialer()),
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   c.timeouts.Connect,
		ResponseHeaderTimeout: c.timeouts.Header,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       idleConnTimeout,
		ExpectContinueTimeout: time.Second,
		// Content decoding is the session's, so that the decoded size can be
		// capped and every encoding handled in one place.
		DisableCompression: true,

		OnProxyConnectResponse: checkProxyConnect,
	}
}

// dialer returns how the session's transports open connections: with the
// session's dialer, bounded by the connect timeout.
func (c *config) dialer() DialFunc {
	return boundConnect(boundDial(c.dial, c.timeouts.Connect), c.timeouts.Connect)
}

// Close releases the session's idle connections, and its HTTP/3
// connections and UDP socket once the requests in flight over them are done.
// Requests in flight are not interrupted; the session stays usable.
func (s *Session) Close() {
	if s.own != nil {
		s.own.CloseIdleConnections()
	}
}

// Jar returns the session's cookie jar, or nil if cookies are off.
func (s *Session) Jar() http.CookieJar { return s.jar }

// Get sends a GET request. See [Session.Do].
func (s *Session) Get(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodGet, url, opts)
}

// Head sends a HEAD request. See [Session.Do].
func (s *Session) Head(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodHead, url, opts)
}

// Post sends a POST request. See [Session.Do].
func (s *Session) Post(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodPost, url, opts)
}

// Put sends a PUT request. See [Session.Do].
func (s *Session) Put(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodPut, url, opts)
}

// Patch sends a PATCH request. See [Session.Do].
func (s *Session) Patch(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodPatch, url, opts)
}

// Delete sends a DELETE request. See [Session.Do].
func (s *Session) Delete(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodDelete, url, opts)
}

// Options sends an OPTIONS request. See [Session.Do].
func (s *Session) Options(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, http.MethodOptions, url, opts)
}

// Request sends a request with any method. See [Session.Do].
func (s *Session) Request(ctx context.Context, method, url string, opts ...RequestOption) (*Response, error) {
	return s.send(ctx, method, url, opts)
}

var defaultSession = sync.OnceValue(func() *Session { return NewSession() })

// Default returns the session used by the package-level functions such as
// [Get]. It has the default settings.
func Default() *Session { return defaultSession() }

// Get sends a GET request with the default session.
func Get(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Get(ctx, url, opts...)
}

// Head sends a HEAD request with the default session.
func Head(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Head(ctx, url, opts...)
}

// Post sends a POST request with the default session.
func Post(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Post(ctx, url, opts...)
}

// Put sends a PUT request with the default session.
func Put(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Put(ctx, url, opts...)
}

// Patch sends a PATCH request with the default session.
func Patch(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Patch(ctx, url, opts...)
}

// Delete sends a DELETE request with the default session.
func Delete(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Delete(ctx, url, opts...)
}

// Options sends an OPTIONS request with the default session.
func Options(ctx context.Context, url string, opts ...RequestOption) (*Response, error) {
	return Default().Options(ctx, url, opts...)
}

// Do sends a request with the default session.
func Do(ctx context.Context, r *Request) (*Response, error) {
	return Default().Do(ctx, r)
}

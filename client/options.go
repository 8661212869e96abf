package client

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/requests3/requests/limiter"
	"github.com/requests3/requests/retry"
)

// NoTimeout turns a timeout off where a duration is expected: in
// [WithTimeout], [Timeout] and the fields of [Timeouts]. It is the only way to
// make a request without a deadline.
const NoTimeout time.Duration = -1

// Default limits of a session.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultTotalTimeout   = 30 * time.Second
	DefaultMaxRedirects   = 30
	DefaultMaxBodySize    = 64 << 20 // 64 MiB
)

// Timeouts bound the phases of a request. A zero field takes its default; a
// field set to [NoTimeout] turns that bound off. Any other negative duration
// is a mistake (often a deadline already past): a session given one fails
// every request with [ErrInvalidRequest], before any I/O.
//
// A timeout that fires makes the call fail with an error that matches both
// [ErrTimeout] and [context.DeadlineExceeded]; a connect timeout also
// matches [ErrConnect].
type Timeouts struct {
	// Connect bounds dialing, including the TLS handshake and a proxy's
	// CONNECT. Default 10s.
	Connect time.Duration
	// Header bounds the wait for the response headers after the request
	// has been written. Default: none beyond Total.
	Header time.Duration
	// Total bounds the whole call: connecting, every redirect and retry, and
	// reading the body (for a streamed response, until Close). Default 30s.
	Total time.Duration
}

// withDefaults fills zero fields and turns NoTimeout into 0 (no bound).
func (t Timeouts) withDefaults() Timeouts {
	fill := func(d, def time.Duration) time.Duration {
		switch {
		case d == 0:
			return def
		case d < 0:
			return 0
		}
		return d
	}
	return Timeouts{
		Connect: fill(t.Connect, DefaultConnectTimeout),
		Header:  fill(t.Header, 0),
		Total:   fill(t.Total, DefaultTotalTimeout),
	}
}

// An Option configures a [Session]. Options are applied in order; where two
// set the same thing, the last one wins.
type Option interface {
	applySession(*config)
}

type optionFunc func(*config)

func (f optionFunc) applySession(c *config) { f(c) }

// config holds what the options set; NewSession turns it into a Session.
type config struct {
	timeouts     Timeouts
	baseURL      *url.URL
	err          error // the first invalid option, reported by every request
	header       http.Header
	auth         Auth
	noNetrc      bool
	jar          http.CookieJar
	noJar        bool
	maxRedirects int
	maxBodySize  int64
	middleware   []func(http.RoundTripper) http.RoundTripper
	logger       *zap.Logger
	hooks        hooks
	transport    http.RoundTripper
	mounts       []mount
	proxy        func(*http.Request) (*url.URL, error) // nil: from the environment
	tlsConfig    *tls.Config
	tlsOpts      tlsOptions
	dial         DialFunc
	retry        *retry.Policy
	limiter      *limiter.Limiter
	protocols    Protocols
	http3        HTTP3Config
	timings      bool // TraceTimings
}

// WithLimiter makes every request of the session, including each redirect
// hop and retry, obey l's per-host rate limits, concurrency caps and
// Retry-After pauses. Give the same l to an async pool (async.Limiter) and
// the pool's requests are admitted once, by the pool, so synchronous and
// pooled traffic to a host share one set of limits.
func WithLimiter(l *limiter.Limiter) Option {
	return optionFunc(func(c *config) { c.limiter = l })
}

// WithTimeout sets the total timeout of every request (Timeouts.Total).
// [NoTimeout] turns it off; any other negative duration is invalid, as in
// [Timeouts].
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.timeouts.Total = d })
}

// WithTimeouts sets every timeout of the session at once.
func WithTimeouts(t Timeouts) Option {
	return optionFunc(func(c *config) { c.timeouts = t })
}

// WithBaseURL sets the URL that request URLs without a scheme are joined
// to. The base is a prefix, not a page a link is resolved against: the
// request's path is appended to the base's path with one slash between
// them, whether either has a slash there or not. Under
// "https://api.test/v1" (or "https://api.test/v1/"), "users/1" and
// "/users/1" both give "https://api.test/v1/users/1", and "?page=2" gives
// "https://api.test/v1?page=2". A query in the base is kept, with the
// request's query after it. A request URL with a scheme ignores the base.
// An invalid base URL makes every request fail with [ErrInvalidURL].
func WithBaseURL(base string) Option {
	return optionFunc(func(c *config) {
		u, err := parseURL(base)
		if err == nil && (u.Scheme == "" || u.Host == "") {
			err = fmt.Errorf("%w: base URL %q is not absolute", ErrInvalidURL, base)
		}
		c.baseURL = u
		if err != nil {
			c.err = err
		}
	})
}

// WithHeader sets a header sent with every request of the session. A
// request's own [Header] overrides it, and [RemoveHeader] drops it.
func WithHeader(key, value string) Option {
	return optionFunc(func(c *config) {
		if c.header == nil {
			c.header = make(http.Header)
		}
		c.header.Set(key, value)
	})
}

// WithAuth sets the credentials sent with every request of the session. A
// request's own auth replaces them. They are never sent to another host
// after a redirect.
func WithAuth(a Auth) Option {
	return optionFunc(func(c *config) { c.auth = a })
}

// WithCookieJar sets the session's cookie jar. The default is an in-memory
// [Jar] that respects public suffixes. A nil jar turns cookies off.
func WithCookieJar(jar http.CookieJar) Option {
	return optionFunc(func(c *config) { c.jar, c.noJar = jar, jar == nil })
}

// WithMaxRedirects sets how many redirects a request follows (default 30).
// With 0 redirects are not followed: the 3xx response is returned.
func WithMaxRedirects(n int) Option {
	return optionFunc(func(c *config) { c.maxRedirects = max(n, 0) })
}

// WithMaxBodySize caps the size of a response body read into memory, after
// content decoding (default 64 MiB). A larger body fails with
// [ErrBodyTooLarge]. A negative size removes the cap.
func WithMaxBodySize(n int64) Option {
	return optionFunc(func(c *config) { c.maxBodySize = n })
}

// WithMiddleware wraps the session's transport. Each middleware sees every
// request the session sends, including redirects and retries. The first
// middleware given is the outermost.
func WithMiddleware(mw ...func(http.RoundTripper) http.RoundTripper) Option {
	return optionFunc(func(c *config) { c.middleware = append(c.middleware, mw...) })
}

// WithLogger sets the logger. The default logs nothing. Requests are logged
// at debug level, with URLs redacted and no credentials or cookies.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(c *config) {
		if l == nil {
			l = zap.NewNop()
		}
		c.logger = l
	})
}

// WithTransport replaces the session's own transport. Connect and header
// timeouts, proxies and TLS options apply only to the session's own
// transport; the total timeout applies to any.
func WithTransport(rt http.RoundTripper) Option {
	return optionFunc(func(c *config) { c.transport = rt })
}

// WithTLSConfig sets the TLS configuration of the session's transport. It
// is cloned; TLS versions below 1.2 are raised to 1.2. [WithRootCAs],
// [WithCAFile], [WithClientCert], [WithClientCertFile] and
// [WithInsecureSkipVerify] apply over it, whatever the order.
func WithTLSConfig(cfg *tls.Config) Option {
	return optionFunc(func(c *config) { c.tlsConfig = cfg.Clone() })
}

// Mount sends requests whose URL starts with prefix through rt instead of
// the session's transport, like Requests' transport adapters. The prefix
// matches on URL boundaries, not as a string: "https://example.com" matches
// "https://example.com/x" but neither "https://example.com.evil.net" nor
// "https://example.com:8443"; "https://example.com/api" matches
// "https://example.com/api/v1" but not "https://example.com/apiary".
// Scheme and host compare case-insensitively, a scheme's default port may
// be given or left out, and a prefix without a host ("mock://") matches
// every URL of its scheme. The most specific prefix wins; mounting the same
// prefix again replaces the transport. URLs of any scheme may be sent once
// a transport is mounted for them. A prefix that is not an absolute URL, or
// that has user info, a query or a fragment, makes every request fail with
// [ErrInvalidURL].
//
// Requests sent through rt still pass through the session's middleware,
// redirect policy, cookies and hooks.
func Mount(prefix string, rt http.RoundTripper) Option {
	return optionFunc(func(c *config) {
		m, err := newMount(prefix, rt)
		if err != nil {
			c.err = err
			return
		}
		c.mounts = append(c.mounts, m)
	})
}

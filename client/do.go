package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/requests3/requests/internal/attempt"
	"github.com/requests3/requests/internal/redact"
	"github.com/requests3/requests/retry"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// call is the state of one Do: what the request asked for, resolved against
// the session's settings, and what redirects have changed.
type call struct {
	s       *Session
	r       *Request
	origin  *url.URL // the first URL, whose origin credentials belong to
	auth    Auth
	maxBody int64
	maxHops int
	retry   *retry.Policy // nil: one attempt per hop

	conn         connState     // how the attempt under way got its connection
	defaults     [3]string     // the values of the default headers
	last         *http.Request // the request sent last
	manualCookie string        // a Cookie header set by hand, sent to the origin only
	manualAuth   string        // an Authorization header set by hand, likewise
	authKeys     []string      // headers an Auth set: its credentials, whatever their name
	// netrc, when set, supplies credentials for each hop's own host: they
	// belong to the host, so unlike c.auth they are looked up again after
	// a redirect to another host, but never once a redirect went from
	// https to http (downgraded).
	netrc *netrcAuth

	// The counter and flags are kept together, so that a call (allocated
	// with its response on every request) takes no padding.
	attempts int32 // requests sent, over all hops and retries
	stream   bool
	// stripped is set once a redirect leaves the origin (another host or
	// port, or https to http) or takes a hop from https to http. From then
	// on no credentials are sent, even if a later redirect comes back: a
	// server that redirected once may redirect anywhere.
	stripped   bool
	downgraded bool
}

// Do sends r and returns its response, following redirects. The body is read
// into memory and closed (up to the maximum body size) unless r asks to
// [Stream], in which case the caller must call [Response.Close].
//
// A non-2xx status is not an error; see [Response.CheckStatus]. Errors are
// [*RequestError] values wrapping [ErrTimeout], [ErrConnect],
// [ErrTooManyRedirects], [ErrInvalidURL], [ErrBodyTooLarge] or the cause.
// A done ctx fails the call at once without sending anything.
func (s *Session) Do(ctx context.Context, r *Request) (*Response, error) {
	return s.exchange(ctx, r, new(exchange))
}

// sendExchange is an exchange with room for the Request that Get and the
// like build.
type sendExchange struct {
	exchange
	req Request
}

// exchange is what one call allocates once: its state and its final
// response (with its body, if streamed); for Get and the like, a
// sendExchange adds the Request.
// They are allocated together because they live together: the response's
// request context refers to the call through its connection trace. Its
// size decides how soon the garbage collector runs again (see
// TestExchangeSize): what few calls need, such as timing phases, is
// allocated on its own.
type exchange struct {
	c    call
	resp Response
	body streamBody // the Body of a streamed response
}

// send sends a request built from method, url and opts, in x.
func (s *Session) send(ctx context.Context, method, url string, opts []RequestOption) (*Response, error) {
	x := new(sendExchange)
	x.req.Method, x.req.URL = method, url
	for _, o := range opts {
		if o != nil {
			o.applyRequest(&x.req)
		}
	}
	return s.exchange(ctx, &x.req, &x.exchange)
}

// exchange runs the call of r in x and logs it.
func (s *Session) exchange(ctx context.Context, r *Request, x *exchange) (*Response, error) {
	start := time.Now()
	resp, err := s.do(ctx, r, x, start)
	if ce := s.logger.Check(zap.DebugLevel, "request"); ce != nil {
		s.logRequest(ce, r, resp, err, start)
	}
	return resp, err
}

func (s *Session) do(ctx context.Context, r *Request, x *exchange, start time.Time) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.requestError(r, nil, classify(ctx, err))
	}
	ac := attempt.From(ctx)
	if ac != nil && !ac.For(r) {
		// ctx came from a response of a pool (its request's context):
		// this call is the caller's own, not the pool's attempt, and must
		// not be sent once, skip a limiter, nor be aborted by the pool.
		ctx, ac = attempt.Without(ctx), nil
	}
	ctx, cancel := s.withTimeout(ctx, r, start)
	if ac != nil {
		ac.Bind(cancel) // the pool aborts the call through it
	}
	c := &x.c
	c.conn.start = start // until the first round trip starts
	ctx = c.conn.trace(ctx, r.traceTimings(s))
	req, err := s.prepare(ctx, r, c)
	if err != nil {
		cancel()
		return nil, s.requestError(r, nil, err)
	}
	for _, hooks := range [][]func(*http.Request) error{s.cfg.hooks.request, r.hooks.onRequest()} {
		for _, h := range hooks {
			if err := h(req); err != nil {
				cancel()
				return nil, s.requestError(r, req.URL, err)
			}
		}
	}
	hresp, history, err := c.follow(req)
	if err != nil {
		cancel()
		var re *RedirectError
		if errors.As(err, &re) {
			re.Response.Elapsed = time.Since(start)
		}
		return nil, c.error(lastURL(req, history), err)
	}
	yield := waitsForReadLoop(hresp)
	if r.progress != nil {
		watchProgress(hresp, r.progress, 0, hresp.ContentLength)
	}
	resp := &x.resp
	resp.init(hresp, history)
	resp.maxBody = c.maxBody
	resp.Attempts = int(c.attempts)
	if c.stream {
		x.body = streamBody{rc: r.decodeStream(hresp), ctx: ctx, cancel: cancel, yield: yield}
		resp.Body = &x.body
	} else {
		// Classify before cancel: after it, every error would look like
		// the caller's cancellation.
		err := classify(ctx, resp.readAll(hresp, c.maxBody, r.rawBody()))
		cancel()
		// The transport's response (its body wrappers with it) is needed
		// only to hand a stream back through HTTPClient: a response kept
		// in memory need not keep it alive.
		resp.raw = nil
		if err != nil {
			return nil, c.error(hresp.Request.URL, err)
		}
		if yield {
			yieldToReadLoop()
		}
	}
	end := time.Now()
	resp.Timings = c.conn.timings(end)
	resp.Elapsed = end.Sub(start)
	for _, hooks := range [][]func(*Response) error{s.cfg.hooks.response, r.hooks.onResponse()} {
		for _, h := range hooks {
			if err := h(resp); err != nil {
				resp.Close()
				return nil, s.requestError(r, resp.URL, err)
			}
		}
	}
	return resp, nil
}

func lastURL(first *http.Request, history []*Response) *url.URL {
	if len(history) > 0 {
		return history[len(history)-1].URL
	}
	return first.URL
}

// withTimeout bounds ctx by the request's or session's total timeout,
// counted from start.
func (s *Session) withTimeout(ctx context.Context, r *Request, start time.Time) (context.Context, context.CancelFunc) {
	d := s.cfg.timeouts.Total
	if r.timeout != 0 {
		d = max(r.timeout, 0)
	}
	if d == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, start.Add(d))
}

// error wraps err as a *RequestError carrying the last request sent.
func (c *call) error(u *url.URL, err error) error {
	re := c.s.requestError(c.r, u, err).(*RequestError)
	re.Request = c.last
	return re
}

// requestError wraps err with the request's method and redacted URL.
func (s *Session) requestError(r *Request, u *url.URL, err error) error {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	where := redact.String(r.URL)
	if u != nil {
		where = redact.URL(u)
	}
	return &RequestError{Method: method, URL: where, Err: err}
}

func (s *Session) logRequest(ce *zapcore.CheckedEntry, r *Request, resp *Response, err error, start time.Time) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	fields := []zap.Field{zap.String("method", method), zap.Duration("elapsed", time.Since(start))}
	if resp != nil {
		fields = append(fields,
			zap.String("url", redact.URL(resp.URL)),
			zap.Int("status", resp.StatusCode),
			zap.String("proto", resp.Proto),
			zap.Int("redirects", len(resp.History)))
	} else {
		fields = append(fields, zap.String("url", redact.String(r.URL)))
	}
	if err != nil {
		// The error string carries a redacted URL and never header values.
		fields = append(fields, zap.String("error", err.Error()))
	}
	ce.Write(fields...)
}

// follow sends req and follows redirects by the session's policy. It returns
// the final response with its body unread, and the redirect responses before
// it, oldest first, their bodies read and closed.
func (c *call) follow(req *http.Request) (*http.Response, []*Response, error) {
	var history []*Response
	for {
		resp, err := c.send(req)
		if err != nil {
			return nil, history, err
		}
		loc := redirectLocation(resp)
		if loc == "" || c.maxHops == 0 {
			return resp, history, nil
		}
		if len(history) >= c.maxHops {
			last := newResponse(resp, history)
			last.readHistory(resp)
			last.Timings = c.conn.timings(time.Now())
			return nil, history, &RedirectError{Max: c.maxHops, Response: last}
		}
		next, err := c.redirect(req, resp, loc)
		if err != nil {
			drainClose(resp)
			return nil, history, err
		}
		if next == nil { // the body cannot be sent again: stop here
			return resp, history, nil
		}
		// A redirect carries the ones before it, as in Requests. The full
		// slice expression keeps later appends out of its view.
		h := newResponse(resp, history[:len(history):len(history)])
		h.readHistory(resp)
		h.Timings = c.conn.timings(time.Now())
		history = append(history, h)
		req = next
	}
}

// send sends one hop: the request, and the answer to an auth challenge.
func (c *call) send(req *http.Request) (*http.Response, error) {
	resp, err := c.roundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusUnauthorized || c.stripped {
		return resp, nil
	}
	ch, ok := c.auth.(Challenger)
	if !ok {
		return resp, nil
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // the body cannot be sent again
	}
	again := req.Clone(req.Context())
	again.Body = nil
	c.setCookies(again)
	answer, err := ch.Challenge(resp, again)
	if err != nil {
		drainClose(resp)
		return nil, fmt.Errorf("%w: %w", ErrAuth, err)
	}
	if !answer {
		return resp, nil
	}
	drainClose(resp)
	if req.Body != nil && req.Body != http.NoBody {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("%w: rewinding the body for an auth challenge: %w", ErrInvalidRequest, err)
		}
	} else {
		again.Body = req.Body
	}
	return c.roundTrip(again)
}

// attempt sends req once through the session's transport chain and stores
// the cookies of the response.
func (c *call) attempt(req *http.Request) (*http.Response, error) {
	c.attempts++
	c.conn.reset()
	c.last = req
	resp, err := c.s.rt.RoundTrip(req)
	if err != nil {
		return nil, classifyConn(req.Context(), err, c.conn.failed())
	}
	if err := req.Context().Err(); err != nil {
		// The call ended while its response was on the way, and a
		// transport may still hand that response over: an HTTP/3 server
		// can answer an upload whose stream the cancelation cut short,
		// and the answer is not the upload's. The call fails as it ended.
		resp.Body.Close()
		return nil, classify(req.Context(), err)
	}
	if c.s.jar != nil {
		if cookies := resp.Cookies(); len(cookies) > 0 {
			c.s.jar.SetCookies(req.URL, cookies)
		}
	}
	return resp, nil
}

// redirectLocation returns the Location of a redirect response, or "".
func redirectLocation(resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp.Header.Get("Location")
	}
	return ""
}

// redirect builds the request that follows resp. It returns nil if the
// redirect needs the body again and the body cannot be rewound.
func (c *call) redirect(req *http.Request, resp *http.Response, loc string) (*http.Request, error) {
	target, err := parseURL(loc)
	if err == nil {
		target = req.URL.ResolveReference(target)
		err = c.s.checkTarget(target)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: redirect to %q", ErrInvalidURL, redact.String(loc))
	}
	if target.Fragment == "" && req.URL.Fragment != "" {
		target.Fragment, target.RawFragment = req.URL.Fragment, req.URL.RawFragment
	}
	if target.User != nil {
		target.User = nil // credentials never come from a redirect
	}

	method := req.Method
	keepBody := false
	switch resp.StatusCode {
	case http.StatusSeeOther:
		if method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusFound:
		if method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusMovedPermanently:
		if method == http.MethodPost {
			method = http.MethodGet
		}
	default: // 307, 308
		keepBody = true
	}

	next := &http.Request{
		Method:     method,
		URL:        target,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     req.Header.Clone(),
		Host:       target.Host,
	}
	next = next.WithContext(req.Context())
	if keepBody {
		if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			b, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("%w: rewinding the body for a redirect: %w", ErrInvalidRequest, err)
			}
			next.Body, next.GetBody, next.ContentLength = b, req.GetBody, req.ContentLength
		} else if req.Body != nil && req.Body != http.NoBody {
			return nil, nil
		} else {
			next.Body, next.ContentLength = req.Body, req.ContentLength
		}
	} else {
		for _, h := range []string{"Content-Length", "Content-Type", "Transfer-Encoding", "Content-Encoding"} {
			next.Header.Del(h)
		}
	}

	// Credentials go only where the first request went, and never over a
	// hop that leaves it (an https to http hop back to an http origin).
	if !c.stripped && (!sameOrigin(c.origin, target) || !sameOrigin(req.URL, target)) {
		c.stripped = true
	}
	if req.URL.Scheme == "https" && target.Scheme == "http" {
		c.downgraded = true
	}
	// Authorization is derived afresh for each hop (addCredentials); a
	// Proxy-Authorization set by hand stays until the redirect leaves the
	// origin, and so does Proxy-Authenticate, as net/http treats it
	// (CVE-2025-4673).
	next.Header.Del("Authorization")
	for _, k := range c.authKeys {
		next.Header.Del(k)
	}
	if c.stripped {
		next.Header.Del("Proxy-Authorization")
		next.Header.Del("Proxy-Authenticate")
	}
	next.Header.Del("Cookie")
	next.Header.Del("Cookie2")
	if err := c.addCredentials(next); err != nil {
		return nil, err
	}
	return next, nil
}

// addCredentials sets the Cookie header and applies auth: the call's
// credentials unless a redirect has left the origin, or else netrc
// credentials for the request's own host.
func (c *call) addCredentials(req *http.Request) error {
	c.setCookies(req)
	if !c.stripped && c.manualAuth != "" {
		req.Header.Set("Authorization", c.manualAuth)
	}
	var a Auth
	switch {
	case c.auth != nil:
		if !c.stripped {
			a = c.auth
		}
	case c.netrc != nil && !c.downgraded:
		a = c.netrc
	}
	if a == nil {
		return nil
	}
	if na, ok := a.(*netrcAuth); ok {
		// Netrc, consulted for every request without credentials, sets
		// nothing but a base64 Authorization header: no need to copy the
		// headers to see what it set.
		had := req.Header["Authorization"]
		now := c.conn.start // a clock reading saved: the round trip is about to start
		if now.IsZero() {
			now = time.Now()
		}
		if err := na.apply(req, now); err != nil {
			return fmt.Errorf("%w: %w", ErrAuth, err)
		}
		if !slices.Equal(had, req.Header["Authorization"]) && !slices.Contains(c.authKeys, "Authorization") {
			c.authKeys = append(c.authKeys, "Authorization")
		}
		return nil
	}
	before := req.Header.Clone()
	if err := a.Apply(req); err != nil {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	for k, vs := range req.Header {
		if !slices.Equal(before[k], vs) && !slices.Contains(c.authKeys, k) {
			c.authKeys = append(c.authKeys, k)
		}
	}
	// Auth may set any header from any string, such as a token with CR
	// or LF in it: check what it set as the caller's own headers are.
	return validHeader(req.Header)
}

// setCookies sets the Cookie header. Until a redirect leaves the origin it
// is the header set by hand, if any, then the request's cookies, then the
// jar's, each leaving out names an earlier one sent. After that only the
// jar's cookies for the request's URL are sent.
func (c *call) setCookies(req *http.Request) {
	var parts []string
	var own map[string]bool // cookie names set for this request
	if !c.stripped {
		own = make(map[string]bool)
		if c.manualCookie != "" {
			parts = append(parts, c.manualCookie)
			for _, p := range strings.Split(c.manualCookie, ";") {
				name, _, _ := strings.Cut(p, "=")
				own[strings.TrimSpace(name)] = true
			}
		}
		var reqNames []string
		for _, ck := range c.r.cookies {
			if !own[ck.Name] {
				parts = append(parts, cookiePair(ck))
				reqNames = append(reqNames, ck.Name)
			}
		}
		for _, name := range reqNames {
			own[name] = true
		}
	}
	if c.s.jar != nil {
		for _, ck := range c.s.jar.Cookies(req.URL) {
			if !own[ck.Name] {
				parts = append(parts, cookiePair(ck))
			}
		}
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	} else {
		req.Header.Del("Cookie")
	}
}

// cookiePair returns "name=value" for ck, with the value quoted if it came
// quoted.
func cookiePair(ck *http.Cookie) string {
	return (&http.Cookie{Name: ck.Name, Value: ck.Value, Quoted: ck.Quoted}).String()
}

// sameOrigin reports whether credentials for a may be sent to b: the same
// host and port, and no downgrade from https. An upgrade from http on port
// 80 to https on port 443 of the same host keeps them, as Requests does.
func sameOrigin(a, b *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	pa, pb := portOf(a), portOf(b)
	if a.Scheme == b.Scheme {
		return pa == pb
	}
	return a.Scheme == "http" && b.Scheme == "https" && pa == "80" && pb == "443"
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

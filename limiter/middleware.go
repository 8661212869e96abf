package limiter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/requests3/requests/internal/attempt"
)

// MaxRetryAfter caps the pause [Middleware] takes from a Retry-After
// header: a server asking for more than an hour (or sending a value too
// large to represent) pauses its key for an hour.
const MaxRetryAfter = time.Hour

// Middleware returns HTTP middleware that makes requests obey l, the same
// limits as work admitted with [Limiter.TryAcquire]:
//
//   - Before the request is sent, it waits for the request's key (see
//     [KeyFunc]) as [Limiter.Wait] does, giving up with the request
//     context's error, wrapped, if that ends first.
//   - The permit is released when the response body has been read to its
//     end or closed, or at once if the round trip fails.
//   - A 429 or 503 response with a Retry-After header, in seconds or as an
//     HTTP date, pauses the key until then (at most [MaxRetryAfter] ahead),
//     so later requests to the host wait too. The response itself is
//     returned as it is, for the caller or a retry layer to handle.
//
// A request whose context comes from [WithAdmission] for l is not made to
// wait again, but its response can still pause the key.
//
// The request is never modified; the response's Body is wrapped. A nil l
// limits nothing, and Middleware(nil) returns next unchanged.
func Middleware(l *Limiter) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		if l == nil {
			return next
		}
		return &transport{l: l, next: next}
	}
}

type transport struct {
	l    *Limiter
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := t.l.key(req)
	var p Permit
	if !admitted(req.Context(), t.l) {
		var err error
		if p, err = t.l.wait(req.Context(), key); err != nil {
			// A RoundTripper closes the body, even on errors.
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("limiter: waiting for %s: %w", key, err)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp == nil {
		p.Release()
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if until, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			t.l.Pause(key, until)
		}
	}
	if p.h != nil {
		resp.Body = releaseOnDone(resp.Body, p)
	}
	return resp, nil
}

// key returns the key Middleware uses for req.
func (l *Limiter) key(req *http.Request) string {
	if fn := l.cfg.keyFunc; fn != nil {
		return fn(req)
	}
	return HostKey(req.URL)
}

type admissionKey struct{ l *Limiter }

// WithAdmission returns a copy of ctx telling l's [Middleware] that a
// request made with it has already been admitted by l, through
// [Limiter.TryAcquire] or [Limiter.Wait], and must not wait for a second
// permit. A scheduler that admits requests itself and then sends them
// through a client that also has l's Middleware uses it; without it, the
// request would count twice against the concurrency limits, and with a
// limit of one it would wait for itself forever.
func WithAdmission(ctx context.Context, l *Limiter) context.Context {
	return context.WithValue(ctx, admissionKey{l}, true)
}

func admitted(ctx context.Context, l *Limiter) bool {
	// The async pool marks its attempts through internal/attempt, which
	// saves it a context per request.
	if c := attempt.From(ctx); c != nil && c.Admitted == any(l) {
		return true
	}
	return ctx.Value(admissionKey{l}) != nil
}

// releaseOnDone wraps a response body so that p is released at the end of
// the body, on a read error, or on Close, whichever comes first. A body that
// is also an io.Writer (a 101 Switching Protocols connection) stays one.
func releaseOnDone(rc io.ReadCloser, p Permit) io.ReadCloser {
	if rc == nil || rc == http.NoBody {
		p.Release()
		return rc
	}
	b := &body{rc: rc, p: p}
	if w, ok := rc.(io.Writer); ok {
		return &rwBody{body: b, w: w}
	}
	return b
}

type body struct {
	rc io.ReadCloser
	p  Permit
}

func (b *body) Read(buf []byte) (int, error) {
	n, err := b.rc.Read(buf)
	if err != nil {
		b.p.Release()
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.p.Release()
	return err
}

type rwBody struct {
	*body
	w io.Writer
}

func (b *rwBody) Write(buf []byte) (int, error) { return b.w.Write(buf) }

// retryAfter parses a Retry-After value (RFC 9110, section 10.2.3), either
// delay-seconds or an HTTP date, into the time a pause should end. It
// reports false for a value it cannot parse and for one that asks for no
// wait. The pause ends at most MaxRetryAfter after now.
func retryAfter(v string, now time.Time) (until time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	limit := now.Add(MaxRetryAfter)
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs >= int64(MaxRetryAfter/time.Second) {
			return limit, true // too many digits for an int64 is too long too
		}
		if secs == 0 {
			return time.Time{}, false
		}
		return now.Add(time.Duration(secs) * time.Second), true
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return time.Time{}, false
	}
	if t.After(limit) {
		return limit, true
	}
	return t, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

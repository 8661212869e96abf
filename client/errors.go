package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/requests3/requests/internal/redact"
)

// Sentinel errors. Errors returned by a [Session] wrap one of these (joined to
// the underlying cause) so that callers can branch with [errors.Is].
var (
	// ErrTimeout reports that a timeout fired: the session's or request's
	// deadline, a connect timeout or a response header timeout. Every error
	// that is ErrTimeout is also context.DeadlineExceeded.
	ErrTimeout error = &timeoutError{}

	// ErrConnect reports that no connection could be made: refused, reset
	// during dial, DNS failure, proxy failure or TLS handshake failure. A
	// connect timeout is both ErrConnect and ErrTimeout.
	ErrConnect = errors.New("client: connection failed")

	// ErrTooManyRedirects reports that the redirect limit was reached. The
	// error is a [*RedirectError] carrying the last response and history.
	ErrTooManyRedirects = errors.New("client: too many redirects")

	// ErrInvalidURL reports a URL that cannot be requested: unparsable,
	// without a host, or with an unsupported scheme.
	ErrInvalidURL = errors.New("client: invalid URL")

	// ErrInvalidHeader reports a header name or value that cannot be sent,
	// such as one containing CR or LF.
	ErrInvalidHeader = errors.New("client: invalid header")

	// ErrBodyTooLarge reports a response body larger than the session's
	// maximum body size (after decoding).
	ErrBodyTooLarge = errors.New("client: response body too large")

	// ErrInvalidRequest reports a request that cannot be built: conflicting
	// body options, a value that cannot be encoded as JSON, a bad method.
	ErrInvalidRequest = errors.New("client: invalid request")

	// ErrContentDecoding reports a response body that could not be decoded
	// from its Content-Encoding: a corrupt or truncated gzip, deflate, br
	// or zstd stream, or a zstd stream that needs more than 8 MiB of
	// window. A connection that fails mid-body is not a decoding error.
	ErrContentDecoding = errors.New("client: content decoding failed")
)

// timeoutError is the type of ErrTimeout. It matches context.DeadlineExceeded
// under errors.Is and reports Timeout() like net.Error.
type timeoutError struct{}

func (*timeoutError) Error() string        { return "client: timeout" }
func (*timeoutError) Timeout() bool        { return true }
func (*timeoutError) Temporary() bool      { return true }
func (*timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// RequestError describes a request that failed. Its URL is redacted:
// passwords and secret-looking query values are masked.
type RequestError struct {
	Method string // the HTTP method
	URL    string // the redacted URL of the request that failed
	Err    error  // the cause, wrapping one of the sentinel errors where one applies

	// Request is the last request sent or attempted, for inspection and
	// retry decisions; nil if the call failed before one was built. Its
	// body has been consumed.
	Request *http.Request
}

func (e *RequestError) Error() string {
	return "client: " + e.Method + " " + strconv.Quote(e.URL) + ": " + trimPrefix(e.Err.Error())
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request failed because a timeout fired.
func (e *RequestError) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// trimPrefix drops a leading "client: " from a cause so that messages do not
// repeat the package name.
func trimPrefix(s string) string {
	const p = "client: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// StatusError is returned by [Response.CheckStatus] for a 4xx or 5xx response.
type StatusError struct {
	StatusCode int
	Status     string // as sent by the server, such as "404 Not Found"
	Method     string
	URL        string // redacted
	Response   *Response
}

func (e *StatusError) Error() string {
	kind := "client error"
	if e.StatusCode >= 500 {
		kind = "server error"
	}
	return fmt.Sprintf("client: %s: %s for %s %s", kind, e.Status, e.Method, strconv.Quote(e.URL))
}

// RedirectError is returned when the redirect limit is reached. It wraps
// [ErrTooManyRedirects].
type RedirectError struct {
	Max      int       // the limit that was reached
	Response *Response // the last redirect response, its history attached
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("client: too many redirects: stopped after %d", e.Max)
}

// Unwrap returns ErrTooManyRedirects.
func (e *RedirectError) Unwrap() error { return ErrTooManyRedirects }

// classify wraps a transport error with the sentinel that describes it. ctx is
// the context of the call, to tell the caller's cancellation from timeouts.
func classify(ctx context.Context, err error) error {
	return classifyConn(ctx, err, false)
}

// classifyConn is classify for a round trip; connecting reports that it
// failed before a connection was ready, whatever the error's type.
func classifyConn(ctx context.Context, err error, connecting bool) error {
	if err == nil || isClassified(err) {
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller gave up: report that, not a timeout or a failed dial.
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%w: %w", context.Canceled, err)
	}
	timeout := errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		timeout = true
	}
	connect := connecting || isConnectError(err)
	switch {
	case timeout && connect:
		return fmt.Errorf("%w: %w: %w", ErrConnect, ErrTimeout, err)
	case timeout:
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case connect:
		return fmt.Errorf("%w: %w", ErrConnect, err)
	}
	return err
}

// isClassified reports whether err already carries one of the sentinels.
func isClassified(err error) bool {
	for _, s := range []error{ErrTimeout, ErrConnect, ErrBodyTooLarge, ErrInvalidURL, ErrTooManyRedirects, ErrInvalidHeader, ErrInvalidRequest, ErrContentDecoding} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// isConnectError reports whether err happened before a connection was ready
// to carry the request: dial, DNS, proxy and TLS handshake failures.
func isConnectError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var (
		rh   tls.RecordHeaderError
		cv   *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		alrt tls.AlertError
	)
	if errors.As(err, &rh) || errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) ||
		errors.As(err, &ci) || errors.As(err, &alrt) {
		return true
	}
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return true
	}
	return errors.Is(err, http.ErrSchemeMismatch)
}

func redactURL(u *url.URL) string { return redact.URL(u) }

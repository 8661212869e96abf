package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
)

// DefaultClassify is the classifier of the zero [Policy]. It reports whether
// an attempt that ended with resp and err is worth another try:
//
//   - An error from a connection that failed before any response: refused,
//     reset, aborted, a broken pipe, EOF or an unexpected EOF from the
//     server, a closed connection, a timeout of the attempt (a dial or
//     response-header timeout), or a temporary DNS failure. Errors are
//     matched with [errors.Is] and [errors.As], never by their text.
//   - A 429, 502, 503 or 504 response.
//
// Either is retried only for an [Idempotent] request, with one exception: a
// dial that failed (including a refused connection) never sent the request,
// so it is retried whatever the method.
//
// Everything else is final: other statuses, a host that does not exist,
// TLS and certificate errors, malformed responses, redirect errors, and
// cancellation (an error that wraps [context.Canceled]).
//
// DefaultClassify looks only at the outcome. [Policy.Next] adds the checks
// that hold for any classifier: the caller's context is still live and the
// request body can be rewound.
func DefaultClassify(req *http.Request, resp *http.Response, err error) bool {
	if err != nil {
		if !transient(err) {
			return false
		}
		return neverSent(err) || Idempotent(req)
	}
	if resp == nil {
		return false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests,
		http.StatusBadGateway,
		http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return Idempotent(req)
	}
	return false
}

// Idempotent reports whether req may be sent more than once with the same
// effect as once: its method is GET, HEAD, OPTIONS, TRACE, PUT or DELETE
// (an empty method means GET), or it carries an Idempotency-Key or
// X-Idempotency-Key header. As in net/http, a header key present with a nil
// value counts, so a request can be marked idempotent without sending the
// header. A nil req is not idempotent.
func Idempotent(req *http.Request) bool {
	if req == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	_, ok := req.Header["X-Idempotency-Key"]
	return ok
}

// transient reports whether err is a failure of the connection or of the
// attempt's own timeouts, which another attempt may not meet.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	// A DNS answer is transient only if the resolver says so: a host that
	// does not exist will not exist on the next attempt either.
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed):
		return true
	}
	for _, target := range platformConnErrors {
		if errors.Is(err, target) {
			return true
		}
	}
	// An HTTP/2 stream the server reset: the connection lives on, and so
	// may the next attempt.
	if se, ok := errors.AsType[streamError](err); ok {
		switch se.Code {
		case h2InternalError, h2RefusedStream, h2Cancel:
			return true
		}
		return false
	}
	// Every timeout in net and net/http (dial, deadline, response header,
	// Client.Timeout) implements net.Error. Whether the caller's own context
	// ended is for Policy.Next to decide, from the request.
	if ne, ok := errors.AsType[net.Error](err); ok {
		return ne.Timeout()
	}
	return false
}

// neverSent reports whether err shows that no connection was made, so the
// request cannot have reached the server.
func neverSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	// RFC 9113 section 8.7: a refused stream was not processed at all.
	if se, ok := errors.AsType[streamError](err); ok && se.Code == h2RefusedStream {
		return true
	}
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "dial"
}

// streamError has the shape of golang.org/x/net/http2.StreamError. The
// stream errors of net/http's own HTTP/2 client convert to any struct of
// that shape under errors.As (net/http's h2_error.go), which reads the
// HTTP/2 error code without importing x/net/http2.
type streamError struct {
	StreamID uint32
	Code     uint32
	Cause    error
}

func (e streamError) Error() string { return "retry: http2 stream error" }

// HTTP/2 error codes (RFC 9113 section 7) that reset one stream of a live
// connection without a fault of the request.
const (
	h2InternalError = 0x2
	h2RefusedStream = 0x7
	h2Cancel        = 0x8
)

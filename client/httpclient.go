package client

import (
	"io"
	"net/http"
	"sync"
)

// HTTPClient returns a standard [*http.Client] that sends every request
// through the session, for libraries and SDKs that take one. Requests made
// with it get the session's headers, credentials, cookie jar, redirect
// policy (credentials are never carried to another origin), hooks,
// middleware, mounts, logging and timeouts, just like [Session.Do].
//
// The caller's *http.Request is not modified: its headers replace the
// session's headers of the same name, and its body is streamed to the
// server, not read into memory (it is rewound with GetBody for a 307 or 308
// redirect). The response body is streamed back too: the caller must close
// it, as with any *http.Client. A gzip or deflate body is decoded, and
// Content-Encoding and Content-Length removed, unless the request set its
// own Accept-Encoding, as net/http does.
//
// The session follows redirects itself, so CheckRedirect returns
// [http.ErrUseLastResponse]: the client returns whatever response the
// session stopped at, and never follows a redirect a second time. Jar is
// nil: cookies live in the session's jar, shared with [Session.Do].
//
// Timeout is zero: the session's total timeout already bounds each request,
// until its response body is closed, and its errors then match
// [ErrTimeout]; errors pass through [*url.Error] untouched, so [errors.Is]
// and [errors.As] find [ErrConnect], [ErrTimeout] and [*RequestError]. A
// caller may still set a Timeout of its own; an error from that one matches
// [context.DeadlineExceeded] but not ErrTimeout.
//
// Each call returns a new client; all of them share the session.
func (s *Session) HTTPClient() *http.Client {
	return &http.Client{
		Transport:     &sessionTransport{s: s},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sessionTransport is the http.RoundTripper of [Session.HTTPClient].
type sessionTransport struct{ s *Session }

// RoundTrip sends req with the session, following redirects.
func (t *sessionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a := &adapted{req: req}
	if req.Body != nil && req.Body != http.NoBody {
		a.body = &onceCloser{rc: req.Body}
	}
	r := &Request{
		Method: req.Method,
		URL:    req.URL.String(),
		header: req.Header.Clone(),
		stream: true,
		from:   a,
	}
	resp, err := t.s.Do(req.Context(), r)
	if err != nil {
		if a.body != nil {
			a.body.Close() // a RoundTripper always closes the request body
		}
		return nil, err
	}
	return a.response(resp), nil
}

// CloseIdleConnections closes the session's idle connections, so that
// [http.Client.CloseIdleConnections] works as it does with net/http.
func (t *sessionTransport) CloseIdleConnections() { t.s.Close() }

// adapted is a request that came in through the HTTPClient adapter.
type adapted struct {
	req  *http.Request
	body *onceCloser // req.Body, or nil if it has none
}

// adopt gives the prepared request the caller's body, as it is: streamed,
// with its length and GetBody. A Host that differs from the URL's is kept.
func (a *adapted) adopt(req *http.Request) {
	if a.req.Host != "" && a.req.Host != a.req.URL.Host {
		req.Host = a.req.Host
	}
	if a.body == nil {
		return
	}
	req.Body = a.body
	req.ContentLength = a.req.ContentLength
	if req.ContentLength == 0 {
		req.ContentLength = -1 // for client requests, 0 with a body means unknown
	}
	req.GetBody = a.req.GetBody
}

// rawEncoding reports whether the caller asked for an encoding itself, and
// so gets the body as it came.
func (a *adapted) rawEncoding() bool {
	return a.req.Header.Get("Accept-Encoding") != ""
}

// decodeStream returns the body of a streamed response, decoded unless the
// request asked for it as sent.
func (r *Request) decodeStream(h *http.Response) io.ReadCloser {
	rc, _ := decode(h, r.rawBody())
	return rc
}

// rawBody reports whether the response body is to be left as sent: asked
// with Decompress(false), or by a request that came through the adapter
// with its own Accept-Encoding.
func (r *Request) rawBody() bool {
	return r.noDecode || (r.from != nil && r.from.rawEncoding())
}

// response turns a streamed response back into an *http.Response whose
// Body is the session's stream: closing it ends the request.
func (a *adapted) response(r *Response) *http.Response {
	raw := r.raw
	out := &http.Response{
		Status:           raw.Status,
		StatusCode:       raw.StatusCode,
		Proto:            raw.Proto,
		ProtoMajor:       raw.ProtoMajor,
		ProtoMinor:       raw.ProtoMinor,
		Header:           raw.Header,
		Body:             r.Body,
		ContentLength:    raw.ContentLength,
		TransferEncoding: raw.TransferEncoding,
		Close:            raw.Close,
		Uncompressed:     raw.Uncompressed,
		Trailer:          raw.Trailer,
		Request:          raw.Request,
		TLS:              raw.TLS,
	}
	if !a.rawEncoding() && decodable(raw) {
		out.Header = raw.Header.Clone()
		out.Header.Del("Content-Encoding")
		out.Header.Del("Content-Length")
		out.ContentLength = -1
		out.Uncompressed = true
	}
	return out
}

// onceCloser closes a caller's body at most once: the transport closes it
// when it is sent, and the adapter when the call fails before that.
type onceCloser struct {
	rc   io.ReadCloser
	once sync.Once
	err  error
}

func (c *onceCloser) Read(p []byte) (int, error) { return c.rc.Read(p) }

func (c *onceCloser) Close() error {
	c.once.Do(func() { c.err = c.rc.Close() })
	return c.err
}

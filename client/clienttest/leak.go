package clienttest

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/internal/redact"
)

// CheckClosed returns a session option that fails t, when t's cleanup runs,
// if a response body the session received was never closed: a streamed
// response ([client.Stream]) whose Close was not called, or a response of
// [client.Session.HTTPClient] whose Body was not closed. The failure lists
// the method and URL of each, with secrets in the URL redacted.
//
// It wraps every response the session's transport returns, including
// redirect hops, so give it to the session under test:
//
//	s := client.NewSession(clienttest.CheckClosed(t))
func CheckClosed(t testing.TB) client.Option {
	t.Helper()
	c := &closeChecker{}
	t.Cleanup(func() {
		if open := c.open(); len(open) > 0 {
			t.Errorf("clienttest: %d response bodies never closed:\n\t%s", len(open), strings.Join(open, "\n\t"))
		}
	})
	return client.WithMiddleware(c.middleware)
}

// closeChecker tracks the response bodies a session's transport returned.
type closeChecker struct {
	mu     sync.Mutex // guards bodies
	bodies []*trackedBody
}

func (c *closeChecker) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if resp != nil && resp.Body != nil {
			b := &trackedBody{ReadCloser: resp.Body, what: req.Method + " " + redact.URL(req.URL)}
			c.mu.Lock()
			c.bodies = append(c.bodies, b)
			c.mu.Unlock()
			resp.Body = b
		}
		return resp, err
	})
}

// open lists the bodies not closed yet.
func (c *closeChecker) open() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, b := range c.bodies {
		if !b.isClosed() {
			out = append(out, b.what)
		}
	}
	return out
}

type trackedBody struct {
	io.ReadCloser
	what string

	mu     sync.Mutex // guards closed
	closed bool
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.ReadCloser.Close()
}

func (b *trackedBody) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

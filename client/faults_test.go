package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// fault is one misbehaving server reply and what a session must make of it.
type fault struct {
	name   string
	reply  clienttest.Reply
	h1Only bool // the fault exists only in HTTP/1.1's byte stream
	// once runs the fault under HTTP/1.1 only: what it tests does not
	// depend on the protocol, and it is slow under the race detector.
	once bool
	sess []client.Option
	req  []client.RequestOption
	// check judges the outcome of a GET of the faulty path; the response
	// is non-nil only when err is nil.
	check func(t *testing.T, resp *client.Response, err error)
}

// wantErr returns a check that wants a *RequestError matching every error
// of is (errors.Is) and none of not.
func wantErr(is []error, not ...error) func(*testing.T, *client.Response, error) {
	return func(t *testing.T, resp *client.Response, err error) {
		t.Helper()
		var re *client.RequestError
		if !errors.As(err, &re) {
			t.Fatalf("got %v (%T), want a *client.RequestError", err, err)
		}
		if resp != nil {
			t.Errorf("got a response with the error %v", err)
		}
		for _, want := range is {
			if !errors.Is(err, want) {
				t.Errorf("got %v, want errors.Is(err, %v)", err, want)
			}
		}
		for _, no := range not {
			if errors.Is(err, no) {
				t.Errorf("got %v, want !errors.Is(err, %v)", err, no)
			}
		}
	}
}

// broken is the check for a response the server spoilt: an error, neither
// a timeout nor a connect failure nor a body-size error.
var broken = wantErr(nil, client.ErrTimeout, client.ErrConnect, client.ErrBodyTooLarge, context.Canceled)

const mib = 1 << 20

// faults returns the faults TestFaults runs. It is a function, not a
// variable, so that its bombs and huge headers (some 12 MiB) are made when
// the test runs and not held by every test of the package.
func faults() []fault {
	return []fault{
		{
			name:  "reset before headers",
			reply: clienttest.Reply{Reset: true},
			check: broken,
		},
		{
			name:  "reset after headers",
			reply: clienttest.Reply{Header: http.Header{"Content-Length": {"100"}}, Body: "partial", Reset: true},
			check: broken,
		},
		{
			name:   "stall during headers",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nContent-Type: text/pl", Stall: true},
			h1Only: true,
			sess:   []client.Option{client.WithTimeouts(client.Timeouts{Header: short})},
			check:  wantErr([]error{client.ErrTimeout, context.DeadlineExceeded}, client.ErrConnect),
		},
		{
			name:  "stall before headers",
			reply: clienttest.Reply{Delay: time.Hour},
			sess:  []client.Option{client.WithTimeouts(client.Timeouts{Header: short})},
			check: wantErr([]error{client.ErrTimeout, context.DeadlineExceeded}, client.ErrConnect),
		},
		{
			name:  "stall during body",
			reply: clienttest.Reply{Body: "partial", Stall: true},
			req:   []client.RequestOption{client.Timeout(short)},
			check: wantErr([]error{client.ErrTimeout, context.DeadlineExceeded}, client.ErrConnect),
		},
		{
			name:   "body shorter than Content-Length",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"},
			h1Only: true,
			check:  wantErr([]error{io.ErrUnexpectedEOF}, client.ErrTimeout, client.ErrConnect),
		},
		{
			name:  "handler writes less than its Content-Length",
			reply: clienttest.Reply{Header: http.Header{"Content-Length": {"100"}}, Body: "short"},
			check: broken,
		},
		{
			name:  "body shorter than Content-Length, then reset",
			reply: clienttest.Reply{Header: http.Header{"Content-Length": {"100"}}, Body: "short", Reset: true},
			check: broken,
		},
		{
			name:   "broken chunked encoding",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n"},
			h1Only: true,
			check:  broken,
		},
		{
			name:   "chunked encoding cut short",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"},
			h1Only: true,
			check:  wantErr([]error{io.ErrUnexpectedEOF}, client.ErrTimeout),
		},
		{
			name:   "garbage status line",
			reply:  clienttest.Reply{Raw: "HTPT/1.1 2OO 0K\r\nContent-Length: 2\r\n\r\nok"},
			h1Only: true,
			check:  broken,
		},
		{
			name:   "no status line at all",
			reply:  clienttest.Reply{Raw: "<html>hello</html>\r\n\r\n"},
			h1Only: true,
			check:  broken,
		},
		{
			name:   "conflicting Content-Length",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\nok"},
			h1Only: true,
			check:  broken,
		},
		{
			name:   "Content-Length and Transfer-Encoding",
			reply:  clienttest.Reply{Raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
			h1Only: true,
			// RFC 9112 section 6.3: chunked wins and Content-Length is ignored.
			check: wantBody("ok"),
		},
		{
			name:  "1 MiB header",
			reply: clienttest.Reply{Header: http.Header{"X-Big": {strings.Repeat("h", mib)}}, Body: "ok"},
			check: func(t *testing.T, resp *client.Response, err error) {
				wantBody("ok")(t, resp, err)
				if got := len(resp.Header.Get("X-Big")); got != mib {
					t.Errorf("X-Big has %d bytes, want %d", got, mib)
				}
			},
		},
		{
			name:  "header over net/http's 10 MiB limit",
			reply: clienttest.Reply{Header: http.Header{"X-Big": {strings.Repeat("h", 10*mib+1)}}, Body: "ok"},
			// HTTP/2 enforces the same limit through SETTINGS_MAX_HEADER_LIST_SIZE,
			// but HPACK-encoding 10 MiB takes seconds under the race detector.
			once:  true,
			check: broken,
		},
		{
			name:  "endless body",
			reply: clienttest.Reply{Endless: true},
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "endless body under the total timeout",
			reply: clienttest.Reply{Endless: true},
			req:   []client.RequestOption{client.MaxBodySize(-1), client.Timeout(short)},
			check: wantErr([]error{client.ErrTimeout, context.DeadlineExceeded}, client.ErrConnect),
		},
		{
			name:  "gzip bomb",
			reply: clienttest.Bomb("gzip", 100*mib),
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "gzip bomb under the default limit",
			reply: clienttest.Bomb("gzip", client.DefaultMaxBodySize+mib),
			once:  true,
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "deflate bomb",
			reply: clienttest.Bomb("deflate", 8*mib),
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "zstd bomb",
			reply: clienttest.Bomb("zstd", 100*mib),
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "br bomb",
			reply: clienttest.Bomb("br", 16*mib),
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "nested gzip bomb",
			reply: nestedBomb(),
			req:   []client.RequestOption{client.MaxBodySize(mib)},
			check: wantErr([]error{client.ErrBodyTooLarge}, client.ErrTimeout),
		},
		{
			name:  "corrupt gzip",
			reply: clienttest.Reply{Header: http.Header{"Content-Encoding": {"gzip"}}, Body: "\x1f\x8b\x08\x00garbage"},
			check: wantErr([]error{client.ErrContentDecoding}, client.ErrTimeout, client.ErrConnect, client.ErrBodyTooLarge),
		},
		{
			name:  "redirect loop",
			reply: clienttest.Reply{Status: http.StatusFound, Header: http.Header{"Location": {"/fault"}}},
			req:   []client.RequestOption{client.MaxRedirects(5)},
			check: func(t *testing.T, resp *client.Response, err error) {
				wantErr([]error{client.ErrTooManyRedirects})(t, resp, err)
				var re *client.RedirectError
				if !errors.As(err, &re) || len(re.Response.History) != 5 {
					t.Errorf("got %v, want a *RedirectError with 5 responses of history", err)
				}
			},
		},
		{
			name:  "redirect to a non-HTTP scheme",
			reply: clienttest.Reply{Status: http.StatusFound, Header: http.Header{"Location": {"file:///etc/passwd"}}},
			check: wantErr([]error{client.ErrInvalidURL}),
		},
		{
			name:  "slow drip",
			reply: clienttest.Reply{Body: strings.Repeat("d", 100), Drip: 10 * time.Millisecond},
			req:   []client.RequestOption{client.Timeout(short)},
			check: wantErr([]error{client.ErrTimeout, context.DeadlineExceeded}, client.ErrConnect),
		},
		{
			name:  "slow drip within the timeout",
			reply: clienttest.Reply{Body: "drip", Drip: time.Millisecond},
			check: wantBody("drip"),
		},
	}
}

func wantBody(want string) func(*testing.T, *client.Response, error) {
	return func(t *testing.T, resp *client.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("got %v, want body %q", err, want)
		}
		if got, _ := resp.Text(); got != want {
			t.Errorf("got body %q, want %q", got, want)
		}
	}
}

// TestFaults sends a request to a server misbehaving in each way of
// faults, under HTTP/1.1 and HTTP/2 where the fault exists in both. Each
// gives the error (or result) its check wants, and afterwards no goroutine
// is left running and every connection the server accepted is closed.
func TestFaults(t *testing.T) {
	cases := faults()
	for _, p := range []struct {
		name  string
		h2    bool
		start func(clienttest.Script) *clienttest.Server
	}{{"HTTP/1.1", false, clienttest.NewServer}, {"HTTP/2", true, clienttest.NewTLSServer}} {
		t.Run(p.name, func(t *testing.T) {
			for _, f := range cases {
				if (f.h1Only || f.once) && p.h2 {
					continue
				}
				t.Run(f.name, func(t *testing.T) {
					defer goleak.VerifyNone(t)
					srv := p.start(clienttest.Script{"/fault": {f.reply}, "/warm": {{}}})
					defer srv.Close()
					s := srv.Session(f.sess...)
					warmUnderTimeouts(t, s, srv) // a connect timeout is not what is tested
					start := time.Now()
					resp, err := s.Get(context.Background(), srv.URL+"/fault", f.req...)
					elapsed := time.Since(start)
					f.check(t, resp, err)
					// Every timeout in faults is short; the one meant to
					// fire does so on time, not a longer one behind it
					// (the session's 30s total).
					if errors.Is(err, client.ErrTimeout) && (elapsed < short || elapsed > short+2*time.Second) {
						t.Errorf("timed out after %v, want about %v", elapsed, short)
					}
					checkConnsClosed(t, s, srv)
				})
			}
		})
	}
}

// warmUnderTimeouts is warm for a session whose header timeout is short:
// on a loaded machine the first request's TLS handshake and HTTP/2 setup
// can outlast it, and a later try reuses the connection the first opened.
func warmUnderTimeouts(t *testing.T, s *client.Session, srv *clienttest.Server) {
	t.Helper()
	for try := 1; ; try++ {
		_, err := s.Get(context.Background(), srv.URL+"/warm", client.Timeout(time.Minute))
		if err == nil {
			return
		}
		if try == 5 || !errors.Is(err, client.ErrTimeout) {
			t.Fatalf("warming up: %v", err)
		}
	}
}

// checkConnsClosed closes the idle connections of s and fails t unless srv
// then sees every connection closed. An HTTP/2 connection whose stream
// the client just reset turns idle a moment later, once the transport has
// finished with the stream, so the idle connections are closed again
// while waiting.
func checkConnsClosed(t *testing.T, s *client.Session, srv *clienttest.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := srv.WaitClosed(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("after the request: %v", err)
			return
		}
	}
}

// TestFaultsStreamed reads faulty bodies as streams: the error surfaces
// from Read, typed the same way, and Close frees the connection.
func TestFaultsStreamed(t *testing.T) {
	script := clienttest.Script{
		"/warm":    {{}},
		"/stall":   {{Body: "partial", Stall: true}},
		"/drip":    {{Body: strings.Repeat("d", 100), Drip: 10 * time.Millisecond}},
		"/endless": {{Endless: true}},
		"/reset":   {{Header: http.Header{"Content-Length": {"100"}}, Body: "partial", Reset: true}},
	}
	timeout := []error{client.ErrTimeout, context.DeadlineExceeded}
	tests := []struct {
		path string
		is   []error
	}{
		{"/stall", timeout},
		{"/drip", timeout},
		{"/endless", timeout},
		{"/reset", nil},
	}
	eachScript(t, script, func(t *testing.T, srv *clienttest.Server) {
		for _, tt := range tests {
			t.Run(tt.path, func(t *testing.T) {
				s := srv.Session()
				warm(t, s, srv)
				// The headers come at once; 100ms leaves room for a loaded machine.
				resp, err := s.Get(context.Background(), srv.URL+tt.path, client.Stream(true), client.Timeout(2*short))
				if err != nil {
					t.Fatalf("got %v, want the headers", err)
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Close()
				if err == nil {
					t.Fatalf("reading the body: got no error")
				}
				for _, want := range tt.is {
					if !errors.Is(err, want) {
						t.Errorf("reading the body: got %v, want errors.Is(err, %v)", err, want)
					}
				}
				if errors.Is(err, client.ErrTimeout) != (len(tt.is) > 0) {
					t.Errorf("reading the body: got %v, timeout %v", err, errors.Is(err, client.ErrTimeout))
				}
				checkConnsClosed(t, s, srv)
			})
		}
	})
}

// TestResetIsConnReset: under HTTP/1.1 a reset reply is a TCP reset the
// caller can recognise as ECONNRESET.
func TestResetIsConnReset(t *testing.T) {
	srv := clienttest.NewServer(clienttest.Script{"/reset": {{Reset: true}}, "/warm": {{}}})
	defer srv.Close()
	s := srv.Session()
	warm(t, s, srv)
	_, err := s.Get(context.Background(), srv.URL+"/reset")
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Errorf("got %v, want ECONNRESET (or EOF if the reset raced the request)", err)
	}
}

// nestedBomb is a gzip bomb gzipped again, sent as "gzip, gzip": 1 GiB of
// zeros in a few KiB.
func nestedBomb() clienttest.Reply {
	inner := clienttest.Bomb("gzip", 1<<30)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, inner.Body)
	zw.Close()
	return clienttest.Reply{Header: http.Header{"Content-Encoding": {"gzip, gzip"}}, Body: b.String()}
}

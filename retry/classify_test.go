package retry_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/requests3/requests/retry"
)

func newRequest(t testing.TB, method string, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://example.com/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func newResponse(req *http.Request, status int, header ...string) *http.Response {
	resp := &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Body:       http.NoBody,
		Request:    req,
	}
	for i := 0; i+1 < len(header); i += 2 {
		resp.Header.Set(header[i], header[i+1])
	}
	return resp
}

func TestIdempotent(t *testing.T) {
	tests := []struct {
		method string
		header []string
		want   bool
	}{
		{http.MethodGet, nil, true},
		{"", nil, true},
		{http.MethodHead, nil, true},
		{http.MethodOptions, nil, true},
		{http.MethodTrace, nil, true},
		{http.MethodPut, nil, true},
		{http.MethodDelete, nil, true},
		{http.MethodPost, nil, false},
		{http.MethodPatch, nil, false},
		{http.MethodConnect, nil, false},
		{"get", nil, false}, // methods are case-sensitive
		{http.MethodPost, []string{"Idempotency-Key", "k1"}, true},
		{http.MethodPatch, []string{"X-Idempotency-Key", "k1"}, true},
		{http.MethodPost, []string{"X-Request-Id", "k1"}, false},
	}
	for _, tt := range tests {
		req := newRequest(t, http.MethodGet, tt.header...)
		req.Method = tt.method
		if got := retry.Idempotent(req); got != tt.want {
			t.Errorf("Idempotent(%q %v) = %v, want %v", tt.method, tt.header, got, tt.want)
		}
	}
	// A key present with a nil value marks the request without sending it.
	req := newRequest(t, http.MethodPost)
	req.Header["Idempotency-Key"] = nil
	if !retry.Idempotent(req) {
		t.Errorf("Idempotent(POST with nil Idempotency-Key) = false, want true")
	}
	if retry.Idempotent(nil) {
		t.Errorf("Idempotent(nil) = true, want false")
	}
}

func TestDefaultClassifyStatus(t *testing.T) {
	retryable := map[int]bool{429: true, 502: true, 503: true, 504: true}
	statuses := []int{200, 201, 204, 301, 304, 400, 401, 403, 404, 408, 409, 413, 429, 500, 501, 502, 503, 504, 505}
	methods := []struct {
		method string
		header []string
		idem   bool
	}{
		{http.MethodGet, nil, true},
		{http.MethodPut, nil, true},
		{http.MethodPost, nil, false},
		{http.MethodPatch, nil, false},
		{http.MethodPost, []string{"Idempotency-Key", "abc"}, true},
	}
	for _, m := range methods {
		for _, status := range statuses {
			req := newRequest(t, m.method, m.header...)
			want := m.idem && retryable[status]
			if got := retry.DefaultClassify(req, newResponse(req, status), nil); got != want {
				t.Errorf("DefaultClassify(%s %v, %d) = %v, want %v", m.method, m.header, status, got, want)
			}
		}
	}
}

// TestDefaultClassifyErrors covers errors built by hand, shaped as net and
// net/http shape them. The tests below prove the same on real connections.
func TestDefaultClassifyErrors(t *testing.T) {
	wrap := func(op string, err error) error {
		return &url.Error{Op: "Get", URL: "http://example.com/x", Err: &net.OpError{Op: op, Net: "tcp", Err: err}}
	}
	tests := []struct {
		name      string
		err       error
		get, post bool
	}{
		{"refused", wrap("dial", os.NewSyscallError("connect", syscall.ECONNREFUSED)), true, true},
		{"dial timeout", wrap("dial", os.ErrDeadlineExceeded), true, true},
		{"reset on read", wrap("read", os.NewSyscallError("read", syscall.ECONNRESET)), true, false},
		{"reset on dial", wrap("dial", os.NewSyscallError("connect", syscall.ECONNRESET)), true, true},
		{"broken pipe", wrap("write", os.NewSyscallError("write", syscall.EPIPE)), true, false},
		{"aborted", wrap("read", syscall.ECONNABORTED), true, false},
		{"eof", &url.Error{Op: "Get", Err: io.EOF}, true, false},
		{"unexpected eof", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), true, false},
		{"closed connection", wrap("read", net.ErrClosed), true, false},
		{"read timeout", wrap("read", os.ErrDeadlineExceeded), true, false},
		{"host not found", wrap("dial", &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}), false, false},
		{"dns timeout", wrap("dial", &net.DNSError{Err: "i/o timeout", Name: "example.com", IsTimeout: true}), true, true},
		{"dns temporary", wrap("dial", &net.DNSError{Err: "server misbehaving", Name: "example.com", IsTemporary: true}), true, true},
		{"canceled", &url.Error{Op: "Get", Err: context.Canceled}, false, false},
		{"canceled dial", wrap("dial", fmt.Errorf("operation was canceled: %w", context.Canceled)), false, false},
		{"certificate", &url.Error{Op: "Get", Err: x509.UnknownAuthorityError{}}, false, false},
		{"plain error", errors.New("net/http: malformed response"), false, false},
		{"wrapped nothing", fmt.Errorf("retry: %w", errors.New("boom")), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get, post := newRequest(t, http.MethodGet), newRequest(t, http.MethodPost)
			if got := retry.DefaultClassify(get, nil, tt.err); got != tt.get {
				t.Errorf("DefaultClassify(GET, %v) = %v, want %v", tt.err, got, tt.get)
			}
			if got := retry.DefaultClassify(post, nil, tt.err); got != tt.post {
				t.Errorf("DefaultClassify(POST, %v) = %v, want %v", tt.err, got, tt.post)
			}
		})
	}
	if retry.DefaultClassify(newRequest(t, http.MethodGet), nil, nil) {
		t.Errorf("DefaultClassify(GET, nil response, nil error) = true, want false")
	}
}

// A client that neither keeps connections alive nor retries on its own, so
// that the error of each attempt reaches the classifier unchanged.
func plainClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true, ResponseHeaderTimeout: 200 * time.Millisecond}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// realError sends method to url and returns the request and the error; it
// fails the test if there was a response.
func realError(t *testing.T, c *http.Client, method, url string, header ...string) (*http.Request, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("payload"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("%s %s: got status %s, want an error", method, url, resp.Status)
	}
	return req, err
}

// hijacked starts a server whose handler takes over each connection after
// reading the request, and hands it to fn.
func hijacked(t *testing.T, fn func(net.Conn)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		fn(conn)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDefaultClassifyRealErrors(t *testing.T) {
	// A listener that is closed again: dialing its address is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	reset := hijacked(t, func(c net.Conn) {
		c.(*net.TCPConn).SetLinger(0) // close with RST
		c.Close()
	}).URL
	closed := hijacked(t, func(c net.Conn) { c.Close() }).URL
	garbage := hijacked(t, func(c net.Conn) {
		io.WriteString(c, "SPDY/9 hello\r\n\r\n")
		c.Close()
	}).URL

	stall := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stalled.Close)
	t.Cleanup(func() { close(stall) })

	h2reset := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler) // RST_STREAM with INTERNAL_ERROR
	}))
	h2reset.EnableHTTP2 = true
	h2reset.Config.ErrorLog = discardLog
	h2reset.StartTLS()
	t.Cleanup(h2reset.Close)

	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = discardLog
	t.Cleanup(tlsSrv.Close)

	tests := []struct {
		name   string
		url    string
		method string
		header []string
		is     error // a precondition on the real error, if any
		want   bool
	}{
		{"refused GET", refused, http.MethodGet, nil, syscall.ECONNREFUSED, true},
		{"refused POST was never sent", refused, http.MethodPost, nil, syscall.ECONNREFUSED, true},
		{"reset GET", reset, http.MethodGet, nil, syscall.ECONNRESET, true},
		{"reset POST", reset, http.MethodPost, nil, syscall.ECONNRESET, false},
		{"reset POST with key", reset, http.MethodPost, []string{"Idempotency-Key", "k"}, syscall.ECONNRESET, true},
		{"reset PATCH with x-key", reset, http.MethodPatch, []string{"X-Idempotency-Key", "k"}, syscall.ECONNRESET, true},
		{"closed GET", closed, http.MethodGet, nil, io.EOF, true},
		{"closed POST", closed, http.MethodPost, nil, io.EOF, false},
		{"header timeout GET", stalled.URL, http.MethodGet, nil, nil, true},
		{"header timeout POST", stalled.URL, http.MethodPost, nil, nil, false},
		{"malformed response", garbage, http.MethodGet, nil, nil, false},
		{"HTTP/2 stream reset GET", h2reset.URL, http.MethodGet, nil, nil, true},
		{"HTTP/2 stream reset POST", h2reset.URL, http.MethodPost, nil, nil, false},
		{"unknown certificate", tlsSrv.URL, http.MethodGet, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := plainClient(t)
			if tt.url == h2reset.URL {
				c = h2reset.Client()
			}
			req, err := realError(t, c, tt.method, tt.url, tt.header...)
			// Windows reports resets under its own errno names.
			if tt.is != nil && runtime.GOOS != "windows" && !errors.Is(err, tt.is) {
				t.Fatalf("%s %s: got error %v, want one that is %v", tt.method, tt.url, err, tt.is)
			}
			t.Logf("%s: %v", tt.name, err)
			if got := retry.DefaultClassify(req, nil, err); got != tt.want {
				t.Errorf("DefaultClassify(%s, %v) = %v, want %v", tt.method, err, got, tt.want)
			}
		})
	}
}

package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// nxdomainResolver returns a resolver whose every lookup is answered "no
// such host" by a DNS server on loopback, so that name errors are real and
// fast on any machine, with or without a network.
func nxdomainResolver(t *testing.T) *net.Resolver {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			qs, _ := p.AllQuestions()
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, RecursionAvailable: true, RCode: dnsmessage.RCodeNameError})
			b.StartQuestions()
			for _, q := range qs {
				b.Question(q)
			}
			if msg, err := b.Finish(); err == nil {
				pc.WriteTo(msg, from)
			}
		}
	})
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", pc.LocalAddr().String())
		},
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// errorsScript serves the failures of TestErrors.
var errorsScript = clienttest.Script{
	"/loop":      {{Status: 302, Header: http.Header{"Location": {"/loop"}}}},
	"/bad-loc":   {{Status: 302, Header: http.Header{"Location": {"http://:1/"}}}},
	"/big":       {{Body: strings.Repeat("x", 100)}},
	"/chunked":   {{Body: strings.Repeat("x", 100), Stall: true}},
	"/slow":      {{Delay: time.Hour}},
	"/reset":     {{Reset: true}},
	"/truncated": {{Header: http.Header{"Content-Length": {"100"}}, Body: "short", Reset: true}},
	"/ok":        {{Body: "ok"}},
}

// TestErrors covers each errors.Is/As promise of the package with a real
// failure.
func TestErrors(t *testing.T) {
	eachScript(t, errorsScript, func(t *testing.T, srv *clienttest.Server) {
		ctx := context.Background()
		trusted := srv.Session()
		untrustedTLS := httptest.NewUnstartedServer(http.NotFoundHandler())
		untrustedTLS.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point
		untrustedTLS.StartTLS()
		t.Cleanup(untrustedTLS.Close)
		plain := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(plain.Close)
		pool := x509.NewCertPool()
		pool.AddCert(untrustedTLS.Certificate())

		type outcome struct {
			err    error
			method string // of the *RequestError
			url    string // of the *RequestError, redacted
		}
		get := func(s *client.Session, url string, opts ...client.RequestOption) outcome {
			_, err := s.Get(ctx, url, opts...)
			return outcome{err: err, method: "GET", url: url}
		}
		tests := []struct {
			name    string
			run     func(t *testing.T) outcome
			is      []error // errors.Is must hold
			isNot   []error // errors.Is must not hold
			as      func(error) bool
			inError string // a substring of Error() (the host, for connect errors)
		}{
			{
				name:  "refused",
				run:   func(t *testing.T) outcome { return get(trusted, "http://"+closedAddr(t)+"/?token=s3cret") },
				is:    []error{client.ErrConnect},
				isNot: []error{client.ErrTimeout, context.DeadlineExceeded},
				as:    func(err error) bool { var op *net.OpError; return errors.As(err, &op) && op.Op == "dial" },
			},
			{
				name: "port 1",
				run:  func(t *testing.T) outcome { return get(trusted, "http://127.0.0.1:1/") },
				is:   []error{client.ErrConnect},
			},
			{
				name: "DNS",
				run: func(t *testing.T) outcome {
					d := &net.Dialer{Resolver: nxdomainResolver(t)}
					s := client.NewSession(client.WithDialer(d.DialContext))
					t.Cleanup(s.Close)
					return get(s, "http://nothing.invalid/x?api_key=s3cret")
				},
				is:      []error{client.ErrConnect},
				isNot:   []error{client.ErrTimeout},
				as:      func(err error) bool { var de *net.DNSError; return errors.As(err, &de) && de.IsNotFound },
				inError: "nothing.invalid",
			},
			{
				name: "TLS unknown authority",
				run: func(t *testing.T) outcome {
					s := client.NewSession()
					t.Cleanup(s.Close)
					return get(s, untrustedTLS.URL+"/")
				},
				is:      []error{client.ErrConnect},
				isNot:   []error{client.ErrTimeout},
				as:      func(err error) bool { var cv *tls.CertificateVerificationError; return errors.As(err, &cv) },
				inError: strings.TrimPrefix(untrustedTLS.URL, "https://"),
			},
			{
				name: "TLS wrong host",
				run: func(t *testing.T) outcome {
					addr := untrustedTLS.Listener.Addr().String()
					s := client.NewSession(client.WithTLSConfig(&tls.Config{RootCAs: pool}),
						client.WithDialer(func(ctx context.Context, network, _ string) (net.Conn, error) {
							var d net.Dialer
							return d.DialContext(ctx, network, addr)
						}))
					t.Cleanup(s.Close)
					return get(s, "https://wrong.test/")
				},
				is:      []error{client.ErrConnect},
				as:      func(err error) bool { var he x509.HostnameError; return errors.As(err, &he) },
				inError: "wrong.test",
			},
			{
				name: "TLS to a plain server",
				run: func(t *testing.T) outcome {
					return get(trusted, strings.Replace(plain.URL, "http:", "https:", 1)+"/")
				},
				is: []error{client.ErrConnect},
				as: func(err error) bool { var rh tls.RecordHeaderError; return errors.As(err, &rh) },
			},
			{
				name: "connect timeout",
				run: func(t *testing.T) outcome {
					s := client.NewSession(client.WithDialer(blockingDialer(t)), client.WithTimeouts(client.Timeouts{Connect: short}))
					t.Cleanup(s.Close)
					return get(s, "http://dial.test/")
				},
				is: []error{client.ErrConnect, client.ErrTimeout, context.DeadlineExceeded},
			},
			{
				name: "header timeout",
				run: func(t *testing.T) outcome {
					warm(t, trusted, srv)
					return get(trusted, srv.URL+"/slow", client.Timeout(short))
				},
				is:    []error{client.ErrTimeout, context.DeadlineExceeded},
				isNot: []error{client.ErrConnect, context.Canceled},
			},
			{
				name: "too many redirects",
				run:  func(t *testing.T) outcome { return get(trusted, srv.URL+"/loop", client.MaxRedirects(3)) },
				is:   []error{client.ErrTooManyRedirects},
				as: func(err error) bool {
					var re *client.RedirectError
					return errors.As(err, &re) && re.Max == 3 && re.Response.StatusCode == 302 && len(re.Response.History) == 3
				},
			},
			{
				name:  "redirect to a bad URL",
				run:   func(t *testing.T) outcome { return get(trusted, srv.URL+"/bad-loc") },
				is:    []error{client.ErrInvalidURL},
				isNot: []error{client.ErrConnect},
			},
			{
				name: "no scheme",
				run:  func(t *testing.T) outcome { return get(trusted, "example.test/x") },
				is:   []error{client.ErrInvalidURL},
			},
			{
				name: "bare IPv6",
				run: func(t *testing.T) outcome {
					_, err := trusted.Get(ctx, "http://fe80::5054:ff:fe5a:fc0")
					// A URL that does not parse cannot be redacted part by part.
					return outcome{err: err, method: "GET", url: "<unparsable URL>"}
				},
				is: []error{client.ErrInvalidURL},
			},
			{
				name: "body too large, Content-Length",
				run:  func(t *testing.T) outcome { return get(trusted, srv.URL+"/big", client.MaxBodySize(10)) },
				is:   []error{client.ErrBodyTooLarge},
			},
			{
				name: "body too large, chunked",
				run:  func(t *testing.T) outcome { return get(trusted, srv.URL+"/chunked", client.MaxBodySize(10)) },
				is:   []error{client.ErrBodyTooLarge},
			},
			{
				name: "invalid header",
				run: func(t *testing.T) outcome {
					return get(trusted, srv.URL+"/ok", client.Header{"X-Token": "s3cret\r\nX-Evil: 1"})
				},
				is: []error{client.ErrInvalidHeader},
			},
			{
				name: "invalid method",
				run: func(t *testing.T) outcome {
					_, err := trusted.Request(ctx, "BAD METHOD", srv.URL+"/ok")
					return outcome{err: err, method: "BAD METHOD", url: srv.URL + "/ok"}
				},
				is: []error{client.ErrInvalidRequest},
			},
			{
				name:  "reset before the response",
				run:   func(t *testing.T) outcome { return get(trusted, srv.URL+"/reset") },
				isNot: []error{client.ErrConnect, client.ErrTimeout, context.Canceled},
			},
			{
				name:  "reset mid-body",
				run:   func(t *testing.T) outcome { return get(trusted, srv.URL+"/truncated") },
				isNot: []error{client.ErrConnect, client.ErrTimeout, client.ErrBodyTooLarge},
			},
			{
				name: "canceled",
				run: func(t *testing.T) outcome {
					ctx, cancel := context.WithCancel(ctx)
					cancel()
					_, err := trusted.Get(ctx, srv.URL+"/ok")
					return outcome{err: err, method: "GET", url: srv.URL + "/ok"}
				},
				is:    []error{context.Canceled},
				isNot: []error{client.ErrTimeout, context.DeadlineExceeded, client.ErrConnect},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o := tt.run(t)
				if o.err == nil {
					t.Fatal("got no error")
				}
				for _, want := range tt.is {
					if !errors.Is(o.err, want) {
						t.Errorf("errors.Is(%v, %v) = false, want true", o.err, want)
					}
				}
				for _, not := range tt.isNot {
					if errors.Is(o.err, not) {
						t.Errorf("errors.Is(%v, %v) = true, want false", o.err, not)
					}
				}
				if tt.as != nil && !tt.as(o.err) {
					t.Errorf("errors.As on %v: did not find the cause", o.err)
				}
				var re *client.RequestError
				if !errors.As(o.err, &re) {
					t.Fatalf("got %T, want *client.RequestError", o.err)
				}
				if re.Method != o.method {
					t.Errorf("RequestError.Method = %q, want %q", re.Method, o.method)
				}
				if re.Err == nil || errors.Unwrap(re) != re.Err {
					t.Errorf("RequestError.Unwrap() = %v, want the cause %v", errors.Unwrap(re), re.Err)
				}
				if !strings.HasPrefix(re.URL, strings.SplitN(o.url, "?", 2)[0]) && !strings.HasPrefix(re.URL, srv.URL) {
					t.Errorf("RequestError.URL = %q, want %q or a redirect target on the server", re.URL, o.url)
				}
				if !strings.HasPrefix(o.err.Error(), "client: ") {
					t.Errorf("Error() = %q, want the prefix %q", o.err.Error(), "client: ")
				}
				if tt.inError != "" && !strings.Contains(o.err.Error(), tt.inError) {
					t.Errorf("Error() = %q, want it to name %q", o.err.Error(), tt.inError)
				}
				for _, s := range []string{o.err.Error(), fmt.Sprintf("%v", o.err), fmt.Sprintf("%+v", o.err), re.URL} {
					if strings.Contains(s, "s3cret") {
						t.Errorf("error text %q shows a secret", s)
					}
				}
			})
		}
	})
}

func TestStatusError(t *testing.T) {
	script := clienttest.Script{
		"/missing": {{Status: 404}},
		"/broken":  {{Status: 503, Body: "down"}},
		"/ok":      {{Body: "ok"}},
		"/found":   {{Status: 302}},
	}
	eachScript(t, script, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session()
		tests := []struct {
			path   string
			status int // 0: CheckStatus returns nil
			kind   string
		}{
			{"/missing", 404, "client error"},
			{"/broken", 503, "server error"},
			{"/ok", 0, ""},
			{"/found", 0, ""},
		}
		for _, tt := range tests {
			resp, err := s.Delete(context.Background(), srv.URL+tt.path+"?sig=s3cret")
			if err != nil {
				t.Fatalf("%s: a status is not an error: got %v", tt.path, err)
			}
			err = resp.CheckStatus()
			if tt.status == 0 {
				if err != nil {
					t.Errorf("%s: CheckStatus() = %v, want nil", tt.path, err)
				}
				continue
			}
			var se *client.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("%s: got %T, want *client.StatusError", tt.path, err)
			}
			if se.StatusCode != tt.status || se.Method != "DELETE" || se.Response != resp {
				t.Errorf("%s: got %d %s %p, want %d DELETE %p", tt.path, se.StatusCode, se.Method, se.Response, tt.status, resp)
			}
			if want := srv.URL + tt.path + "?sig=REDACTED"; se.URL != want {
				t.Errorf("%s: URL %q, want %q", tt.path, se.URL, want)
			}
			if !strings.Contains(err.Error(), tt.kind) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%s: Error() = %q, want %q and no secret", tt.path, err.Error(), tt.kind)
			}
		}
	})
}

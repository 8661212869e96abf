package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
	"github.com/requests3/requests/retry"
)

// TestInsecureTLSNotShared is CVE-2024-35195 for what sessions share
// besides their own pools (TestTLSSettingsPerSession covers sessions
// against each other): a transport mounted without verification serves
// its prefix only, and neither it nor an insecure session's HTTPClient
// lends a connection to the session's own verifying transport or to the
// default session.
func TestInsecureTLSNotShared(t *testing.T) {
	srv := clienttest.NewTLSServer(clienttest.Script{"/": {{Body: "ok"}}, "/insecure/x": {{Body: "ok"}}})
	defer srv.Close()
	ctx := context.Background()
	verified := client.NewSession()
	defer verified.Close()
	insecure := client.NewSession(client.WithTLSConfig(&tls.Config{InsecureSkipVerify: true}))
	defer insecure.Close()
	insecureRT := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer insecureRT.CloseIdleConnections()
	mounted := client.NewSession(client.Mount(srv.URL+"/insecure/", insecureRT))
	defer mounted.Close()

	tests := []struct {
		name string
		s    *client.Session
		path string
		ok   bool
	}{
		{"mounted insecure prefix", mounted, "/insecure/x", true},
		{"same host outside the mount", mounted, "/", false},
		{"insecure HTTPClient", insecure, "/", true},
		{"default session after both", client.Default(), "/insecure/x", false},
		{"verifying session after both", verified, "/", false},
		{"mounted insecure prefix again", mounted, "/insecure/x", true},
		{"outside the mount again", mounted, "/", false},
	}
	for _, tt := range tests {
		var err error
		if tt.name == "insecure HTTPClient" {
			var resp *http.Response
			if resp, err = tt.s.HTTPClient().Get(srv.URL + tt.path); err == nil {
				resp.Body.Close()
			}
		} else {
			_, err = tt.s.Get(ctx, srv.URL+tt.path)
		}
		if tt.ok && err != nil {
			t.Errorf("%s: got %v, want success", tt.name, err)
		}
		var cv *tls.CertificateVerificationError
		if !tt.ok && (!errors.Is(err, client.ErrConnect) || !errors.As(err, &cv)) {
			t.Errorf("%s: got %v, want ErrConnect with a certificate verification error", tt.name, err)
		}
	}
	client.Default().Close()
}

// TestCookiePublicSuffixOnTheWire: cookies set for a public suffix are
// refused, and a cookie of one site never reaches another site under the
// same suffix, through the jar and over the wire.
func TestCookiePublicSuffixOnTheWire(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		s := st.session(t)
		ctx := context.Background()
		sc.take()
		set := "http://www.example.co.uk/1"
		for _, c := range []string{"suffix=1; Domain=co.uk", "dotted=1; Domain=.co.uk", "site=1; Domain=example.co.uk", "host=1", "io=1; Domain=github.io"} {
			set = setCookie(set, c)
		}
		for _, u := range []string{set, "http://other.co.uk/2", "http://shop.example.co.uk/3", "http://www.example.co.uk/4", "http://co.uk/5", "http://user.github.io/6"} {
			if _, err := s.Get(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		// A redirect to another site under the suffix carries none either.
		if _, err := s.Get(ctx, chain(302, "http://www.example.co.uk/7", "http://evil.co.uk/8")); err != nil {
			t.Fatal(err)
		}
		wantCookies(t, sc.take(),
			nil,
			nil,                          // other.co.uk
			[]string{"site=1"},           // shop.example.co.uk
			[]string{"host=1", "site=1"}, // the host that set them
			nil,                          // co.uk itself
			nil,                          // github.io is a public suffix too
			[]string{"host=1", "site=1"},
			nil,
		)
	})
}

// TestCRLFRejectedBeforeSending: CR or LF in any header name or value,
// however it is given, and in the URL or method, fails the request with a
// typed error before anything is sent, so that no header or request can be
// injected (CVE-2023-29406 class; fasthttp#875).
func TestCRLFRejectedBeforeSending(t *testing.T) {
	var hits sync.Map
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.String(), r.Header.Clone())
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		const inject = "v\r\nX-Injected: 1"
		tests := []struct {
			name string
			sess []client.Option
			url  string
			opts []client.RequestOption
			want error
		}{
			{"session header value", []client.Option{client.WithHeader("X-A", inject)}, "/", nil, client.ErrInvalidHeader},
			{"session header name", []client.Option{client.WithHeader("X-A\r\nX-Injected", "1")}, "/", nil, client.ErrInvalidHeader},
			{"request header value", nil, "/", []client.RequestOption{client.Header{"X-A": inject}}, client.ErrInvalidHeader},
			{"added header value", nil, "/", []client.RequestOption{client.AddHeader("X-A", "ok", inject)}, client.ErrInvalidHeader},
			{"header name with a colon", nil, "/", []client.RequestOption{client.Header{"X-A: b": "1"}}, client.ErrInvalidHeader},
			{"LF alone", nil, "/", []client.RequestOption{client.Header{"X-A": "v\nX-Injected: 1"}}, client.ErrInvalidHeader},
			{"CR alone", nil, "/", []client.RequestOption{client.Header{"X-A": "v\rX-Injected: 1"}}, client.ErrInvalidHeader},
			{"NUL", nil, "/", []client.RequestOption{client.Header{"X-A": "v\x00"}}, client.ErrInvalidHeader},
			{"Host header", nil, "/", []client.RequestOption{client.Header{"Host": "a\r\nX-Injected: 1"}}, client.ErrInvalidHeader},
			{"bearer token", nil, "/", []client.RequestOption{client.BearerAuth(inject)}, client.ErrInvalidHeader},
			{"session bearer token", []client.Option{client.WithAuth(client.BearerAuth(inject))}, "/", nil, client.ErrInvalidHeader},
			{"cookie value", nil, "/", []client.RequestOption{client.Cookies{"c": inject}}, client.ErrInvalidHeader},
			{"cookie name", nil, "/", []client.RequestOption{client.Cookies{"c\r\nX-Injected: 1": "v"}}, client.ErrInvalidHeader},
			{"URL path", nil, "/a\r\nX-Injected: 1", nil, client.ErrInvalidURL},
			{"URL query", nil, "/?a=b\nX-Injected: 1", nil, client.ErrInvalidURL},
			{"URL fragment", nil, "/#a\r\nb", nil, client.ErrInvalidURL},
			{"method", nil, "/", []client.RequestOption{}, client.ErrInvalidRequest},
		}
		for _, tt := range tests {
			s := srv.session(t, tt.sess...)
			method := "GET"
			if tt.name == "method" {
				method = "GET /x HTTP/1.1\r\nX-Injected: 1\r\n"
			}
			_, err := s.Request(context.Background(), method, srv.URL+tt.url, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			}
			var re *client.RequestError
			if !errors.As(err, &re) {
				t.Errorf("%s: got %T, want a *client.RequestError", tt.name, err)
			}
		}
		hits.Range(func(k, v any) bool {
			t.Errorf("the server got %v with %v, want nothing sent", k, v)
			return true
		})
	})
}

// TestParamsCannotInject: params are escaped into the query, so CR, LF,
// '&', '#' and '=' in a key or value travel as data.
func TestParamsCannotInject(t *testing.T) {
	var got url.Values
	var header http.Header
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, header = r.URL.Query(), r.Header.Clone()
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		const v = "a\r\nX-Injected: 1&b=c#d"
		if _, err := srv.session(t).Get(context.Background(), srv.URL+"/", client.Param("k=\r\n", v)); err != nil {
			t.Fatal(err)
		}
		if got.Get("k=\r\n") != v || len(got) != 1 || header.Get("X-Injected") != "" {
			t.Errorf("server got query %q and header %v, want the one param intact", got, header)
		}
	})
}

// TestResponseSmuggling covers the response-side defences of net/http as
// the session exposes them: two different Content-Length headers fail the
// request (Requests' test_conflicting_content_lengths), identical ones are
// one, Transfer-Encoding wins over Content-Length, and chunk extensions
// that hide more bytes than they carry, or a bare LF in one, fail
// (CVE-2023-39326, fasthttp PR #1899).
func TestResponseSmuggling(t *testing.T) {
	chunks := strings.Repeat("1;"+strings.Repeat("x", 4000)+"\r\na\r\n", 64) + "0\r\n\r\n"
	tests := []struct {
		name string
		raw  string
		body string // "" wants an error
	}{
		{"conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", ""},
		{"conflicting in one header", "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc", ""},
		{"identical Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", "ab"},
		{"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nab", ""},
		{"Content-Length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab", ""},
		{"chunked over Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", "ab"},
		{"unknown Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, identity\r\n\r\nab", ""},
		{"chunk extensions hiding bytes", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks, ""},
		{"LF in a chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\nb\r\nab\r\n0\r\n\r\n", ""},
		// RFC 9112 section 5.1 makes servers reject this and proxies
		// clean it; net/http, as a client, reads it leniently.
		{"space in a header name", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nab", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clienttest.NewServer(clienttest.Script{"/": {{Raw: tt.raw}}})
			defer srv.Close()
			s := srv.Session()
			resp, err := s.Get(context.Background(), srv.URL+"/")
			switch {
			case tt.body == "" && err == nil:
				body, _ := resp.Text()
				t.Errorf("got %d %q, want an error", resp.StatusCode, body)
			case tt.body != "" && err != nil:
				t.Errorf("got %v, want %q", err, tt.body)
			case tt.body != "":
				if body, _ := resp.Text(); body != tt.body {
					t.Errorf("got %q, want %q", body, tt.body)
				}
			}
			if err != nil && (errors.Is(err, client.ErrTimeout) || errors.Is(err, client.ErrConnect)) {
				t.Errorf("got %v, want neither a timeout nor a connect error", err)
			}
			checkConnsClosed(t, s, srv)
		})
	}
}

// TestExpectContinueRejected is CVE-2024-24791: a server that answers a
// request sent with "Expect: 100-continue" with a final status, without
// reading the body, leaves the session able to send the next request on
// the same connection and get the right answer.
func TestExpectContinueRejected(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/upload" {
			w.Header().Set("Connection", "keep-alive")
			http.Error(w, "no", http.StatusExpectationFailed)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(r.URL.Path + ":" + string(body)))
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		for i := range 3 {
			resp, err := s.Post(ctx, srv.URL+"/upload", client.Header{"Expect": "100-continue"}, client.Body(strings.NewReader(strings.Repeat("u", 64<<10))))
			if err != nil || resp.StatusCode != http.StatusExpectationFailed {
				t.Fatalf("upload %d: got %v, %v; want 417", i, resp, err)
			}
			resp, err = s.Post(ctx, srv.URL+"/next", client.Body(strings.NewReader("payload")))
			if err != nil {
				t.Fatalf("next %d: %v", i, err)
			}
			if body, _ := resp.Text(); resp.StatusCode != 200 || body != "/next:payload" {
				t.Errorf("next %d: got %d %q, want 200 %q", i, resp.StatusCode, body, "/next:payload")
			}
		}
	})
}

// TestHugeRetryAfterIsBounded is go-retryablehttp#247: a server cannot make
// a session sleep longer than the policy's MaxRetryAfter. A Retry-After
// beyond it (an hour, a far-future date, a number too large for a
// Duration) is not obeyed at all: the response is returned at once, for
// the caller to see.
func TestHugeRetryAfterIsBounded(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		max        time.Duration // the policy's MaxRetryAfter
		wantWait   time.Duration
		wantSends  int
	}{
		{"an hour", func(time.Time) string { return "3600" }, 0, 0, 1},
		{"an hour, cap 10s", func(time.Time) string { return "3600" }, 10 * time.Second, 0, 1},
		{"far-future date", func(now time.Time) string { return now.Add(30 * 24 * time.Hour).UTC().Format(http.TimeFormat) }, 0, 0, 1},
		{"year 9999", func(time.Time) string { return "Fri, 31 Dec 9999 23:59:59 GMT" }, 0, 0, 1},
		{"overflow", func(time.Time) string { return "99999999999999999999999" }, 0, 0, 1},
		{"within the cap", func(time.Time) string { return "5" }, 10 * time.Second, 5 * time.Second, 2},
		{"date within the cap", func(now time.Time) string { return now.Add(8 * time.Second).UTC().Format(http.TimeFormat) }, 10 * time.Second, 8 * time.Second, 2},
		{"at the default cap", func(time.Time) string { return "60" }, 0, time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sends := 0
				rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
					sends++
					if sends == 1 {
						return respond(r, 503, http.Header{"Retry-After": {tt.retryAfter(time.Now())}}), nil
					}
					return respond(r, 200, nil), nil
				})
				s := client.NewSession(client.WithTransport(rt), client.WithTimeout(client.NoTimeout),
					client.WithRetry(retry.Policy{MaxRetryAfter: tt.max}))
				start := time.Now()
				resp, err := s.Get(context.Background(), "http://example.test/")
				if err != nil {
					t.Fatal(err)
				}
				if waited := time.Since(start); waited != tt.wantWait || sends != tt.wantSends {
					t.Errorf("waited %v over %d sends, want %v over %d", waited, sends, tt.wantWait, tt.wantSends)
				}
				if want := []int{0, 503, 200}[tt.wantSends]; resp.StatusCode != want {
					t.Errorf("got %d, want %d", resp.StatusCode, want)
				}
			})
		})
	}
}

// TestRetryNeverAfterContextEnds: once the caller's context is canceled
// or past its deadline, no further attempt is sent: not after an attempt
// that the cancellation aborted, and not when the wait would outlast the
// deadline (the response is returned instead).
func TestRetryNeverAfterContextEnds(t *testing.T) {
	t.Run("canceled in flight", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			sends := 0
			rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
				sends++
				time.AfterFunc(time.Second, cancel)
				<-r.Context().Done()
				return nil, r.Context().Err()
			})
			s := client.NewSession(client.WithTransport(rt), client.WithRetry(retry.Policy{Backoff: retry.Constant(0)}))
			_, err := s.Get(ctx, "http://example.test/")
			if !errors.Is(err, context.Canceled) || sends != 1 {
				t.Errorf("got %v after %d sends, want context.Canceled after 1", err, sends)
			}
		})
	})
	t.Run("deadline before the wait ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sends := 0
			rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
				sends++
				return respond(r, 503, http.Header{"Retry-After": {"30"}}), nil
			})
			s := client.NewSession(client.WithTransport(rt), client.WithRetry(retry.Policy{}))
			start := time.Now()
			resp, err := s.Get(ctx, "http://example.test/")
			if err != nil || resp.StatusCode != 503 || sends != 1 || time.Since(start) != 0 {
				t.Errorf("got %v, %v after %d sends and %v; want the 503 at once", resp, err, sends, time.Since(start))
			}
		})
	})
	t.Run("session timeout before the backoff ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			sends := 0
			rt := fakeTransport(func(r *http.Request) (*http.Response, error) {
				sends++
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}
			})
			s := client.NewSession(client.WithTransport(rt), client.WithTimeout(5*time.Second),
				client.WithRetry(retry.Policy{Backoff: retry.Constant(time.Minute)}))
			start := time.Now()
			_, err := s.Get(context.Background(), "http://example.test/")
			if !errors.Is(err, client.ErrConnect) || sends != 1 || time.Since(start) != 0 {
				t.Errorf("got %v after %d sends and %v; want the connect error at once", err, sends, time.Since(start))
			}
		})
	})
}

// TestPrintedValuesHideSecrets: printing a request or a session, with any
// verb, shows no credential, header value, cookie or secret query value
// (CVE-2024-6104 class: credentials written to logs).
func TestPrintedValuesHideSecrets(t *testing.T) {
	r := client.NewRequest("POST", "https://user:pw-"+secret+"@example.com/x?token=t-"+secret+"&page=2",
		client.BasicAuth("u", "basic-"+secret), client.Header{"Authorization": "hdr-" + secret},
		client.Cookies{"c": "cookie-" + secret}, client.Param("api_key", "param-"+secret), client.JSON(map[string]string{"pw": "body-" + secret}))
	bearer := client.NewRequest("GET", "https://example.com/", client.BearerAuth("bearer-"+secret))
	s := client.NewSession(client.WithAuth(client.BasicAuth("u", "session-"+secret)),
		client.WithHeader("X-Api-Key", "header-"+secret), client.WithBaseURL("https://u:base-"+secret+"@api.example.com/v1/"))
	defer s.Close()
	for _, v := range []any{r, *r, bearer, s} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) {
				t.Errorf("%s of %T shows a secret: %s", verb, v, got)
			}
		}
	}
	if got, want := r.String(), "POST https://user:REDACTED@example.com/x?token=REDACTED&page=2"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(s), "client.Session(https://u:REDACTED@api.example.com/v1/)"; got != want {
		t.Errorf("session prints as %q, want %q", got, want)
	}
}

// apiKeyAuth is a custom Auth that sends its credential in its own header.
type apiKeyAuth string

func (a apiKeyAuth) Apply(req *http.Request) error {
	req.Header.Set("X-Api-Key", string(a))
	return nil
}

// TestCustomAuthHeaderNotSentToOtherHost is go-resty/resty#1128: whatever
// headers an Auth sets are its credentials, and they are dropped with the
// Authorization header when a redirect leaves the origin; they come back on
// a redirect within the origin.
func TestCustomAuthHeaderNotSentToOtherHost(t *testing.T) {
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		for _, tt := range []struct {
			name string
			sess []client.Option
			req  []client.RequestOption
		}{
			{"request", nil, []client.RequestOption{client.UseAuth(apiKeyAuth("key-" + secret))}},
			{"session", []client.Option{client.WithAuth(apiKeyAuth("key-" + secret))}, nil},
		} {
			s := st.session(t, tt.sess...)
			sc.take()
			u := chain(302, "https://example.com/a", "https://example.com/b", "https://other.example.com/c", "https://example.com/d")
			if _, err := s.Get(context.Background(), u, tt.req...); err != nil {
				t.Fatal(err)
			}
			reqs := sc.take()
			want := []string{"key-" + secret, "key-" + secret, "", ""}
			if len(reqs) != len(want) {
				t.Fatalf("%s: got %d requests, want %d", tt.name, len(reqs), len(want))
			}
			for i, r := range reqs {
				if got := r.Header.Get("X-Api-Key"); got != want[i] {
					t.Errorf("%s: hop %d to %s: got X-Api-Key %q, want %q", tt.name, i, urlsOf(reqs)[i], got, want[i])
				}
			}
		}
	})
}

// TestNetrcHostTricks extends TestNetrcHostMatch (CVE-2024-47081) with
// URLs whose user info, port or host name looks like the netrc machine:
// the credentials of example.com go to example.com alone, never to a host
// whose name merely contains, extends or resembles it.
func TestNetrcHostTricks(t *testing.T) {
	seen := &authSeen{}
	plain := httptest.NewServer(seen)
	defer plain.Close()
	srv := server{plain, "HTTP/1.1"}
	writeNetrc(t, "machine example.com login user password net-"+secret+"\ndefault\n")
	s := anyHostSession(t, srv)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	tests := []struct {
		name, url, wantHost, want string
	}{
		{"the machine itself, any port", "http://example.com" + port + "/", "example.com", basic("user", "net-"+secret)},
		{"port as a password in user info", "http://example.com:80@evil.test" + port + "/", "evil.test", basic("example.com", "80")},
		{"host as a user name", "http://example.com@evil.test" + port + "/", "evil.test", basic("example.com", "")},
		{"encoded @ in user info", "http://example.com%40evil.test@evil.test" + port + "/", "evil.test", basic("example.com@evil.test", "")},
		{"machine as a prefix", "http://example.com.evil.test" + port + "/", "example.com.evil.test", ""},
		{"machine as a suffix", "http://evil-example.com" + port + "/", "evil-example.com", ""},
		{"subdomain", "http://www.example.com" + port + "/", "www.example.com", ""},
		{"dot for a letter", "http://example.co" + port + "/", "example.co", ""},
		{"machine in the path", "http://evil.test" + port + "/example.com", "evil.test", ""},
		// Go reads everything before the @ as user info (a browser would
		// end the host at the backslash): the URL's own credentials go to
		// example.com, and the netrc's do not.
		{"machine after a backslash", "http://evil.test" + port + `\@example.com` + port + "/", "example.com", basic("evil.test", port[1:]+`\`)},
	}
	for _, tt := range tests {
		n := len(seen.log())
		_, err := s.Get(context.Background(), tt.url)
		if err != nil {
			if errors.Is(err, client.ErrInvalidURL) && tt.want == "" {
				continue // refused outright: nothing sent at all
			}
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := seen.log()[n]
		host, auth, _ := strings.Cut(got, " ")
		if host != tt.wantHost || auth != tt.want {
			t.Errorf("%s: server saw host %q with %q, want %q with %q", tt.name, host, auth, tt.wantHost, tt.want)
		}
	}
}

// TestProxyURLErrorsHideCredentials: a proxy URL that is refused is named
// by its scheme and host only, so that credentials in a mistyped one (a
// slash too many puts them in the path) do not reach an error message.
func TestProxyURLErrorsHideCredentials(t *testing.T) {
	for _, proxy := range []string{
		"http:///user:pw-" + secret + "@proxy.test:3128",
		"http://proxy.test:3128/user:pw-" + secret,
		"http://proxy.test:3128/?token=" + secret,
		"ftp://user:pw-" + secret + "@proxy.test/",
	} {
		s := client.NewSession(client.WithProxies(map[string]string{"all": proxy}))
		_, err := s.Get(context.Background(), "http://example.test/")
		s.Close()
		if !errors.Is(err, client.ErrInvalidURL) || !errors.Is(err, client.ErrProxy) {
			t.Errorf("%q: got %v, want ErrInvalidURL and ErrProxy", proxy, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%q: error %q shows the secret", proxy, err)
		}
	}
}

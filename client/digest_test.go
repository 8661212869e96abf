package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/requests3/requests/client"
)

type authResult struct {
	Authenticated bool   `json:"authenticated"`
	User          string `json:"user"`
	Token         string `json:"token"`
}

// counting wraps h and counts the requests it serves.
type counting struct {
	h http.Handler
	n atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.h.ServeHTTP(w, r)
}

// TestDigestHTTPBin is test_DIGEST_HTTP_200_OK_GET and
// test_DIGESTAUTH_WRONG_HTTP_401_GET against go-httpbin, which offers MD5
// and SHA-256.
func TestDigestHTTPBin(t *testing.T) {
	h := &counting{h: httpbinHandler}
	eachProto3(t, h, func(t *testing.T, srv server) {
		ctx := context.Background()
		for _, alg := range []string{"MD5", "SHA-256"} {
			u := srv.URL + "/digest-auth/auth/user/pass/" + alg
			tests := []struct {
				name       string
				s          *client.Session
				opts       []client.RequestOption
				wantStatus int
				wantSent   int64 // requests the server saw
			}{
				{"request auth", srv.session(t), []client.RequestOption{client.DigestAuth("user", "pass")}, 200, 2},
				{"no auth", srv.session(t), nil, 401, 1},
				{"wrong password", srv.session(t), []client.RequestOption{client.DigestAuth("user", "wrong")}, 401, 2},
				{"session auth", srv.session(t, client.DigestAuth("user", "pass")), nil, 200, 2},
				{"wrong session auth", srv.session(t, client.DigestAuth("user", "wrong")), nil, 401, 2},
				{"request auth replaces session's", srv.session(t, client.DigestAuth("user", "wrong")),
					[]client.RequestOption{client.DigestAuth("user", "pass")}, 200, 2},
			}
			for _, tt := range tests {
				before := h.n.Load()
				resp, err := tt.s.Get(ctx, u, tt.opts...)
				if err != nil {
					t.Fatalf("%s %s: %v", alg, tt.name, err)
				}
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("%s %s: got status %d, want %d", alg, tt.name, resp.StatusCode, tt.wantStatus)
				}
				if got := h.n.Load() - before; got != tt.wantSent {
					t.Errorf("%s %s: server saw %d requests, want %d", alg, tt.name, got, tt.wantSent)
				}
				if tt.wantStatus == 200 {
					if r, _ := client.DecodeJSON[authResult](resp); !r.Authenticated || r.User != "user" {
						t.Errorf("%s %s: got %+v, want user authenticated", alg, tt.name, r)
					}
				}
			}
		}
	})
}

// TestDigestAlgorithms covers every algorithm against the independent test
// server, with qop quoted and not (test_DIGESTAUTH_QUOTES_QOP_VALUE), with
// userhash, without qop (RFC 2069) and with a non-ASCII user name.
func TestDigestAlgorithms(t *testing.T) {
	tests := []struct {
		name string
		ds   *digestServer
	}{
		{"MD5", &digestServer{algorithm: "MD5", qop: "auth"}},
		{"MD5 quoted qop", &digestServer{algorithm: "MD5", qop: `"auth"`}},
		{"no algorithm, qop list", &digestServer{qop: `"auth,auth-int"`}},
		{"MD5-sess", &digestServer{algorithm: "MD5-sess", qop: `"auth"`}},
		{"SHA-256", &digestServer{algorithm: "SHA-256", qop: `"auth"`}},
		{"SHA-256-sess", &digestServer{algorithm: "SHA-256-sess", qop: `"auth"`}},
		{"SHA-512-256", &digestServer{algorithm: "SHA-512-256", qop: `"auth"`}},
		{"SHA-512-256-sess", &digestServer{algorithm: "SHA-512-256-sess", qop: `"auth"`}},
		{"SHA-512", &digestServer{algorithm: "SHA-512", qop: "auth"}},
		{"userhash", &digestServer{algorithm: "SHA-256", qop: `"auth"`, userhash: true}},
		{"RFC 2069", &digestServer{}},
		{"UTF-8 user", &digestServer{algorithm: "SHA-256", qop: "auth", user: "Jäsøn Doe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := tt.ds
			if ds.user == "" {
				ds.user = "user"
			}
			ds.pass, ds.realm, ds.opaque = "pass, or not?", "test@example.org", "opaque-value"
			eachProto3(t, ds, func(t *testing.T, srv server) {
				resp, err := srv.session(t).Get(context.Background(), srv.URL+"/dir/index.html?a=1",
					client.DigestAuth(ds.user, "pass, or not?"))
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != 200 {
					t.Errorf("got status %d, want 200", resp.StatusCode)
				}
			})
			if _, problems := ds.log(); len(problems) > 0 {
				t.Errorf("server saw protocol problems: %q", problems)
			}
		})
	}
}

// TestDigestNonceCount: on one session the challenge is answered once, then
// later requests send credentials at once with nc counting up per nonce
// and a fresh cnonce each time, also when sent concurrently.
func TestDigestNonceCount(t *testing.T) {
	ds := &digestServer{user: "user", pass: "pass", realm: "r", opaque: "o", algorithm: "SHA-256", qop: `"auth"`}
	eachProto3(t, ds, func(t *testing.T, srv server) {
		s := srv.session(t, client.DigestAuth("user", "pass"))
		ctx := context.Background()
		for range 3 {
			resp, err := s.Get(ctx, srv.URL+"/x")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
		}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				resp, err := s.Get(ctx, srv.URL+"/y")
				if err != nil || resp.StatusCode != 200 {
					t.Errorf("concurrent request: %v, %v", resp, err)
				}
			})
		}
		wg.Wait()
	})
	events, problems := ds.log()
	if len(problems) > 0 {
		t.Errorf("server saw protocol problems: %q", problems)
	}
	// Per protocol: a 401, then nc 1, 2, 3 in order, then 4 to 13 in any order.
	if len(events) != 14*len(protos3) {
		t.Fatalf("got %d events, want 14 per protocol: %q", len(events), events)
	}
	for i, p := range protos3 {
		proto := p.name
		ev := events[i*14 : (i+1)*14]
		if want := []string{"401", "200 nc=00000001", "200 nc=00000002", "200 nc=00000003"}; !slices.Equal(ev[:4], want) {
			t.Errorf("%s: got %q, want %q", proto, ev[:4], want)
		}
		rest := slices.Sorted(slices.Values(ev[4:]))
		for j, e := range rest {
			if want := fmt.Sprintf("200 nc=%08x", j+4); e != want {
				t.Errorf("%s: concurrent event %d = %q, want %q", proto, j, e, want)
			}
		}
	}
	if n := 13 * len(protos3); len(ds.cnonces) != n {
		t.Errorf("got %d distinct cnonces for %d answers, want %d", len(ds.cnonces), n, n)
	}
}

// TestDigestStale: a nonce the server no longer accepts gets a 401 with
// stale=true and a new nonce, which is answered once.
func TestDigestStale(t *testing.T) {
	ds := &digestServer{user: "user", pass: "pass", realm: "r", opaque: "o", qop: "auth", staleAfter: 2}
	eachProto3(t, ds, func(t *testing.T, srv server) {
		s := srv.session(t, client.DigestAuth("user", "pass"))
		for i := range 3 {
			resp, err := s.Get(context.Background(), srv.URL+"/")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Errorf("request %d: got status %d, want 200", i, resp.StatusCode)
			}
		}
	})
	events, problems := ds.log()
	if len(problems) > 0 {
		t.Errorf("server saw protocol problems: %q", problems)
	}
	want := []string{"401", "200 nc=00000001", "200 nc=00000002", "401 stale", "200 nc=00000001"}
	if w := slices.Repeat(want, len(protos3)); !slices.Equal(events, w) {
		t.Errorf("got %q, want %q", events, w)
	}
}

// TestDigestOnlyOnce is test_digestauth_401_only_sent_once and
// test_digestauth_only_on_4xx: a server that keeps answering 401 gets one
// answer, and a challenge on a 200 is not answered.
func TestDigestOnlyOnce(t *testing.T) {
	var hits atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("WWW-Authenticate", `Digest nonce="6bf5d6e4da1ce66918800195d6b9130d", opaque="372825293d1c26955496c80ed6426e9e", realm="me@kennethreitz.com", qop=auth`)
		if r.URL.Path == "/ok" {
			w.Write([]byte("fine"))
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	eachProto3(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			path       string
			wantStatus int
			wantHits   int64
		}{
			{"/401", 401, 2},
			{"/ok", 200, 1},
		}
		for _, tt := range tests {
			hits.Store(0)
			resp, err := s.Get(context.Background(), srv.URL+tt.path, client.DigestAuth("user", "pass"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || hits.Load() != tt.wantHits {
				t.Errorf("%s: got status %d after %d requests, want %d after %d",
					tt.path, resp.StatusCode, hits.Load(), tt.wantStatus, tt.wantHits)
			}
		}
	})
}

// TestDigestCountResetOnRedirect is
// test_digestauth_401_count_reset_on_redirect: after a redirect, a new
// challenge on the new hop is answered again.
func TestDigestCountResetOnRedirect(t *testing.T) {
	b := &digestServer{user: "user", pass: "pass", realm: "b", opaque: "ob", qop: "auth"}
	a := &digestServer{user: "user", pass: "pass", realm: "a", opaque: "oa", qop: "auth",
		next: http.RedirectHandler("/b", http.StatusFound)}
	mux := http.NewServeMux()
	mux.Handle("/a", a)
	mux.Handle("/b", b)
	eachProto3(t, mux, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/a", client.DigestAuth("user", "pass"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || len(resp.History) != 1 {
			t.Errorf("got status %d after %d redirects, want 200 after 1", resp.StatusCode, len(resp.History))
		}
	})
	ea, _ := a.log()
	eb, _ := b.log()
	want := []string{"401", "200 nc=00000001"}
	if w := slices.Repeat(want, len(protos3)); !slices.Equal(ea, w) || !slices.Equal(eb, w) {
		t.Errorf("got /a %q and /b %q, want %q for both", ea, eb, w)
	}
}

// TestDigestBody: the answer to a challenge sends the body again; a body
// that cannot be rewound is not sent empty: the 401 is returned.
func TestDigestBody(t *testing.T) {
	ds := &digestServer{user: "user", pass: "pass", realm: "r", opaque: "o", qop: "auth"}
	eachProto3(t, ds, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		tests := []struct {
			name       string
			opt        client.RequestOption
			wantStatus int
			wantBody   string
		}{
			{"form", client.Form{"life": "42"}, 200, "life=42"},
			{"bytes", client.Body(strings.NewReader("raw bytes")), 200, "raw bytes"},
			{"json", client.JSON(map[string]int{"a": 1}), 200, `{"a":1}`},
			{"one-shot reader", client.Body(io.MultiReader(strings.NewReader("once"))), 401, ""},
		}
		for _, tt := range tests {
			resp, err := s.Post(ctx, srv.URL+"/post", tt.opt, client.DigestAuth("user", "pass"))
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s: got status %d, want %d", tt.name, resp.StatusCode, tt.wantStatus)
				continue
			}
			if tt.wantStatus == 200 {
				got, _ := client.DecodeJSON[map[string]string](resp)
				if got["body"] != tt.wantBody {
					t.Errorf("%s: server got body %q, want %q", tt.name, got["body"], tt.wantBody)
				}
			}
		}
	})
}

// TestDigestCookies is test_DIGEST_AUTH_SETS_SESSION_COOKIES and
// test_DIGEST_AUTH_RETURNS_COOKIE: a cookie set by the 401 is sent with the
// answer and kept in the session's jar.
func TestDigestCookies(t *testing.T) {
	ds := &digestServer{user: "user", pass: "pass", realm: "r", opaque: "o", qop: "auth", cookie: true}
	eachProto3(t, ds, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/", client.DigestAuth("user", "pass"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Errorf("got status %d, want 200", resp.StatusCode)
		}
		var got string
		for _, c := range s.Jar().Cookies(resp.URL) {
			if c.Name == "fake" {
				got = c.Value
			}
		}
		if got != "fake_value" {
			t.Errorf("jar has fake=%q, want fake_value", got)
		}
	})
}

// TestDigestStream is test_DIGEST_STREAM: the final response of a digest
// exchange can be streamed.
func TestDigestStream(t *testing.T) {
	eachProto3(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/digest-auth/auth/user/pass/MD5",
			client.DigestAuth("user", "pass"), client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.Contains(string(data), `"authenticated": true`) {
			t.Errorf("got %d %s, want 200 authenticated", resp.StatusCode, data)
		}
	})
}

// TestDigestNotAcrossHosts: after a redirect to another host, digest
// credentials are neither sent nor used to answer that host's challenge.
func TestDigestNotAcrossHosts(t *testing.T) {
	ds := &digestServer{user: "user", pass: "pass", realm: "r", opaque: "o", qop: "auth"}
	mux := http.NewServeMux()
	mux.Handle("/protected", ds)
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		scheme := map[bool]string{true: "https", false: "http"}[r.TLS != nil]
		http.Redirect(w, r, scheme+"://example.com:"+port+"/protected", http.StatusFound)
	})
	eachProto(t, mux, func(t *testing.T, srv server) {
		s := anyHostSession(t, srv)
		resp, err := s.Get(context.Background(), srv.at("127.0.0.1")+"/redirect", client.DigestAuth("user", "pass"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 401 || resp.URL.Hostname() != "example.com" {
			t.Errorf("got %d from %s, want 401 from example.com", resp.StatusCode, resp.URL.Hostname())
		}
	})
	if events, _ := ds.log(); !slices.Equal(events, []string{"401", "401"}) {
		t.Errorf("got %q, want one unanswered 401 per protocol", events)
	}
}

// TestChallengeError: an error from a Challenger fails the call with
// ErrAuth and the cause.
func TestChallengeError(t *testing.T) {
	cause := errors.New("no answer for you")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Toy nonce="n"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	eachProto3(t, h, func(t *testing.T, srv server) {
		_, err := srv.session(t).Get(context.Background(), srv.URL, client.UseAuth(failingChallenger{cause}))
		if !errors.Is(err, client.ErrAuth) || !errors.Is(err, cause) {
			t.Errorf("got %v, want ErrAuth wrapping the cause", err)
		}
	})
}

type failingChallenger struct{ err error }

func (failingChallenger) Apply(*http.Request) error { return nil }
func (f failingChallenger) Challenge(*http.Response, *http.Request) (bool, error) {
	return false, f.err
}

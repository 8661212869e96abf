package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

func pathOf(t *testing.T, u *url.URL) string {
	t.Helper()
	if u == nil {
		t.Fatal("nil URL")
	}
	return u.Path
}

// TestRedirectLimitDefault: test_HTTP_302_TOO_MANY_REDIRECTS. The 31st
// redirect fails with the last response, its request and 30 responses of
// history.
func TestRedirectLimitDefault(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/relative-redirect/50")
		if resp != nil {
			t.Errorf("got a response with the error")
		}
		var re *client.RedirectError
		if !errors.As(err, &re) {
			t.Fatalf("got %v, want a *RedirectError", err)
		}
		if re.Max != client.DefaultMaxRedirects {
			t.Errorf("Max: got %d, want %d", re.Max, client.DefaultMaxRedirects)
		}
		last := re.Response
		if got, want := pathOf(t, last.URL), "/relative-redirect/20"; got != want {
			t.Errorf("last response URL: got %s, want %s", got, want)
		}
		if got, want := pathOf(t, last.Request.URL), "/relative-redirect/20"; got != want {
			t.Errorf("last request URL: got %s, want %s", got, want)
		}
		if last.StatusCode != http.StatusFound {
			t.Errorf("last status: got %d, want 302", last.StatusCode)
		}
		if got, want := len(last.History), 30; got != want {
			t.Fatalf("history: got %d responses, want %d", got, want)
		}
		for i, h := range last.History {
			if got, want := pathOf(t, h.URL), "/relative-redirect/"+strconv.Itoa(50-i); got != want {
				t.Errorf("history[%d]: got %s, want %s", i, got, want)
			}
		}
		var reqErr *client.RequestError
		if !errors.As(err, &reqErr) {
			t.Fatalf("got %T, want *RequestError", err)
		}
		if !strings.HasSuffix(reqErr.URL, "/relative-redirect/21") {
			t.Errorf("RequestError.URL: got %s, want the URL of the last redirect followed", reqErr.URL)
		}
	})
}

// TestRedirectLimitSettings: test_HTTP_302_TOO_MANY_REDIRECTS_WITH_PARAMS,
// and the session and request limits with 0 meaning "do not follow".
func TestRedirectLimitSettings(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		tests := []struct {
			name        string
			sess        []client.Option
			req         []client.RequestOption
			path        string
			wantErr     bool
			wantLast    string // path of the response returned or carried by the error
			wantHistory int
		}{
			{"request limit reached", nil, []client.RequestOption{client.MaxRedirects(5)}, "/relative-redirect/50", true, "/relative-redirect/45", 5},
			{"session limit reached", []client.Option{client.WithMaxRedirects(5)}, nil, "/relative-redirect/50", true, "/relative-redirect/45", 5},
			{"request overrides session", []client.Option{client.WithMaxRedirects(5)}, []client.RequestOption{client.MaxRedirects(6)}, "/redirect/6", false, "/get", 6},
			{"request lowers session", []client.Option{client.WithMaxRedirects(40)}, []client.RequestOption{client.MaxRedirects(2)}, "/redirect/3", true, "/relative-redirect/1", 2},
			{"exactly at the limit", nil, []client.RequestOption{client.MaxRedirects(3)}, "/redirect/3", false, "/get", 3},
			{"above default", []client.Option{client.WithMaxRedirects(35)}, nil, "/redirect/35", false, "/get", 35},
			{"session 0 returns the 3xx", []client.Option{client.WithMaxRedirects(0)}, nil, "/redirect/3", false, "/redirect/3", 0},
			{"request 0 returns the 3xx", nil, []client.RequestOption{client.MaxRedirects(0)}, "/redirect/3", false, "/redirect/3", 0},
			{"negative is 0", nil, []client.RequestOption{client.MaxRedirects(-1)}, "/redirect/3", false, "/redirect/3", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := srv.session(t, tt.sess...)
				resp, err := s.Get(context.Background(), srv.URL+tt.path, tt.req...)
				if tt.wantErr {
					var re *client.RedirectError
					if !errors.As(err, &re) {
						t.Fatalf("got %v, want a *RedirectError", err)
					}
					resp = re.Response
					if re.Max != tt.wantHistory {
						t.Errorf("Max: got %d, want %d", re.Max, tt.wantHistory)
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if got := pathOf(t, resp.URL); got != tt.wantLast {
					t.Errorf("last URL: got %s, want %s", got, tt.wantLast)
				}
				if got := len(resp.History); got != tt.wantHistory {
					t.Errorf("history: got %d, want %d", got, tt.wantHistory)
				}
				if tt.wantHistory == 0 && !tt.wantErr {
					if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") == "" {
						t.Errorf("got %d with Location %q, want the 302 itself", resp.StatusCode, resp.Header.Get("Location"))
					}
				}
			})
		}
	})
}

// TestRedirectHistory: test_redirect_history_no_self_reference,
// test_requests_in_history_are_not_overridden, test_history_is_always_a_list,
// test_requests_history_is_saved.
func TestRedirectHistory(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		resp, err := s.Get(ctx, srv.URL+"/redirect/5")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pathOf(t, resp.URL), "/get"; got != want {
			t.Errorf("final URL: got %s, want %s", got, want)
		}
		want := []string{"/redirect/5", "/relative-redirect/4", "/relative-redirect/3", "/relative-redirect/2", "/relative-redirect/1"}
		var got []string
		for i, h := range resp.History {
			got = append(got, pathOf(t, h.URL))
			if h == resp {
				t.Errorf("history[%d] is the response itself", i)
			}
			if h.URL.String() != h.Request.URL.String() {
				t.Errorf("history[%d]: URL %s, Request.URL %s, want them equal", i, h.URL, h.Request.URL)
			}
			if h.StatusCode != http.StatusFound {
				t.Errorf("history[%d]: got status %d, want 302", i, h.StatusCode)
			}
			// Each redirect carries the history before it, as in Requests.
			if !slices.Equal(h.History, resp.History[:i]) {
				t.Errorf("history[%d].History: got %d entries, want the %d before it", i, len(h.History), i)
			}
			if slices.Contains(h.History, h) {
				t.Errorf("history[%d] refers to itself", i)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("history: got %v, want %v", got, want)
		}
		if resp.Request.URL.Path != "/get" {
			t.Errorf("final request: got %s, want /get", resp.Request.URL.Path)
		}

		resp, err = s.Get(ctx, srv.URL+"/get")
		if err != nil {
			t.Fatal(err)
		}
		if resp.History == nil || len(resp.History) != 0 {
			t.Errorf("history without redirects: got %#v, want an empty, non-nil slice", resp.History)
		}
	})
}

// TestRedirectLoop: a loop ends with ErrTooManyRedirects, carrying the last
// response with its history.
func TestRedirectLoop(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range []struct {
			opts []client.RequestOption
			want int
		}{
			{nil, 30},
			{[]client.RequestOption{client.MaxRedirects(5)}, 5},
		} {
			_, err := s.Get(context.Background(), srv.URL+"/loop", tt.opts...)
			if !errors.Is(err, client.ErrTooManyRedirects) {
				t.Fatalf("got %v, want ErrTooManyRedirects", err)
			}
			var re *client.RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("got %T, want a *RedirectError", err)
			}
			if got := len(re.Response.History); got != tt.want {
				t.Errorf("history: got %d, want %d", got, tt.want)
			}
			if re.Response.StatusCode != http.StatusFound || re.Response.URL.Path != "/loop" {
				t.Errorf("last response: got %d %s, want 302 /loop", re.Response.StatusCode, re.Response.URL)
			}
		}
	})
}

// TestRedirectErrorPromises table-tests what the documentation of errors
// promises for redirects.
func TestRedirectErrorPromises(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		_, tooMany := s.Get(ctx, srv.URL+"/relative-redirect/3", client.MaxRedirects(1))
		_, badTarget := s.Get(ctx, srv.URL+"/redirect-to?url="+url.QueryEscape("ftp://example.com/"))
		var (
			re  *client.RedirectError
			req *client.RequestError
		)
		tests := []struct {
			name   string
			err    error
			target any // an error to match with errors.Is, or a pointer for errors.As
			want   bool
		}{
			{"too many: Is ErrTooManyRedirects", tooMany, client.ErrTooManyRedirects, true},
			{"too many: As *RedirectError", tooMany, &re, true},
			{"too many: As *RequestError", tooMany, &req, true},
			{"too many: not ErrInvalidURL", tooMany, client.ErrInvalidURL, false},
			{"too many: not ErrTimeout", tooMany, client.ErrTimeout, false},
			{"bad target: Is ErrInvalidURL", badTarget, client.ErrInvalidURL, true},
			{"bad target: As *RequestError", badTarget, &req, true},
			{"bad target: not ErrTooManyRedirects", badTarget, client.ErrTooManyRedirects, false},
			{"bad target: not *RedirectError", badTarget, &re, false},
		}
		for _, tt := range tests {
			var got bool
			if e, ok := tt.target.(error); ok {
				got = errors.Is(tt.err, e)
			} else {
				got = errors.As(tt.err, tt.target)
			}
			if got != tt.want {
				t.Errorf("%s: got %v, want %v (error: %v)", tt.name, got, tt.want, tt.err)
			}
		}
		for _, err := range []error{tooMany, badTarget} {
			if msg := err.Error(); !strings.HasPrefix(msg, "client: ") {
				t.Errorf("error text %q: want the prefix \"client: \"", msg)
			}
		}
	})
}

// TestRedirectMethodRewrite: test_http_301/302/303_changes_post_to_get,
// their _doesnt_change_head_to_get twins, test_header_and_body_removal_on_redirect
// and test_transfer_enc_removal_on_redirect.
func TestRedirectMethodRewrite(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			code       int
			method     string
			wantMethod string
			keepBody   bool
		}{
			{301, "POST", "GET", false},
			{301, "PUT", "PUT", false},
			{301, "PATCH", "PATCH", false},
			{301, "DELETE", "DELETE", false},
			{301, "HEAD", "HEAD", false},
			{301, "GET", "GET", false},
			{302, "POST", "GET", false},
			{302, "PUT", "GET", false},
			{302, "PATCH", "GET", false},
			{302, "DELETE", "GET", false},
			{302, "OPTIONS", "GET", false},
			{302, "HEAD", "HEAD", false},
			{303, "POST", "GET", false},
			{303, "PUT", "GET", false},
			{303, "DELETE", "GET", false},
			{303, "HEAD", "HEAD", false},
			{307, "POST", "POST", true},
			{307, "PUT", "PUT", true},
			{307, "PATCH", "PATCH", true},
			{307, "HEAD", "HEAD", true},
			{308, "POST", "POST", true},
			{308, "PUT", "PUT", true},
			{308, "DELETE", "DELETE", true},
		}
		for _, tt := range tests {
			for _, chunked := range []bool{false, true} {
				var body client.RequestOption = client.Body(strings.NewReader("life=42"))
				if chunked {
					// An unsized reader goes out with chunked encoding.
					body = client.Body(io.MultiReader(strings.NewReader("life=42")))
				}
				if tt.method == "HEAD" {
					body = nil
				}
				sc.take()
				u := chain(tt.code, srv.URL+"/from", srv.URL+"/to")
				resp, err := s.Request(context.Background(), tt.method, u, body,
					client.Header{"Content-Type": "application/x-www-form-urlencoded"})
				if err != nil {
					t.Fatalf("%d %s: %v", tt.code, tt.method, err)
				}
				reqs := sc.take()
				if chunked && tt.keepBody && tt.method != "HEAD" {
					// An unseekable body cannot be sent again: the 307/308 is returned.
					if len(reqs) != 1 || resp.StatusCode != tt.code {
						t.Errorf("%d %s chunked: got %d requests and status %d, want 1 and %d", tt.code, tt.method, len(reqs), resp.StatusCode, tt.code)
					}
					continue
				}
				if len(reqs) != 2 {
					t.Fatalf("%d %s: got %d requests, want 2", tt.code, tt.method, len(reqs))
				}
				if chunked && tt.method != "HEAD" && srv.proto == "HTTP/1.1" && len(reqs[0].TransferEncoding) == 0 {
					t.Errorf("%d %s: first request was not chunked", tt.code, tt.method)
				}
				got := reqs[1]
				if got.Method != tt.wantMethod {
					t.Errorf("%d %s: got %s, want %s", tt.code, tt.method, got.Method, tt.wantMethod)
				}
				if resp.Request.Method != tt.wantMethod {
					t.Errorf("%d %s: Response.Request.Method got %s, want %s", tt.code, tt.method, resp.Request.Method, tt.wantMethod)
				}
				if tt.keepBody {
					want := "life=42"
					if tt.method == "HEAD" {
						want = ""
					}
					if string(got.Body) != want || got.Header.Get("Content-Type") == "" {
						t.Errorf("%d %s: got body %q, Content-Type %q, want both kept", tt.code, tt.method, got.Body, got.Header.Get("Content-Type"))
					}
					continue
				}
				if len(got.Body) != 0 || got.ContentLength > 0 {
					t.Errorf("%d %s: got body %q (length %d), want none", tt.code, tt.method, got.Body, got.ContentLength)
				}
				for _, h := range []string{"Content-Type", "Transfer-Encoding"} {
					if v := got.Header.Get(h); v != "" {
						t.Errorf("%d %s: got %s %q, want it removed", tt.code, tt.method, h, v)
					}
				}
				if len(got.TransferEncoding) != 0 {
					t.Errorf("%d %s: got Transfer-Encoding %v, want none", tt.code, tt.method, got.TransferEncoding)
				}
			}
		}
	})
}

// TestRedirect303Then307StaysGet: test_requests_are_updated_each_time. A
// POST turned into a GET by a 303 stays a GET, without a body, through a
// following 307.
func TestRedirect303Then307StaysGet(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		sc.take()
		u := chain(303, srv.URL+"/a", chain(307, srv.URL+"/b", srv.URL+"/c"))
		if _, err := s.Post(context.Background(), u, client.Form{"a": "1"}); err != nil {
			t.Fatal(err)
		}
		reqs := sc.take()
		var methods []string
		for _, r := range reqs {
			methods = append(methods, r.Method)
			if r.Method == "GET" && len(r.Body) != 0 {
				t.Errorf("%s got body %q", r.URL, r.Body)
			}
		}
		if want := []string{"POST", "GET", "GET"}; !slices.Equal(methods, want) {
			t.Errorf("methods: got %v, want %v", methods, want)
		}
	})
}

// TestRedirectKeepsBody: test_HTTP_307_ALLOW_REDIRECT_POST(_WITH_SEEKABLE).
// 307 and 308 send the same bytes again, for every kind of rewindable body,
// across several hops.
func TestRedirectKeepsBody(t *testing.T) {
	sc := &script{}
	big := make([]byte, 1<<20)
	rand.Read(big)
	dir := t.TempDir()
	file := filepath.Join(dir, "body")
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			name string
			body func(t *testing.T) client.RequestOption
			want []byte
		}{
			{"strings.Reader", func(*testing.T) client.RequestOption { return client.Body(strings.NewReader("hello, world")) }, []byte("hello, world")},
			{"bytes.Reader", func(*testing.T) client.RequestOption { return client.Body(bytes.NewReader(big)) }, big},
			{"bytes.Buffer", func(*testing.T) client.RequestOption { return client.Body(bytes.NewBuffer(big[:1000])) }, big[:1000]},
			{"form", func(*testing.T) client.RequestOption { return client.Form{"a": "1"} }, []byte("a=1")},
			{"JSON", func(*testing.T) client.RequestOption { return client.JSON([]int{1, 2}) }, []byte("[1,2]")},
			{"file", func(t *testing.T) client.RequestOption {
				f, err := os.Open(file)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				return client.Body(f)
			}, big},
			{"file seeked", func(t *testing.T) client.RequestOption {
				f, err := os.Open(file)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				if _, err := f.Seek(1000, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				return client.Body(f)
			}, big[1000:]},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sc.take()
				u := chain(307, srv.URL+"/a", chain(308, srv.URL+"/b", chain(307, srv.URL+"/c", srv.URL+"/d")))
				resp, err := s.Post(context.Background(), u, tt.body(t))
				if err != nil {
					t.Fatal(err)
				}
				if got := len(resp.History); got != 3 {
					t.Errorf("history: got %d, want 3", got)
				}
				reqs := sc.take()
				if len(reqs) != 4 {
					t.Fatalf("got %d requests, want 4", len(reqs))
				}
				for i, r := range reqs {
					if r.Method != "POST" {
						t.Errorf("hop %d: got %s, want POST", i, r.Method)
					}
					if !bytes.Equal(r.Body, tt.want) {
						t.Errorf("hop %d: got %d bytes, want the %d sent first", i, len(r.Body), len(tt.want))
					}
					if r.ContentLength != int64(len(tt.want)) {
						t.Errorf("hop %d: got Content-Length %d, want %d", i, r.ContentLength, len(tt.want))
					}
				}
			})
		}
	})
}

// TestRedirectUnrewindableBodyStops: a body that cannot be read twice stops
// at the 307, which is returned as it is (Requests raises
// UnrewindableBodyError instead).
func TestRedirectUnrewindableBodyStops(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, code := range []int{307, 308} {
			sc.take()
			body := struct{ io.Reader }{strings.NewReader("once")}
			resp, err := s.Post(context.Background(), chain(code, srv.URL+"/a", srv.URL+"/b"), client.Body(body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != code || len(resp.History) != 0 {
				t.Errorf("got %d with %d redirects, want the %d itself", resp.StatusCode, len(resp.History), code)
			}
			reqs := sc.take()
			if len(reqs) != 1 || string(reqs[0].Body) != "once" {
				t.Errorf("server saw %d requests, want 1 with the body", len(reqs))
			}
		}
	})
}

// TestRedirectFragments: test_fragment_maintained_on_redirect,
// test_fragment_update_on_redirect, test_fragment_not_sent_with_request.
func TestRedirectFragments(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			name        string
			url         string
			wantFinal   string
			wantHistory []string // fragments of the history URLs
		}{
			{"kept", chain(302, srv.URL+"/a", srv.URL+"/b") + "#frag", "frag", []string{"frag"}},
			{"replaced", chain(302, srv.URL+"/a", srv.URL+"/b#new") + "#old", "new", []string{"old"}},
			{"replaced, then kept", chain(302, srv.URL+"/a", srv.URL+"/b#relevant-section", srv.URL+"/c") + "#view=edit&token=hunter2",
				"relevant-section", []string{"view=edit&token=hunter2", "relevant-section"}},
			{"relative location", srv.URL + "/a?to=b#x", "x", []string{"x"}},
		}
		for _, tt := range tests {
			sc.take()
			resp, err := s.Get(context.Background(), tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if resp.URL.Fragment != tt.wantFinal {
				t.Errorf("%s: final fragment: got %q, want %q", tt.name, resp.URL.Fragment, tt.wantFinal)
			}
			var got []string
			for _, h := range resp.History {
				got = append(got, h.URL.Fragment)
			}
			if !slices.Equal(got, tt.wantHistory) {
				t.Errorf("%s: history fragments: got %q, want %q", tt.name, got, tt.wantHistory)
			}
			for _, r := range sc.take() {
				if strings.Contains(r.URL, "#") || strings.Contains(r.URL, "hunter2") {
					t.Errorf("%s: the server saw %s, want no fragment", tt.name, r.URL)
				}
			}
		}
	})
}

// TestRedirectLocationForms: relative, scheme-relative and uppercase-scheme
// Locations (test_uppercase_scheme_redirect), and a non-ASCII Location
// (test_redirect_rfc1808_to_non_ascii_location).
func TestRedirectLocationForms(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		u, _ := url.Parse(srv.URL)
		tests := []struct {
			location string
			want     string // the path and query the server sees after the redirect
		}{
			{"b", "/dir/b"},
			{"../up", "/up"},
			{"./same?q=1", "/dir/same?q=1"},
			{"?only=query", "/dir/a?only=query"},
			{"/abs", "/abs"},
			{"//" + u.Host + "/scheme-relative", "/scheme-relative"},
			{strings.ToUpper(u.Scheme) + "://" + u.Host + "/upper", "/upper"},
			{srv.URL + "/full", "/full"},
			{"/š", "/%C5%A1"},
			{"/a b", "/a%20b"},
			{"/%7Etilde", "/~tilde"},
			{"/q?x=š", "/q?x=%C5%A1"},
		}
		for _, tt := range tests {
			sc.take()
			resp, err := s.Get(context.Background(), srv.URL+"/dir/a?to="+url.QueryEscape(tt.location))
			if err != nil {
				t.Errorf("%q: %v", tt.location, err)
				continue
			}
			reqs := sc.take()
			if len(reqs) != 2 {
				t.Errorf("%q: got %d requests, want 2", tt.location, len(reqs))
				continue
			}
			if got, want := reqs[1].URL, srv.URL+tt.want; got != want {
				t.Errorf("%q: server saw %s, want %s", tt.location, got, want)
			}
			if got, want := resp.URL.String(), srv.URL+tt.want; got != want {
				t.Errorf("%q: Response.URL %s, want %s", tt.location, got, want)
			}
		}
	})
}

// TestRedirectInvalidTarget: test_redirecting_to_bad_url. A redirect to a
// URL that cannot be requested fails with ErrInvalidURL and sends nothing.
func TestRedirectInvalidTarget(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, loc := range []string{
			"http://:1",
			"http://:1/path",
			"https://",
			"ftp://example.com/file",
			"file:///etc/passwd",
			"javascript:alert(1)",
			"data:text/plain,hi",
			"mailto:someone@example.com",
			"http://*.example.com/",
		} {
			sc.take()
			resp, err := s.Get(context.Background(), srv.URL+"/a?to="+url.QueryEscape(loc))
			if !errors.Is(err, client.ErrInvalidURL) {
				t.Errorf("%q: got %v, want ErrInvalidURL", loc, err)
			}
			if resp != nil {
				t.Errorf("%q: got a response with the error", loc)
			}
			if n := len(sc.take()); n != 1 {
				t.Errorf("%q: server saw %d requests, want 1", loc, n)
			}
		}
	})
}

// TestRedirectNotFollowed: a 3xx without Location, or one that is not a
// redirect (300, 304, 305, 306), is returned as it is.
func TestRedirectNotFollowed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := 302
		switch r.URL.Path {
		case "/300":
			code = 300
		case "/304":
			code = 304
		case "/305":
			code = 305
		case "/306":
			code = 306
		}
		if r.URL.Path != "/302" {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, p := range []string{"/302", "/300", "/304", "/305", "/306"} {
			resp, err := s.Get(context.Background(), srv.URL+p)
			if err != nil {
				t.Fatal(err)
			}
			if resp.URL.Path != p || len(resp.History) != 0 {
				t.Errorf("%s: got %s after %d redirects, want it returned as it is", p, resp.URL.Path, len(resp.History))
			}
		}
	})
}

// TestRedirectWithWrongGzipHeader: test_redirect_with_wrong_gzipped_header.
// The body of a redirect is not decoded, so a false Content-Encoding does
// not fail the redirect.
func TestRedirectWithWrongGzipHeader(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Location", "/b")
			w.WriteHeader(http.StatusFound)
			io.WriteString(w, "this is not gzip")
			return
		}
		io.WriteString(w, "done")
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/a")
		if err != nil {
			t.Fatal(err)
		}
		if text, _ := resp.Text(); text != "done" || len(resp.History) != 1 {
			t.Errorf("got %q after %d redirects, want \"done\" after 1", text, len(resp.History))
		}
	})
}

// TestRedirectEarlyAnswerKeepsBody: a server may answer 307 before it has
// read the body. The transport can still be reading the first copy of a
// file body when the redirect rewinds it; the second request must get the
// whole body all the same.
func TestRedirectEarlyAnswerKeepsBody(t *testing.T) {
	big := make([]byte, 2<<20)
	rand.Read(big)
	file := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(file, big, 0o600); err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/early" {
			io.CopyN(io.Discard, r.Body, 1000)
			w.Header().Set("Location", "/b")
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, big) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for range 3 {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.Post(context.Background(), srv.URL+"/early", client.Body(f))
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || len(resp.History) != 1 {
				t.Fatalf("got %d after %d redirects, want 200 (the whole body) after 1", resp.StatusCode, len(resp.History))
			}
		}
	})
}

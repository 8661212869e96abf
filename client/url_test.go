package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// requestLine records the request-target and Host each request arrived with.
type requestLine struct {
	uri, host string
}

func recordRequests(got chan<- requestLine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- requestLine{r.RequestURI, r.Host}
	})
}

// TestURLPreparation checks what Requests' test_preparing_url,
// test_path_is_not_double_encoded, test_requote_uri_with_unquoted_percents,
// test_unquote_unreserved and test_whitespaces_are_removed_from_url check:
// the URL a session resolves, without sending anything.
func TestURLPreparation(t *testing.T) {
	s := client.NewSession()
	t.Cleanup(s.Close)
	tests := []struct {
		in, want string
	}{
		{"http://google.com", "http://google.com"},
		{"http://ジェーピーニック.jp", "http://xn--hckqz9bzb1cyrb.jp"},
		{"http://xn--n3h.net/", "http://xn--n3h.net/"},
		{"http://straße.de/straße", "http://xn--strae-oqa.de/stra%C3%9Fe"},
		{"http://Königsgäßchen.de/straße", "http://xn--knigsgchen-b4a3dun.de/stra%C3%9Fe"},
		// UTS #46 lookup rules, as browsers and curl apply them: the
		// snowman is a valid label (Requests, on IDNA 2008, refuses it).
		{"http://☃.net/", "http://xn--n3h.net/"},
		{"http://[1200:0000:ab00:1234:0000:2552:7777:1313]:12345/", "http://[1200:0000:ab00:1234:0000:2552:7777:1313]:12345/"},
		{"http://[::1]:8080/x", "http://[::1]:8080/x"},
		{"  \thttp://example.com/a \n", "http://example.com/a"},
		{"HTTP://Example.COM/Path", "http://example.com/Path"},
		{"hTTpS://example.com/", "https://example.com/"},
		{"http://example.com/test case", "http://example.com/test%20case"},
		{"http://example.com/test%20case", "http://example.com/test%20case"},
		{"http://example.com/fiz?buz=%ppicture", "http://example.com/fiz?buz=%25ppicture"},
		// Requests quotes every '%' once one escape is invalid
		// ("%2520%25pp"); valid escapes are kept here.
		{"http://example.com/%20%pp", "http://example.com/%20%25pp"},
		{"http://example.com/abc%--", "http://example.com/abc%25--"},
		{"http://example.com/%30%7e%2f%7E", "http://example.com/0~%2F~"},
		{"http://example.com/%e2%82%ac", "http://example.com/%E2%82%AC"},
		{"http://example.com/ü?ü=ü#ü", "http://example.com/%C3%BC?%C3%BC=%C3%BC#%C3%BC"},
		{"http://example.com/a|b{c}", "http://example.com/a%7Cb%7Bc%7D"},
		{"http://example.com/?a=b c&d=é", "http://example.com/?a=b%20c&d=%C3%A9"},
		{"http://example.com//v:h", "http://example.com//v:h"},
		{
			"http://E8A3BE87-9E3F-4620-8858-95478E385B5B:EA770032-DA4D-4D84-8CE9-29C6D910BF1E@exactly-------------sixty-----------three------------characters:9000/path?query#frag",
			"http://E8A3BE87-9E3F-4620-8858-95478E385B5B:EA770032-DA4D-4D84-8CE9-29C6D910BF1E@exactly-------------sixty-----------three------------characters:9000/path?query#frag",
		},
		{"http://us er:pä@ss@example.com/", "http://us%20er:p%C3%A4%40ss@example.com/"},
	}
	for _, tt := range tests {
		u, err := s.ResolveURL(client.NewRequest("GET", tt.in))
		if err != nil {
			t.Errorf("ResolveURL(%q): %v", tt.in, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("ResolveURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestInvalidURLs covers test_preparing_bad_url, test_invalid_url and the
// URL cases of test_errors: each fails with ErrInvalidURL before any I/O.
func TestInvalidURLs(t *testing.T) {
	s := client.NewSession()
	t.Cleanup(s.Close)
	for _, in := range []string{
		"http://*.google.com",
		"http://*",
		"http://.example.com",
		"example.com/x",      // no scheme: Requests' MissingSchema
		"localhost:3128",     // Requests' InvalidSchema
		"ftp://example.com/", // a scheme no transport is mounted for
		"file:///etc/passwd",
		"data:text/plain,hi",
		"http://",
		"http:///path",
		"http://:80/",
		"",
		"   ",
		"http://fe80::5054:ff:fe5a:fc0", // IPv6 without brackets
		"http://example.com:port/",
		"http://ex ample.com/",
		"http://example.com/a\r\nX-Injected: 1",
		"http://example.com/\x00",
		"http://exa\tmple.com/",
		"http://a_b.テスト/", // not a valid IDNA label
	} {
		_, err := s.ResolveURL(client.NewRequest("GET", in))
		if !errors.Is(err, client.ErrInvalidURL) {
			t.Errorf("ResolveURL(%q): got %v, want ErrInvalidURL", in, err)
		}
	}
}

// TestURLOnTheWire sends prepared URLs to a server and checks the
// request-target it receives: the path is escaped exactly once, and the
// Host is the punycode or lower-case form.
func TestURLOnTheWire(t *testing.T) {
	got := make(chan requestLine, 1)
	eachProto(t, recordRequests(got), func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			path string
			opts []client.RequestOption
			want string
		}{
			{"/get/test case", nil, "/get/test%20case"},
			{"/get/test%20case", nil, "/get/test%20case"},
			{"/straße", nil, "/stra%C3%9Fe"},
			{"/p?x=1#frag", []client.RequestOption{client.Param("a", "b")}, "/p?x=1&a=b"},
			{"//v:h", nil, "//v:h"},
			{"/%7Euser/%2Fslash", nil, "/~user/%2Fslash"},
		}
		for _, tt := range tests {
			resp, err := s.Get(context.Background(), srv.URL+tt.path, tt.opts...)
			if err != nil {
				t.Fatalf("GET %q: %v", tt.path, err)
			}
			line := <-got
			if line.uri != tt.want {
				t.Errorf("GET %q: server got %q, want %q", tt.path, line.uri, tt.want)
			}
			if resp.StatusCode != 200 {
				t.Errorf("GET %q: status %d, want 200", tt.path, resp.StatusCode)
			}
		}
		// Mixed-case scheme (test_mixed_case_scheme_acceptable).
		for _, scheme := range []string{"HTTP", "hTTp", "HttP"} {
			u := scheme + srv.URL[4:]
			if srv.proto == "HTTP/2" {
				u = scheme + "S" + srv.URL[5:]
			}
			resp, err := s.Get(context.Background(), u+"/x")
			if err != nil {
				t.Fatalf("GET %q: %v", u, err)
			}
			<-got
			if resp.StatusCode != 200 {
				t.Errorf("GET %q: status %d, want 200", u, resp.StatusCode)
			}
		}
	})
}

// TestFragmentNotSent covers test_fragment_not_sent_with_request: the
// fragment stays on the response's URL but never goes on the wire.
func TestFragmentNotSent(t *testing.T) {
	got := make(chan requestLine, 1)
	eachProto(t, recordRequests(got), func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/a?b=c#frag", client.Param("d", "e"))
		if err != nil {
			t.Fatal(err)
		}
		if line := <-got; line.uri != "/a?b=c&d=e" {
			t.Errorf("server got %q, want %q", line.uri, "/a?b=c&d=e")
		}
		if got, want := resp.URL.String(), srv.URL+"/a?b=c&d=e#frag"; got != want {
			t.Errorf("response URL %q, want %q", got, want)
		}
	})
}

// TestParams covers section 3: params added before the fragment and after
// an existing query, order kept, repeated keys, unicode, bytes-like values
// and case-sensitive keys.
func TestParams(t *testing.T) {
	s := client.NewSession()
	t.Cleanup(s.Close)
	tests := []struct {
		name string
		url  string
		opts []client.RequestOption
		want string
	}{
		{"before fragment", "http://example.com/path#fragment", []client.RequestOption{client.Params{"a": "b"}},
			"http://example.com/path?a=b#fragment"},
		{"merged with query", "http://example.com/path?key=value#fragment", []client.RequestOption{client.Params{"a": "b"}},
			"http://example.com/path?key=value&a=b#fragment"},
		{"Params sorted by key", "http://example.com/", []client.RequestOption{client.Params{"z": "1", "a": "2", "m": "3"}},
			"http://example.com/?a=2&m=3&z=1"},
		{"Param in call order", "http://example.com/", []client.RequestOption{client.Param("z", "1"), client.Param("a", "2"), client.Param("m", "3")},
			"http://example.com/?z=1&a=2&m=3"},
		{"repeated key", "http://example.com/", []client.RequestOption{client.Param("test", "foo", "baz")},
			"http://example.com/?test=foo&test=baz"},
		{"case sensitive keys", "http://example.com/?foo=1", []client.RequestOption{client.Params{"FOO": "2"}},
			"http://example.com/?foo=1&FOO=2"},
		{"unicode", "http://example.com/", []client.RequestOption{client.Params{"ü": "ø", "k": "日本"}},
			"http://example.com/?k=%E6%97%A5%E6%9C%AC&%C3%BC=%C3%B8"},
		{"reserved characters", "http://example.com/", []client.RequestOption{client.Param("a&b", "c=d #e+f%")},
			"http://example.com/?a%26b=c%3Dd+%23e%2Bf%25"},
		{"empty value", "http://example.com/", []client.RequestOption{client.Param("flag", "")},
			"http://example.com/?flag="},
		{"empty query mark", "http://example.com/?", []client.RequestOption{client.Param("a", "b")},
			"http://example.com/?a=b"},
	}
	for _, tt := range tests {
		u, err := s.ResolveURL(client.NewRequest("GET", tt.url, tt.opts...))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestParamsReachServer sends params to go-httpbin's /get (test_unicode_get,
// test_urlencoded_get_query_multivalued_param).
func TestParamsReachServer(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/get?x=1",
			client.Params{"føø": "føø", "x": "2"}, client.Param("test", "foo", "baz"))
		if err != nil {
			t.Fatal(err)
		}
		e, err := client.DecodeJSON[echo](resp)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"føø": {"føø"}, "x": {"1", "2"}, "test": {"foo", "baz"}}
		for k, vs := range want {
			if got := e.Args[k]; strings.Join(got, ",") != strings.Join(vs, ",") {
				t.Errorf("args[%q] = %q, want %q", k, got, vs)
			}
		}
	})
}

// echoURL is a transport that answers with the URL it was asked for.
func echoURL() roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader(r.URL.String())),
			ContentLength: -1, Request: r,
		}, nil
	}
}

// TestNonHTTPSchemesThroughMount covers test_nonhttp_schemes_dont_check_URLs,
// test_url_mutation and test_parameters_for_nonstandard_schemes: a URL whose
// scheme no transport handles is refused, unless a transport is mounted for
// it; params are added only when the scheme starts with "http".
func TestNonHTTPSchemesThroughMount(t *testing.T) {
	s := client.NewSession(
		client.Mount("data:", echoURL()),
		client.Mount("mailto:", echoURL()),
		client.Mount("magnet:", echoURL()),
		client.Mount("file:", echoURL()),
		client.Mount("http+unix://sock", echoURL()),
	)
	t.Cleanup(s.Close)
	tests := []struct {
		url  string
		opts []client.RequestOption
		want string
	}{
		{"data:SSDimaUgUHl0aG9uIQ==", nil, "data:SSDimaUgUHl0aG9uIQ=="},
		{"file:///etc/passwd", nil, "file:///etc/passwd"},
		{"magnet:?xt=urn:btih:be08f00302bc2d1d3cfa3af02024fa647a271431", nil, "magnet:?xt=urn:btih:be08f00302bc2d1d3cfa3af02024fa647a271431"},
		{"mailto:user@example.org", []client.RequestOption{client.Params{"key": "value"}}, "mailto:user@example.org"},
		{"http+unix://sock/path%7E", []client.RequestOption{client.Params{"key": "value"}}, "http+unix://sock/path~?key=value"},
	}
	for _, tt := range tests {
		resp, err := s.Get(context.Background(), tt.url, tt.opts...)
		if err != nil {
			t.Errorf("GET %q: %v", tt.url, err)
			continue
		}
		if got, _ := resp.Text(); got != tt.want {
			t.Errorf("GET %q: transport got %q, want %q", tt.url, got, tt.want)
		}
	}
	// Without the mount, the same URL is refused.
	_, err := client.NewSession().Get(context.Background(), "data:SSDimaUgUHl0aG9uIQ==")
	if !errors.Is(err, client.ErrInvalidURL) {
		t.Errorf("unmounted data: URL: got %v, want ErrInvalidURL", err)
	}
}

// TestBaseURL documents how WithBaseURL joins: the base is a prefix.
func TestBaseURL(t *testing.T) {
	tests := []struct {
		base, ref string
		opts      []client.RequestOption
		want      string
	}{
		{"https://api.test/v1", "users", nil, "https://api.test/v1/users"},
		{"https://api.test/v1/", "users", nil, "https://api.test/v1/users"},
		{"https://api.test/v1", "/users", nil, "https://api.test/v1/users"},
		{"https://api.test/v1/", "/users/", nil, "https://api.test/v1/users/"},
		{"https://api.test", "users", nil, "https://api.test/users"},
		{"https://api.test", "/users", nil, "https://api.test/users"},
		{"https://api.test/v1", "", nil, "https://api.test/v1"},
		{"https://api.test/v1/search", "?q=go", nil, "https://api.test/v1/search?q=go"},
		{"https://api.test/v1", "users?page=2#top", []client.RequestOption{client.Param("per", "10")}, "https://api.test/v1/users?page=2&per=10#top"},
		{"https://api.test/v1?key=k", "users?page=2", nil, "https://api.test/v1/users?key=k&page=2"},
		{"https://api.test/v1", "a b/ü", nil, "https://api.test/v1/a%20b/%C3%BC"},
		{"https://api.test/v1%2Fx", "y", nil, "https://api.test/v1%2Fx/y"},
		{"https://api.test/v1", "../admin", nil, "https://api.test/v1/../admin"},
		{"https://api.test/v1", "//other.test/x", nil, "https://other.test/x"},
		{"https://api.test/v1", "http://other.test/x", nil, "http://other.test/x"},
		{"https://api.test/v1", "HTTPS://Other.Test/x", nil, "https://other.test/x"},
		{"https://ジェーピーニック.jp/v1", "x", nil, "https://xn--hckqz9bzb1cyrb.jp/v1/x"},
	}
	for _, tt := range tests {
		s := client.NewSession(client.WithBaseURL(tt.base))
		u, err := s.ResolveURL(client.NewRequest("GET", tt.ref, tt.opts...))
		s.Close()
		if err != nil {
			t.Errorf("base %q, ref %q: %v", tt.base, tt.ref, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("base %q, ref %q: got %q, want %q", tt.base, tt.ref, got, tt.want)
		}
	}
	for _, base := range []string{"api.test/v1", "/v1", "http://", "http://*.test/"} {
		s := client.NewSession(client.WithBaseURL(base))
		_, err := s.Get(context.Background(), "users")
		s.Close()
		if !errors.Is(err, client.ErrInvalidURL) {
			t.Errorf("base %q: got %v, want ErrInvalidURL", base, err)
		}
	}
}

// TestBaseURLOnTheWire sends a relative request through a base URL.
func TestBaseURLOnTheWire(t *testing.T) {
	got := make(chan requestLine, 1)
	eachProto(t, recordRequests(got), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithBaseURL(srv.URL+"/api/v2"))
		if _, err := s.Get(context.Background(), "/items/7", client.Params{"full": "1"}); err != nil {
			t.Fatal(err)
		}
		if line := <-got; line.uri != "/api/v2/items/7?full=1" {
			t.Errorf("server got %q, want %q", line.uri, "/api/v2/items/7?full=1")
		}
	})
}

// TestUserinfoBecomesBasicAuth checks that credentials in the URL are sent
// as basic auth (decoded) and not as part of the URL.
func TestUserinfoBecomesBasicAuth(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok {
			w.WriteHeader(401)
			return
		}
		io.WriteString(w, u+"|"+p)
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		u := strings.Replace(srv.URL, "://", "://us er:p@ss%23word@", 1)
		resp, err := srv.session(t).Get(context.Background(), u+"/")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := resp.Text(); got != "us er|p@ss#word" {
			t.Errorf("server got credentials %q, want %q", got, "us er|p@ss#word")
		}
		if resp.URL.User != nil {
			t.Errorf("response URL keeps user info %v", resp.URL.User)
		}
	})
}

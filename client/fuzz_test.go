package client_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// FuzzResolveURL builds URLs with params through the public API. A URL that
// resolves must hold no control character or space (nothing that could
// split a request line or inject a header), must parse again to itself,
// and must carry the param, decoded, as the last value of its key.
func FuzzResolveURL(f *testing.F) {
	for _, s := range [][3]string{
		{"http://example.com/path?x=1#frag", "key", "value"},
		{"https://straße.de/straße", "ü", "a b&c=d"},
		{"http://[::1]:8080/a%20b/%pp", "q", "%zz"},
		{"HTTP://user:pa%23ss@EXAMPLE.com:80/", "", ""},
		{"http://example.com/\r\nX-Injected: 1", "a", "b\r\nc"},
		{"/relative?x", "a", "b"},
		{"mailto:user@example.com", "a", "b"},
		{"http://*.example.com/", "a", "b"},
		{"http://example.com?", "a=b", "c#d"},
		{"http://☃.net/", "k", "v"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	s := client.NewSession(client.WithBaseURL("https://base.example/api/"))
	defer s.Close()
	f.Fuzz(func(t *testing.T, raw, key, value string) {
		u, err := s.ResolveURL(client.NewRequest("GET", raw, client.Param(key, value)))
		if err != nil {
			return
		}
		out := u.String()
		for i := 0; i < len(out); i++ {
			if c := out[i]; c <= ' ' || c == 0x7f {
				t.Fatalf("ResolveURL(%q) = %q: byte %#x at %d", raw, out, c, i)
			}
		}
		again, err := url.Parse(out)
		if err != nil {
			t.Fatalf("ResolveURL(%q) = %q, which does not parse: %v", raw, out, err)
		}
		if again.String() != out {
			t.Fatalf("ResolveURL(%q) = %q, parsed again %q", raw, out, again.String())
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("ResolveURL(%q) has scheme %q", raw, u.Scheme)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return // the caller's own query was not form-encoded; ours still is
		}
		if vs := q[key]; len(vs) == 0 || vs[len(vs)-1] != value {
			t.Fatalf("ResolveURL(%q) with %q=%q: query %q gives %q", raw, key, value, u.RawQuery, vs)
		}
		if strings.Contains(u.RawQuery, "#") {
			t.Fatalf("ResolveURL(%q): fragment inside the query %q", raw, u.RawQuery)
		}
	})
}

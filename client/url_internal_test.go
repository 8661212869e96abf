package client

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRequote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"/plain/path", "/plain/path"},
		{"/a b", "/a%20b"},
		{"/%20", "/%20"},
		{"/%pp", "/%25pp"},
		{"/%", "/%25"},
		{"/%4", "/%254"},
		{"/abc%--", "/abc%25--"},
		{"/%30%41%61%2D%2E%5F%7E", "/0Aa-._~"},
		{"/%2f%3F%23%25", "/%2F%3F%23%25"},
		{"/ü", "/%C3%BC"},
		{"/\x7f", "/%7F"},
		{"/\xff", "/%FF"},
		{"/a\"b<c>d\\e^f`g{h|i}", "/a%22b%3Cc%3Ed%5Ce%5Ef%60g%7Bh%7Ci%7D"},
		{"/!$&'()*+,;=:@[]~?#", "/!$&'()*+,;=:@[]~?#"},
	}
	for _, tt := range tests {
		if got := requote(tt.in); got != tt.want {
			t.Errorf("requote(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := requote(requote(tt.in)); got != requote(tt.in) {
			t.Errorf("requote is not idempotent on %q: %q then %q", tt.in, requote(tt.in), got)
		}
	}
}

func TestQuoteUserinfo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user:pass", "user:pass"},
		{"us er:pä@ss", "us%20er:p%C3%A4%40ss"},
		{"user:p%40ss", "user:p%40ss"},
		{"user:100%", "user:100%25"},
		{"a!$&'()*+,;=b", "a!$&'()*+,;=b"},
		{"a/b?c#d", "a%2Fb%3Fc%23d"},
	}
	for _, tt := range tests {
		if got := quoteUserinfo(tt.in); got != tt.want {
			t.Errorf("quoteUserinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoinBase(t *testing.T) {
	tests := []struct{ base, ref, want string }{
		{"https://a.test", "", "https://a.test"},
		{"https://a.test", "x", "https://a.test/x"},
		{"https://a.test/", "x", "https://a.test/x"},
		{"https://a.test/v1", "x/", "https://a.test/v1/x/"},
		{"https://a.test/v1/", "/x", "https://a.test/v1/x"},
		{"https://a.test/v1//", "x", "https://a.test/v1//x"},
		{"https://a.test/v1", "#f", "https://a.test/v1#f"},
		{"https://a.test/v1?k=1#g", "#f", "https://a.test/v1?k=1#f"},
		{"https://a.test/v1?k=1", "?q=2", "https://a.test/v1?k=1&q=2"},
		{"https://a.test/v%201", "x%2Fy", "https://a.test/v%201/x%2Fy"},
		{"https://u:p@a.test/v1", "x", "https://u:p@a.test/v1/x"},
	}
	for _, tt := range tests {
		base, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := url.Parse(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinBase(base, ref).String(); got != tt.want {
			t.Errorf("joinBase(%q, %q) = %q, want %q", tt.base, tt.ref, got, tt.want)
		}
		if base.String() != tt.base {
			t.Errorf("joinBase changed the base to %q", base)
		}
	}
}

// FuzzResolveURL builds URLs from arbitrary input, with and without a base
// URL and with a parameter. A URL that is accepted must parse, hold no
// white space or control characters (so it can never split a request line
// or inject a header), and come out the same when resolved again.
func FuzzResolveURL(f *testing.F) {
	for _, seed := range []struct{ raw, key, value string }{
		{"http://example.com/", "a", "b"},
		{"http://ジェーピーニック.jp/straße?ü=ü#ü", "k", "日本"},
		{"HTTP://Example.COM:8080/a b/%pp/%30?x=%--#frag ment", "a&b", "c=d #e"},
		{"http://[::1]:80/x", "", ""},
		{"http://[fe80::1%25en0]/", "z", "1"},
		{"http://us er:pä@ss@host/", "", "v"},
		{"  https://a.test/\t", "k", "\r\n"},
		{"users/1", "page", "2"},
		{"/v2/../x", "a", "b"},
		{"?q=1", "a", "b"},
		{"//other.test/p", "a", "b"},
		{"http://a.test/\r\nX: y", "k", "v"},
		{"mailto:x@y", "k", "v"},
		{"http://a.test/%2F%2f%7e", "", ""},
		{"http://☃.net/", "", ""},
		{"http://a.test/\x80\xff", "\x00", "\x7f"},
	} {
		f.Add(seed.raw, seed.key, seed.value)
	}
	plain := NewSession()
	based := NewSession(WithBaseURL("https://api.test/v1?k=1"))
	f.Cleanup(func() { plain.Close(); based.Close() })
	f.Fuzz(func(t *testing.T, raw, key, value string) {
		if got, once := requote(requote(raw)), requote(raw); got != once {
			t.Fatalf("requote(%q) = %q, but requote of that is %q", raw, once, got)
		}
		for _, s := range []*Session{plain, based} {
			u, err := s.ResolveURL(NewRequest("GET", raw, Param(key, value)))
			if err != nil {
				if !errors.Is(err, ErrInvalidURL) {
					t.Fatalf("ResolveURL(%q): error %v is not ErrInvalidURL", raw, err)
				}
				continue
			}
			out := u.String()
			for i := 0; i < len(out); i++ {
				if c := out[i]; c <= ' ' || c == 0x7f {
					t.Fatalf("ResolveURL(%q) = %q: byte %#x at %d", raw, out, c, i)
				}
			}
			if _, err := url.Parse(out); err != nil {
				t.Fatalf("ResolveURL(%q) = %q, which does not parse: %v", raw, out, err)
			}
			again, err := plain.ResolveURL(NewRequest("GET", out))
			if err != nil {
				t.Fatalf("ResolveURL(%q) = %q, which fails to resolve again: %v", raw, out, err)
			}
			if again.String() != out {
				t.Fatalf("ResolveURL(%q) = %q, but resolving that gives %q", raw, out, again)
			}
			if strings.HasPrefix(u.Scheme, "http") && key != "" && u.RawQuery == "" {
				t.Fatalf("ResolveURL(%q) = %q lost the parameter %q", raw, out, key)
			}
		}
	})
}

// plainURLSeeds are URLs on both sides of plainURL's line.
var plainURLSeeds = []string{
	"http://example.com/", "https://a.test:8443/x/y?q=1&r=2#f", "http://127.0.0.1:80",
	"http://a.test", "http://a.test:", "http://a.test:80x/", "http://.a.test/", "http://a..b/",
	"http://A.test/", "http://u:p@a.test/", "http://a.test/%41", "http://a.test/ x", "http://a.test/ü",
	"http://a.test/\x7f", "http://[::1]:80/", "http://a_b.test/", "http://a.test?x", "http://a.test#f",
	"http://a.test/!$&'()*+,;=:@[]~?#", "https://", "http://:80/", "ftp://a.test/", "http://a.test/\t",
	"http://a.test:99999999999999999999/", "http://xn--n3h.net/", "http://a.test/@b",
}

// TestPlainURL: the fast path gives what the full parse gives, for URLs
// it takes.
func TestPlainURL(t *testing.T) {
	took := 0
	for _, raw := range plainURLSeeds {
		if plainURL(raw) {
			took++
			checkPlainURL(t, raw)
		}
	}
	if took < 8 {
		t.Errorf("plainURL took %d of the seeds, want at least 8", took)
	}
	for _, raw := range []string{"http://A.test/", "http://u:p@a.test/", "http://a.test/%41", "http://a.test:/", "http://.a/"} {
		if plainURL(raw) {
			t.Errorf("plainURL(%q) = true, want false", raw)
		}
	}
}

func checkPlainURL(t *testing.T, raw string) {
	t.Helper()
	fast, ferr := url.Parse(raw)
	slow, serr := parseURLSlow(raw)
	if (ferr == nil) != (serr == nil) {
		t.Fatalf("%q: url.Parse error %v, the full parse's %v", raw, ferr, serr)
	}
	if ferr == nil && fast.String() != slow.String() {
		t.Fatalf("%q: url.Parse gives %q, the full parse %q", raw, fast, slow)
	}
}

// FuzzPlainURL: whatever plainURL takes, the full parse would have parsed
// to the same URL.
func FuzzPlainURL(f *testing.F) {
	for _, raw := range plainURLSeeds {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if plainURL(raw) {
			checkPlainURL(t, raw)
		}
	})
}

package client

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// formatLinks writes links back as one Link header value.
func formatLinks(links []Link) string {
	quote := func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	var b strings.Builder
	for i, l := range links {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("<" + l.URL.String() + ">")
		if l.Rel != "" {
			b.WriteString("; rel=" + quote(l.Rel))
		}
		for _, k := range slices.Sorted(maps.Keys(l.Params)) {
			v := l.Params[k]
			if strings.HasSuffix(k, "*") {
				b.WriteString("; " + k + "=UTF-8''" + url.PathEscape(v))
			} else {
				b.WriteString("; " + k + "=" + quote(v))
			}
		}
	}
	return b.String()
}

// FuzzParseLinks parses arbitrary Link headers. The parser must not panic;
// every link it finds must be well formed (an absolute URL, a lower-case
// relation type without white space, lower-case parameter names), and
// writing the links back and parsing them again must give the same links.
func FuzzParseLinks(f *testing.F) {
	for _, seed := range []string{
		``,
		`<http://example.com/front.jpeg>; rel=front; type="image/jpeg"`,
		`<http://example.com/front.jpeg>;`,
		`<http://example.com/front.jpeg>; type="image/jpeg",<http://example.com/back.jpeg>;`,
		`<https://api.github.com/user/repos?page=3&per_page=100>; rel="next", <https://api.github.com/user/repos?page=50&per_page=100>; rel="last"`,
		`</page/2>; rel="next last"; title*=UTF-8'de'n%c3%a4chstes`,
		`<https://a.test/x,y;z>; rel=next; title="a, b; c=\"d\""`,
		`garbage, <https://a.test/ok>; rel=ok, <https://a.test/bad> junk; rel=bad, <unterminated`,
		`<?q=1>; REL=First; crossorigin; as=style`,
		`<//other.test/p>; rel=x; title*=iso-8859-1'en'%A3%20rates`,
		`<https://ジェーピーニック.jp/straße>; rel="a	b"`,
		`<a>;;;=;"";rel="\`,
	} {
		f.Add(seed)
	}
	base, _ := url.Parse("https://api.test/v1/items?page=1")
	f.Fuzz(func(t *testing.T, header string) {
		links := parseLinks([]string{header}, base)
		for _, l := range links {
			if l.URL == nil || !l.URL.IsAbs() {
				t.Fatalf("%q: link URL %v is not absolute", header, l.URL)
			}
			if l.Rel != strings.ToLower(l.Rel) || strings.ContainsAny(l.Rel, " \t") {
				t.Fatalf("%q: relation type %q", header, l.Rel)
			}
			if l.Params == nil {
				t.Fatalf("%q: nil Params", header)
			}
			for k, v := range l.Params {
				if k == "" || k != strings.ToLower(k) || k == "rel" {
					t.Fatalf("%q: parameter name %q", header, k)
				}
				if strings.HasSuffix(k, "*") && !utf8.ValidString(v) {
					t.Fatalf("%q: extended value %q is not UTF-8", header, v)
				}
			}
		}
		again := parseLinks([]string{formatLinks(links)}, base)
		if len(again) != len(links) {
			t.Fatalf("%q: %d links, but %d after writing them as %q", header, len(links), len(again), formatLinks(links))
		}
		for i := range links {
			a, b := links[i], again[i]
			if a.URL.String() != b.URL.String() || a.Rel != b.Rel || !maps.Equal(a.Params, b.Params) {
				t.Fatalf("%q: link %d is %v %q %v, but %v %q %v after writing it as %q",
					header, i, a.URL, a.Rel, a.Params, b.URL, b.Rel, b.Params, formatLinks(links))
			}
		}
	})
}

// FuzzTextEncoding decodes arbitrary bodies under arbitrary Content-Types.
// It must not panic, must name a character set, and must give valid UTF-8.
func FuzzTextEncoding(f *testing.F) {
	for _, seed := range []struct{ body, ct string }{
		{"caf\xe9", "text/plain; charset=iso-8859-1"},
		{"\xef\xbb\xbfü", "text/plain"},
		{"\xff\xfe\x00\x00{\x00\x00\x00", "application/json"},
		{"\x00{\x00}", "application/json"},
		{`<meta charset="shift_jis">` + "\x93\xfa", "text/html"},
		{`<meta http-equiv="content-type" content="text/html; charset=koi8-r">`, ""},
		{`<?xml version="1.0" encoding="ISO-8859-2"?>` + "\xb1", "application/xml"},
		{"\xfe\xff\x00a", `text/plain; charset="utf-8`},
		{"x", "text/plain;; charset=; charset=latin1"},
		{"\x00\x00\xfe\xff", "application/ld+json; charset=utf-32"},
	} {
		f.Add([]byte(seed.body), seed.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		_, name, bom := textEncoding(body, ct)
		if name == "" || bom < 0 || bom > len(body) {
			t.Fatalf("textEncoding(%q, %q): name %q, BOM of %d bytes", body, ct, name, bom)
		}
		s, err := decodeText(body, ct)
		if err != nil {
			return // a decoder may refuse input; it must say so, not panic
		}
		if !utf8.ValidString(s) {
			t.Fatalf("decodeText(%q, %q) = %q, not valid UTF-8", body, ct, s)
		}
		if js, err := jsonUTF8(body, ct); err == nil && !utf8.Valid(js) && utf8.Valid(body) {
			t.Fatalf("jsonUTF8(%q, %q) = %q: valid UTF-8 came out invalid", body, ct, js)
		}
	})
}

package client

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []AuthChallenge
	}{
		{"basic", []string{`Basic realm="Fake Realm"`},
			[]AuthChallenge{{Scheme: "Basic", Params: map[string]string{"realm": "Fake Realm"}}}},
		{"bare scheme", []string{`Bearer`}, []AuthChallenge{{Scheme: "Bearer"}}},
		{"go-httpbin digest, unquoted values",
			[]string{`Digest qop=auth, realm="go-httpbin", algorithm=SHA-256, nonce=abc123, opaque=def`},
			[]AuthChallenge{{Scheme: "Digest", Params: map[string]string{
				"qop": "auth", "realm": "go-httpbin", "algorithm": "SHA-256", "nonce": "abc123", "opaque": "def"}}}},
		{"comma inside quotes", []string{`Digest realm="a, b", qop="auth,auth-int", nonce="n"`},
			[]AuthChallenge{{Scheme: "Digest", Params: map[string]string{"realm": "a, b", "qop": "auth,auth-int", "nonce": "n"}}}},
		{"escapes", []string{`Newauth title="Login to \"apps\"", path="c:\\x"`},
			[]AuthChallenge{{Scheme: "Newauth", Params: map[string]string{"title": `Login to "apps"`, "path": `c:\x`}}}},
		{"RFC 9110 two schemes in one header",
			[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`},
			[]AuthChallenge{
				{Scheme: "Newauth", Params: map[string]string{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{Scheme: "Basic", Params: map[string]string{"realm": "simple"}}}},
		{"several headers", []string{`Basic realm="x"`, `Digest realm="y", nonce="z"`},
			[]AuthChallenge{
				{Scheme: "Basic", Params: map[string]string{"realm": "x"}},
				{Scheme: "Digest", Params: map[string]string{"realm": "y", "nonce": "z"}}}},
		{"token68", []string{`Negotiate a87421000492aa874209af8bc028==, Basic realm="r"`},
			[]AuthChallenge{
				{Scheme: "Negotiate", Token68: "a87421000492aa874209af8bc028=="},
				{Scheme: "Basic", Params: map[string]string{"realm": "r"}}}},
		{"names case-folded, first wins", []string{`DIGEST Realm="a", REALM="b"`},
			[]AuthChallenge{{Scheme: "DIGEST", Params: map[string]string{"realm": "a"}}}},
		{"spaces around =", []string{`Digest realm = "a" , nonce= n`},
			[]AuthChallenge{{Scheme: "Digest", Params: map[string]string{"realm": "a", "nonce": "n"}}}},
		{"missing comma tolerated", []string{`Digest realm="a" nonce="b"`},
			[]AuthChallenge{{Scheme: "Digest", Params: map[string]string{"realm": "a", "nonce": "b"}}}},
		{"empty list elements", []string{`, ,Basic realm="x",, `},
			[]AuthChallenge{{Scheme: "Basic", Params: map[string]string{"realm": "x"}}}},
		{"param before any scheme skipped", []string{`realm="x", Basic`}, []AuthChallenge{{Scheme: "Basic"}}},
		{"unterminated quote skipped", []string{`Digest nonce="n", realm="abc`},
			[]AuthChallenge{{Scheme: "Digest", Params: map[string]string{"nonce": "n"}}}},
		{"empty", []string{""}, nil},
	}
	for _, tt := range tests {
		got := ParseChallenges(tt.values)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

// formatChallenges writes challenges back as one header value.
func formatChallenges(cs []AuthChallenge) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Scheme)
		if c.Token68 != "" {
			b.WriteString(" " + c.Token68)
		}
		keys := make([]string, 0, len(c.Params))
		for k := range c.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for j, k := range keys {
			if j > 0 || c.Token68 != "" {
				b.WriteString(",")
			}
			b.WriteString(" " + k + "=" + quoteString(c.Params[k]))
		}
	}
	return b.String()
}

// FuzzParseChallenge checks that parsing never fails or hangs, and that
// what it finds survives being written out and parsed again.
func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{
		`Basic realm="Fake Realm"`,
		`Digest qop=auth, realm="go-httpbin", algorithm=SHA-256, nonce=abc, opaque=def`,
		`Digest realm="a, b", qop="auth,auth-int", nonce="n\"x\\y"`,
		`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
		`Negotiate a87421000492aa874209af8bc028==, Basic realm="r"`,
		`Digest realm="a" nonce="b"`,
		`,,="x", "`,
		"Bearer error=\"invalid_token\", error_description=\"expired\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first := ParseChallenges([]string{s})
		for _, c := range first {
			if c.Scheme == "" {
				t.Fatalf("empty scheme in %#v", first)
			}
		}
		again := ParseChallenges([]string{formatChallenges(first)})
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("round trip of %q:\n got %#v\nwant %#v", s, again, first)
		}
	})
}

package client

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzDigestChallenge answers arbitrary WWW-Authenticate values. Whatever a
// server sends, the answer is one Digest credential echoing its realm and
// nonce, with a hex response, and a challenge that is a valid header value
// never yields an Authorization header that is not one (no CR or LF taken
// from the server into the next request).
func FuzzDigestChallenge(f *testing.F) {
	for _, s := range []string{
		`Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256`,
		`Digest realm="r", nonce="n", algorithm=MD5-sess, opaque="o"`,
		`Digest realm="a\"b", nonce="c\\d", qop="auth-int,auth", userhash=true`,
		`Digest realm="r", nonce="n", algorithm=unknown`,
		`Basic realm="x", Digest nonce=abc`,
		"Digest realm=\"r\\\r\nX-Injected: 1\", nonce=\"n\"",
		`Digest nonce=""`,
	} {
		f.Add(s, "user", "pass")
	}
	f.Add(`Digest realm="r", nonce="n"`, "üser\x00", "")
	f.Fuzz(func(t *testing.T, www, user, pass string) {
		d := &digestAuth{user: user, pass: pass}
		req := httptest.NewRequest(http.MethodGet, "http://example.org/dir/index.html?x=1", nil)
		resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {www}}, Request: req}
		retry := req.Clone(req.Context())
		ok, err := d.Challenge(resp, retry)
		if err != nil {
			t.Fatalf("Challenge(%q) = %v", www, err)
		}
		if !ok {
			return
		}
		h := retry.Header.Get("Authorization")
		if httpguts.ValidHeaderFieldValue(www) && !httpguts.ValidHeaderFieldValue(h) {
			t.Fatalf("Challenge(%q) set Authorization %q, not a valid header value", www, h)
		}
		var ch AuthChallenge
		for _, c := range ParseChallenges([]string{www}) {
			if strings.EqualFold(c.Scheme, "Digest") {
				if _, ok := newDigestState(c); ok {
					ch = c
					break
				}
			}
		}
		cs := ParseChallenges([]string{h})
		if len(cs) != 1 || cs[0].Scheme != "Digest" {
			t.Fatalf("Challenge(%q) set Authorization %q: not one Digest credential", www, h)
		}
		p := cs[0].Params
		if p["realm"] != ch.Params["realm"] || p["nonce"] != ch.Params["nonce"] {
			t.Fatalf("Challenge(%q): answer %q has realm %q nonce %q, want %q %q", www, h, p["realm"], p["nonce"], ch.Params["realm"], ch.Params["nonce"])
		}
		if _, err := hex.DecodeString(p["response"]); err != nil || p["response"] == "" {
			t.Fatalf("Challenge(%q): response %q is not hex", www, p["response"])
		}
		// Apply for the same origin answers again with a fresh count.
		next := req.Clone(req.Context())
		if err := d.Apply(next); err != nil || next.Header.Get("Authorization") == "" {
			t.Fatalf("Apply after Challenge(%q): %v, Authorization %q", www, err, next.Header.Get("Authorization"))
		}
	})
}

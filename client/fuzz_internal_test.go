package client

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// FuzzDecodeText checks charset detection: decoding never fails badly, is
// the same every time, names an encoding, keeps valid UTF-8 text as it is,
// and gives valid UTF-8 whenever it converts from another charset.
func FuzzDecodeText(f *testing.F) {
	for _, s := range [][2]string{
		{"hello", "text/plain"},
		{"caf\xe9", "text/plain; charset=iso-8859-1"},
		{"\xef\xbb\xbf{\"a\":1}", "application/json"},
		{"\xff\xfe{\x00}\x00", "application/json"},
		{"\xfe\xff\x00h\x00i", ""},
		{`<meta charset="shift_jis">` + "\x82\xa0", "text/html"},
		{`<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">` + "\xc1", "text/html"},
		{`<?xml version="1.0" encoding="windows-1251"?>` + "\xe0", "application/xml"},
		{"\x80\x81", `text/plain; charset="bogus`},
		{"plain", "text/plain; charset=utf-16"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		got, err := decodeText(data, contentType)
		again, err2 := decodeText(data, contentType)
		if got != again || (err == nil) != (err2 == nil) {
			t.Fatalf("decodeText(%q, %q) gave %q, %v then %q, %v", data, contentType, got, err, again, err2)
		}
		dec, name := textEncoding(data, contentType)
		if name == "" {
			t.Fatalf("textEncoding(%q, %q) names no encoding", data, contentType)
		}
		if err != nil {
			return
		}
		if dec == nil {
			if want := strings.TrimPrefix(string(data), "\xef\xbb\xbf"); got != want {
				t.Fatalf("decodeText(%q, %q) = %q, want the bytes unchanged", data, contentType, got)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("decodeText(%q, %q) from %s = %q, not valid UTF-8", data, contentType, name, got)
		}
	})
}

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

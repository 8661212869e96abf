package client

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// answer has d answer the challenge www for a GET of uri and returns the
// parameters of the Authorization header it set.
func answer(t *testing.T, d *digestAuth, www, uri string) map[string]string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://example.org"+uri, nil)
	resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {www}}, Request: req}
	retry := req.Clone(req.Context())
	ok, err := d.Challenge(resp, retry)
	if err != nil || !ok {
		t.Fatalf("Challenge(%q) = %v, %v; want true, nil", www, ok, err)
	}
	cs := ParseChallenges([]string{retry.Header.Get("Authorization")})
	if len(cs) != 1 || cs[0].Scheme != "Digest" {
		t.Fatalf("Authorization %q is not one Digest credential", retry.Header.Get("Authorization"))
	}
	return cs[0].Params
}

func TestDigestVectors(t *testing.T) {
	const (
		nonce7616  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce7616 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
		opaque7616 = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	)
	rfc7616 := func(alg string) string {
		return `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=` + alg +
			`, nonce="` + nonce7616 + `", opaque="` + opaque7616 + `"`
	}
	tests := []struct {
		name, user, pass, cnonce, www, uri string
		want                               map[string]string
	}{
		// RFC 2617 section 3.5.
		{"RFC 2617", "Mufasa", "Circle Of Life", "0a4f113b",
			`Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"/dir/index.html",
			map[string]string{"username": "Mufasa", "realm": "testrealm@host.com", "uri": "/dir/index.html",
				"qop": "auth", "nc": "00000001", "cnonce": "0a4f113b", "opaque": "5ccc069c403ebaf9f0171e9517f40e41",
				"response": "6629fae49393a05397450978507c4ef1"}},
		// RFC 7616 section 3.9.1.
		{"RFC 7616 MD5", "Mufasa", "Circle of Life", cnonce7616, rfc7616("MD5"), "/dir/index.html",
			map[string]string{"algorithm": "MD5", "response": "8ca523f5e9506fed4657c9700eebdbec", "opaque": opaque7616}},
		{"RFC 7616 SHA-256", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA-256"), "/dir/index.html",
			map[string]string{"algorithm": "SHA-256", "response": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}},
		// The rest were computed with Python's hashlib from the formulas of
		// RFC 7616 section 3.4 (the SHA-512-256 example of section 3.9.2 is
		// the subject of erratum 4897).
		{"MD5-sess", "Mufasa", "Circle of Life", cnonce7616, rfc7616("MD5-sess"), "/dir/index.html",
			map[string]string{"algorithm": "MD5-sess", "response": "e783283f46242139c486a698fec7211d"}},
		{"SHA-256-sess", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA-256-sess"), "/dir/index.html",
			map[string]string{"response": "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"}},
		{"SHA-512-256", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA-512-256"), "/dir/index.html",
			map[string]string{"response": "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"}},
		{"SHA-512-256-sess", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA-512-256-sess"), "/dir/index.html",
			map[string]string{"response": "3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e"}},
		{"SHA-512 (Requests)", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA-512"), "/dir/index.html",
			map[string]string{"response": "27d9ebedb4e86595d8b99152ce456620c8e47c48afbd771dbc4468bb758ca66e7312383d49ad044219d4a2c5c218e66c584fa00b2728798bcff9435825eed0ad"}},
		{"SHA (Requests)", "Mufasa", "Circle of Life", cnonce7616, rfc7616("SHA"), "/dir/index.html",
			map[string]string{"response": "e99f244f9069203415f7e8b7bd25b4b2ad3e2a7f"}},
		{"lower-case algorithm", "Mufasa", "Circle of Life", cnonce7616, rfc7616("sha-256"), "/dir/index.html",
			map[string]string{"algorithm": "sha-256", "response": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}},
		{"RFC 2069, no qop", "Mufasa", "Circle Of Life", "unused",
			`Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"`, "/dir/index.html",
			map[string]string{"response": "670fd8c2df070c60b045671b8b24ff02", "qop": "", "nc": "", "cnonce": "", "algorithm": ""}},
		{"userhash, UTF-8 user", "Jäsøn Doe", "Secret, or not?", "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
			`Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true`,
			"/doe.json",
			map[string]string{"username": "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b", "userhash": "true",
				"response": "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"}},
		{"UTF-8 user without userhash", "Jäsøn Doe", "p", "c",
			`Digest realm="r", qop=auth, nonce="n"`, "/",
			map[string]string{"username": "", "username*": "UTF-8''J%C3%A4s%C3%B8n%20Doe"}},
		{"quotes in user name", `a"b\c`, "p", "c", `Digest realm="r", qop=auth, nonce="n"`, "/",
			map[string]string{"username": `a"b\c`}},
	}
	for _, tt := range tests {
		d := &digestAuth{user: tt.user, pass: tt.pass, cnonce: func() string { return tt.cnonce }}
		got := answer(t, d, tt.www, tt.uri)
		for k, want := range tt.want {
			if got[k] != want {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got[k], want)
			}
		}
	}
}

func TestDigestUnanswerable(t *testing.T) {
	tests := []string{
		`Digest realm="r", qop="auth-int", nonce="n"`,
		`Digest realm="r", algorithm=SHA3-256, nonce="n"`,
		`Digest realm="r"`, // no nonce
		`Basic realm="r"`,
		``,
	}
	for _, www := range tests {
		d := &digestAuth{user: "u", pass: "p"}
		req := httptest.NewRequest(http.MethodGet, "http://example.org/", nil)
		resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {www}}, Request: req}
		retry := req.Clone(req.Context())
		if ok, err := d.Challenge(resp, retry); ok || err != nil {
			t.Errorf("Challenge(%q) = %v, %v; want false, nil", www, ok, err)
		}
		if h := retry.Header.Get("Authorization"); h != "" {
			t.Errorf("Challenge(%q) set Authorization %q", www, h)
		}
	}
}

// TestDigestNonceCount checks that the nonce count goes up by one per
// request for the same nonce, from any number of goroutines, and starts
// again at 1 for a new nonce.
func TestDigestNonceCount(t *testing.T) {
	d := &digestAuth{user: "u", pass: "p"}
	if got := answer(t, d, `Digest realm="r", qop=auth, nonce="n1"`, "/")["nc"]; got != "00000001" {
		t.Fatalf("first nc = %s, want 00000001", got)
	}
	const n = 50
	seen := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodGet, "http://example.org/x", nil)
			d.Apply(req)
			p := ParseChallenges([]string{req.Header.Get("Authorization")})[0].Params
			mu.Lock()
			seen[p["nc"]] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for i := 2; i <= n+1; i++ {
		if nc := hex8(i); !seen[nc] {
			t.Errorf("nc %s was never sent; got %d distinct counts, want %d", nc, len(seen), n)
		}
	}
	// The same nonce challenged again continues its count.
	if got := answer(t, d, `Digest realm="r", qop=auth, nonce="n1"`, "/")["nc"]; got != hex8(n+2) {
		t.Errorf("same nonce again: nc = %s, want %s", got, hex8(n+2))
	}
	// A new nonce starts again.
	if got := answer(t, d, `Digest realm="r", qop=auth, nonce="n2", stale=true`, "/")["nc"]; got != "00000001" {
		t.Errorf("new nonce: nc = %s, want 00000001", got)
	}
	// Another origin has no challenge yet: nothing is sent preemptively.
	req := httptest.NewRequest(http.MethodGet, "http://example.org:8080/", nil)
	d.Apply(req)
	if h := req.Header.Get("Authorization"); h != "" {
		t.Errorf("another port got Authorization %q, want none", h)
	}
}

func hex8(i int) string {
	const digits = "0123456789abcdef"
	b := []byte("00000000")
	for j := 7; j >= 0 && i > 0; j-- {
		b[j] = digits[i%16]
		i /= 16
	}
	return string(b)
}

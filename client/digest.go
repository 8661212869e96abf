package client

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// DigestAuth returns HTTP digest authentication credentials (RFC 7616, and
// RFC 2617 servers). The first request is sent without credentials; the
// 401 response's Digest challenge is answered once, by sending the request
// again (its body rewound) with an Authorization header computed from the
// challenge. A request whose body cannot be rewound (see [Body]) is not
// sent again: its 401 response is returned.
//
// Supported algorithms: MD5, SHA-256 and SHA-512-256, each also in its
// "-sess" variant, and SHA-512 and SHA (SHA-1) as Python Requests accepts
// them. The qop "auth" is used when offered; a challenge without qop is
// answered the RFC 2069 way; a challenge that offers only "auth-int", or
// an unknown algorithm, is not answered. userhash, opaque and a stale
// nonce are handled; a non-ASCII user name is sent as username*.
//
// The value remembers the last challenge of each origin (scheme, host and
// port), so later requests to that origin carry credentials at once,
// without a 401 round trip, with a nonce count that increases per nonce.
// To share that state, create the value once and reuse it, as a session
// option (client.NewSession(client.DigestAuth(u, p))) or on each request.
// It is safe for concurrent use.
func DigestAuth(user, pass string) AuthOption {
	return &digestAuth{user: user, pass: pass}
}

// digestAuth implements [DigestAuth].
type digestAuth struct {
	user, pass string
	cnonce     func() string // nil: random; set by tests for known vectors

	mu     sync.Mutex
	origin map[string]*digestState // by origin; guarded by mu, as are the states
}

// digestState is a challenge being answered and its nonce count.
type digestState struct {
	realm, nonce, opaque string
	algorithm            string // as sent, "" if the challenge named none
	newHash              func() hash.Hash
	sess                 bool
	qop                  string // "auth", or "" for RFC 2069
	userhash             bool
	nc                   uint32
}

func (d *digestAuth) applyRequest(r *Request) { r.auth, r.authSet = d, true }
func (d *digestAuth) applySession(c *config)  { c.auth = d }

// String hides the password.
func (d *digestAuth) String() string { return "DigestAuth(" + d.user + ", REDACTED)" }

// GoString hides the password from %#v.
func (d *digestAuth) GoString() string { return d.String() }

// Apply sends credentials for a challenge this origin has sent before, if
// any. A server that no longer accepts its nonce answers 401 with a new
// challenge, and that one is answered.
func (d *digestAuth) Apply(req *http.Request) error {
	d.mu.Lock()
	st := d.origin[originKey(req.URL)]
	var h string
	if st != nil {
		h = d.header(st, req)
	}
	d.mu.Unlock()
	if h != "" {
		req.Header.Set("Authorization", h)
	}
	return nil
}

// Challenge answers the first Digest challenge of resp that it supports.
func (d *digestAuth) Challenge(resp *http.Response, retry *http.Request) (bool, error) {
	for _, ch := range ParseChallenges(resp.Header.Values("WWW-Authenticate")) {
		if !strings.EqualFold(ch.Scheme, "Digest") {
			continue
		}
		st, ok := newDigestState(ch)
		if !ok {
			continue
		}
		key := originKey(retry.URL)
		d.mu.Lock()
		if old := d.origin[key]; old != nil && old.nonce == st.nonce && old.realm == st.realm {
			st.nc = old.nc // the same nonce again: its count goes on
		}
		if d.origin == nil {
			d.origin = make(map[string]*digestState)
		}
		d.origin[key] = st
		h := d.header(st, retry)
		d.mu.Unlock()
		retry.Header.Set("Authorization", h)
		return true, nil
	}
	return false, nil
}

// newDigestState reads a Digest challenge; ok is false for one that cannot
// be answered.
func newDigestState(ch AuthChallenge) (*digestState, bool) {
	p := ch.Params
	if p["nonce"] == "" {
		return nil, false
	}
	st := &digestState{realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], algorithm: p["algorithm"]}
	alg := strings.ToUpper(st.algorithm)
	if base, ok := strings.CutSuffix(alg, "-SESS"); ok {
		alg, st.sess = base, true
	}
	switch alg {
	case "", "MD5":
		st.newHash = md5.New
	case "SHA-256":
		st.newHash = sha256.New
	case "SHA-512-256":
		st.newHash = sha512.New512_256
	case "SHA-512":
		st.newHash = sha512.New
	case "SHA":
		st.newHash = sha1.New
	default:
		return nil, false
	}
	if qop, ok := p["qop"]; ok {
		for o := range strings.SplitSeq(qop, ",") {
			if strings.EqualFold(strings.TrimSpace(o), "auth") {
				st.qop = "auth"
			}
		}
		if st.qop == "" {
			return nil, false // only auth-int or unknown
		}
	}
	st.userhash = strings.EqualFold(p["userhash"], "true")
	return st, true
}

// header computes the Authorization header for req and counts the nonce.
// d.mu must be held.
func (d *digestAuth) header(st *digestState, req *http.Request) string {
	h := func(parts ...string) string {
		w := st.newHash()
		w.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(w.Sum(nil))
	}
	uri := req.URL.RequestURI()
	ha1 := h(d.user, st.realm, d.pass)
	var cnonce, nc string
	if st.qop != "" || st.sess {
		cnonce = d.newCnonce()
	}
	if st.sess {
		ha1 = h(ha1, st.nonce, cnonce)
	}
	ha2 := h(req.Method, uri)
	var response string
	if st.qop != "" {
		st.nc++
		nc = fmt.Sprintf("%08x", st.nc)
		response = h(ha1, st.nonce, nc, cnonce, st.qop, ha2)
	} else {
		response = h(ha1, st.nonce, ha2)
	}

	var b strings.Builder
	b.WriteString("Digest ")
	switch {
	case st.userhash:
		b.WriteString("username=" + quoteString(h(d.user, st.realm)))
	case needsExtValue(d.user):
		b.WriteString("username*=UTF-8''" + extValue(d.user))
	default:
		b.WriteString("username=" + quoteString(d.user))
	}
	b.WriteString(", realm=" + quoteString(st.realm))
	b.WriteString(", nonce=" + quoteString(st.nonce))
	b.WriteString(", uri=" + quoteString(uri))
	if st.algorithm != "" {
		b.WriteString(", algorithm=" + st.algorithm)
	}
	b.WriteString(", response=" + quoteString(response))
	if st.opaque != "" {
		b.WriteString(", opaque=" + quoteString(st.opaque))
	}
	if st.qop != "" {
		b.WriteString(", qop=" + st.qop + ", nc=" + nc + ", cnonce=" + quoteString(cnonce))
	} else if st.sess {
		b.WriteString(", cnonce=" + quoteString(cnonce))
	}
	if st.userhash {
		b.WriteString(", userhash=true")
	}
	return b.String()
}

func (d *digestAuth) newCnonce() string {
	if d.cnonce != nil {
		return d.cnonce()
	}
	return rand.Text()
}

// needsExtValue reports whether a user name cannot be sent as a plain
// quoted string: it has non-ASCII or control characters (RFC 7616 section
// 3.4.4).
func needsExtValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return true
		}
	}
	return false
}

// extValue encodes s as the value of an RFC 8187 ext-value, after the
// "UTF-8”" prefix.
func extValue(s string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChars, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// originKey names the origin of u: scheme, host and port, the space a
// remembered challenge is reused in.
func originKey(u *url.URL) string {
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + portOf(u)
}

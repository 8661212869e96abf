package client_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
)

// anyHostSession returns a session whose connections all go to srv, whatever
// host a URL names, so that one test server can stand for two hosts:
// "127.0.0.1" and "example.com" (its TLS certificate is valid for both).
func anyHostSession(t testing.TB, srv server, opts ...client.Option) *client.Session {
	t.Helper()
	addr := srv.Listener.Addr().String()
	d := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2: true,
	}
	if srv.Certificate() != nil {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	t.Cleanup(tr.CloseIdleConnections)
	s := client.NewSession(append([]client.Option{client.WithTransport(tr)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// at returns srv's base URL with its host replaced by host (the port kept).
func (srv server) at(host string) string {
	u, _ := url.Parse(srv.URL)
	return u.Scheme + "://" + host + ":" + u.Port()
}

// authSeen is a handler that records the Authorization header of every
// request, by host, and answers 200 (or redirects when asked with
// ?to=URL).
type authSeen struct {
	mu   sync.Mutex
	seen []string // "host auth", in order
}

func (a *authSeen) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	a.mu.Lock()
	a.seen = append(a.seen, host+" "+r.Header.Get("Authorization"))
	a.mu.Unlock()
	if to := r.URL.Query().Get("to"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Write([]byte("ok"))
}

func (a *authSeen) log() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// basic returns the Authorization value of basic auth for user and pass.
func basic(user, pass string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

// digestServer is an RFC 7616 digest server, written independently of the
// client so that each checks the other. It answers 200 with the user and
// the request body as JSON once the credentials are right.
type digestServer struct {
	user, pass string
	realm      string
	algorithm  string // as announced; "" announces none (MD5)
	qop        string // the qop parameter as written, such as `"auth"` or `auth`; "" for RFC 2069
	userhash   bool
	staleAfter int  // accept a nonce this many times, then answer stale=true; 0 for no limit
	cookie     bool // set a cookie with the 401 and require it with the answer
	opaque     string
	next       http.Handler // called instead of answering 200, if set

	mu       sync.Mutex
	nonces   map[string]*serverNonce
	events   []string        // per request: "401", "401 stale", "403" or "200 nc=N"
	cnonces  map[string]bool // every cnonce seen
	problems []string        // protocol violations
}

type serverNonce struct {
	uses int
	ncs  map[uint64]bool // counts seen: a repeat is a replay
}

func (d *digestServer) hash() func() hash.Hash {
	alg, _ := strings.CutSuffix(strings.ToUpper(d.algorithm), "-SESS")
	switch alg {
	case "SHA-256":
		return sha256.New
	case "SHA-512-256":
		return sha512.New512_256
	case "SHA-512":
		return sha512.New
	}
	return md5.New
}

func (d *digestServer) h(parts ...string) string {
	w := d.hash()()
	io.WriteString(w, strings.Join(parts, ":"))
	return hex.EncodeToString(w.Sum(nil))
}

func (d *digestServer) challenge(w http.ResponseWriter, stale bool) {
	nonce := rand.Text()
	d.nonces[nonce] = &serverNonce{ncs: make(map[uint64]bool)}
	c := fmt.Sprintf(`Digest realm="%s", nonce="%s", opaque="%s"`, d.realm, nonce, d.opaque)
	if d.algorithm != "" {
		c += ", algorithm=" + d.algorithm
	}
	if d.qop != "" {
		c += ", qop=" + d.qop
	}
	if d.userhash {
		c += ", userhash=true, charset=UTF-8"
	}
	if stale {
		c += ", stale=true"
	}
	// Another scheme first, in the same header, as servers may send.
	w.Header().Add("WWW-Authenticate", `Basic realm="other", `+c)
	if d.cookie {
		http.SetCookie(w, &http.Cookie{Name: "fake", Value: "fake_value", Path: "/"})
	}
	w.WriteHeader(http.StatusUnauthorized)
	if stale {
		d.events = append(d.events, "401 stale")
	} else {
		d.events = append(d.events, "401")
	}
}

func (d *digestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.nonces == nil {
		d.nonces = make(map[string]*serverNonce)
		d.cnonces = make(map[string]bool)
	}
	var p map[string]string
	for _, c := range client.ParseChallenges(r.Header.Values("Authorization")) {
		if c.Scheme == "Digest" {
			p = c.Params
		}
	}
	n := d.nonces[p["nonce"]]
	if p == nil || n == nil {
		d.challenge(w, false)
		return
	}
	user := p["username"]
	if v, ok := strings.CutPrefix(p["username*"], "UTF-8''"); ok {
		user, _ = url.PathUnescape(v)
	}
	wantUser := d.user
	if d.userhash {
		wantUser = d.h(d.user, d.realm)
		if p["userhash"] != "true" {
			d.problems = append(d.problems, "userhash not echoed")
		}
	}
	if p["uri"] != r.RequestURI || p["opaque"] != d.opaque || p["realm"] != d.realm || p["algorithm"] != d.algorithm {
		d.problems = append(d.problems, fmt.Sprintf("uri, opaque, realm or algorithm not echoed: %v", p))
	}
	ha1 := d.h(d.user, d.realm, d.pass)
	if strings.HasSuffix(strings.ToUpper(d.algorithm), "-SESS") {
		ha1 = d.h(ha1, p["nonce"], p["cnonce"])
	}
	ha2 := d.h(r.Method, p["uri"])
	want := d.h(ha1, p["nonce"], ha2)
	if d.qop != "" {
		if p["qop"] != "auth" {
			d.problems = append(d.problems, "qop "+p["qop"])
		}
		want = d.h(ha1, p["nonce"], p["nc"], p["cnonce"], "auth", ha2)
		nc, err := strconv.ParseUint(p["nc"], 16, 32)
		if err != nil || len(p["nc"]) != 8 || nc == 0 || n.ncs[nc] {
			d.problems = append(d.problems, fmt.Sprintf("nc %q bad or repeated", p["nc"]))
		}
		n.ncs[nc] = true
		d.cnonces[p["cnonce"]] = true
	}
	if user != wantUser || p["response"] != want {
		d.challenge(w, false)
		return
	}
	n.uses++
	if d.staleAfter > 0 && n.uses > d.staleAfter {
		d.challenge(w, true)
		return
	}
	if d.cookie {
		if c, err := r.Cookie("fake"); err != nil || c.Value != "fake_value" {
			d.events = append(d.events, "403")
			http.Error(w, "missing cookie set on challenge", http.StatusForbidden)
			return
		}
	}
	d.events = append(d.events, "200 nc="+p["nc"])
	if d.next != nil {
		d.mu.Unlock()
		d.next.ServeHTTP(w, r)
		d.mu.Lock()
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"user": d.user, "body": string(body)})
}

func (d *digestServer) log() (events, problems []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.events...), append([]string(nil), d.problems...)
}

package client

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Jar is the session's default cookie jar: net/http/cookiejar with the
// public suffix list, so that a site cannot set cookies for a whole
// registry such as "co.uk". Create one with [NewJar]; the zero Jar is not
// usable. It is safe for concurrent use.
//
// Unlike net/http/cookiejar, a Jar can be saved to and loaded from a
// cookies.txt file ([Jar.Save], [Jar.Load]), so that a session can be
// resumed later, or shared with curl, wget and other tools that read that
// format. To do so it keeps a record of every cookie it holds (domain,
// path, name, value, flags and expiry). The record holds only cookies that
// are live: cookies deleted by a server or refused by the jar are dropped at
// once, and expired ones as the jar is used, so it grows no larger than the
// jar itself.
type Jar struct {
	jar *cookiejar.Jar
	// used is set once a cookie has been offered to jar. Until then
	// Cookies answers without asking jar, which costs a public suffix
	// lookup and allocations on every request of a session that never
	// sees a cookie.
	used atomic.Bool

	// mu guards entries and pruneAt, and is held across changes to jar so
	// that the two agree.
	mu      sync.Mutex
	entries map[cookieKey]cookieEntry
	pruneAt int // prune expired entries when len(entries) reaches this
}

// cookieKey identifies a cookie as net/http/cookiejar does: a second cookie
// with the same key replaces the first.
type cookieKey struct {
	domain string // the host of a host-only cookie, else the Domain attribute
	path   string
	name   string
}

// cookieEntry is what a cookies.txt line records about a cookie.
type cookieEntry struct {
	value    string
	quoted   bool
	hostOnly bool
	secure   bool
	httpOnly bool
	expires  time.Time // zero for a session cookie
}

// minPrune is the size of the record below which expired entries are left
// for Save and later SetCookies calls to drop.
const minPrune = 256

// SetCookies implements [http.CookieJar].
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.store(u, cookies)
	j.record(u, cookies, time.Now())
}

// store hands cookies to jar. j.mu must be held.
func (j *Jar) store(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) > 0 {
		j.used.Store(true)
	}
	j.jar.SetCookies(u, cookies)
}

// Cookies implements [http.CookieJar].
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	if !j.used.Load() {
		return nil
	}
	return j.jar.Cookies(u)
}

// record mirrors in j.entries what net/http/cookiejar does with cookies set
// from u at now: the same host canonicalisation, default path, domain rules
// and expiry, so that the record names exactly the cookies the jar holds.
func (j *Jar) record(u *url.URL, cookies []*http.Cookie, now time.Time) {
	if len(cookies) == 0 || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	host, ok := canonicalCookieHost(u.Host)
	if !ok {
		return
	}
	defPath := defaultCookiePath(u.Path)
	if j.entries == nil {
		j.entries = make(map[cookieKey]cookieEntry)
	}
	for _, c := range cookies {
		domain, hostOnly, ok := cookieDomain(host, c.Domain)
		if !ok {
			continue
		}
		path := c.Path
		if path == "" || path[0] != '/' {
			path = defPath
		}
		k := cookieKey{domain: domain, path: path, name: c.Name}
		e := cookieEntry{
			value:    c.Value,
			quoted:   c.Quoted,
			hostOnly: hostOnly,
			secure:   c.Secure,
			httpOnly: c.HttpOnly,
		}
		switch {
		case c.MaxAge < 0:
			delete(j.entries, k)
			continue
		case c.MaxAge > 0:
			e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case !c.Expires.IsZero():
			if !c.Expires.After(now) {
				delete(j.entries, k)
				continue
			}
			e.expires = c.Expires
		}
		j.entries[k] = e
	}
	if len(j.entries) >= j.pruneAt {
		j.prune(now)
		j.pruneAt = max(2*len(j.entries), minPrune)
	}
}

// prune drops expired entries. The jar drops them itself when it next
// looks at their domain.
func (j *Jar) prune(now time.Time) {
	for k, e := range j.entries {
		if e.expired(now) {
			delete(j.entries, k)
		}
	}
}

func (e cookieEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !e.expires.After(now)
}

// live reports whether the jar still holds the cookie k with entry e: it
// asks the jar for the cookies of k's domain and path over https, so that
// Secure cookies are included. The record and the jar agree unless the
// record missed a change; this check keeps a file from resurrecting a
// cookie the jar no longer has.
func (j *Jar) live(k cookieKey, e cookieEntry) bool {
	u := &url.URL{Scheme: "https", Host: net.JoinHostPort(k.domain, "443"), Path: k.path}
	for _, c := range j.jar.Cookies(u) {
		if c.Name == k.name && c.Value == e.value {
			return true
		}
	}
	return false
}

// canonicalCookieHost returns the host of a URL as net/http/cookiejar keys
// it: without the port or a trailing dot, in lower-case ASCII.
func canonicalCookieHost(host string) (string, bool) {
	if hasCookiePort(host) {
		h, _, err := net.SplitHostPort(host)
		if err != nil {
			return "", false
		}
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			a, err := idna.ToASCII(host)
			if err != nil {
				return "", false
			}
			host = a
			break
		}
	}
	return strings.ToLower(host), true
}

// hasCookiePort reports whether host has a port, as net/http/cookiejar
// decides it.
func hasCookiePort(host string) bool {
	colons := strings.Count(host, ":")
	if colons == 0 {
		return false
	}
	if colons == 1 {
		return true
	}
	return host[0] == '[' && strings.Contains(host, "]:")
}

// defaultCookiePath is the path of a cookie set without a Path attribute
// (RFC 6265 section 5.1.4).
func defaultCookiePath(path string) string {
	if len(path) == 0 || path[0] != '/' {
		return "/"
	}
	i := strings.LastIndex(path, "/")
	if i == 0 {
		return "/"
	}
	return path[:i]
}

// cookieDomain returns the domain a cookie with Domain attribute domain,
// set from host, is stored under, and whether it is host-only; ok is false
// if the jar refuses it (RFC 6265 section 5.3, with the public suffix
// list).
func cookieDomain(host, domain string) (_ string, hostOnly, ok bool) {
	if domain == "" {
		return host, true, true
	}
	if strings.ContainsAny(host, ":%") || net.ParseIP(host) != nil {
		// An IP address (or what may be one): the domain attribute must be
		// the address itself.
		return host, true, host == domain
	}
	domain = strings.TrimPrefix(domain, ".")
	if domain == "" || domain[0] == '.' || domain[len(domain)-1] == '.' {
		return "", false, false
	}
	for i := 0; i < len(domain); i++ {
		if domain[i] >= 0x80 {
			return "", false, false
		}
	}
	domain = strings.ToLower(domain)
	if ps := publicsuffix.List.PublicSuffix(domain); ps != "" && !hasDotSuffix(domain, ps) {
		// A cookie for a public suffix is kept only by that host itself,
		// as a host cookie.
		return host, true, host == domain
	}
	if host != domain && !hasDotSuffix(host, domain) {
		return "", false, false
	}
	return domain, false, true
}

// hasDotSuffix reports whether s ends in "."+suffix.
func hasDotSuffix(s, suffix string) bool {
	return len(s) > len(suffix) && s[len(s)-len(suffix)-1] == '.' && s[len(s)-len(suffix):] == suffix
}

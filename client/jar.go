package client

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
)

// Jar is the session's default cookie jar: net/http/cookiejar with the
// public suffix list, so that a site cannot set cookies for a whole
// registry such as "co.uk". Create one with [NewJar]. It is safe for
// concurrent use.
type Jar struct {
	jar *cookiejar.Jar
}

// SetCookies implements [http.CookieJar].
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) { j.jar.SetCookies(u, cookies) }

// Cookies implements [http.CookieJar].
func (j *Jar) Cookies(u *url.URL) []*http.Cookie { return j.jar.Cookies(u) }

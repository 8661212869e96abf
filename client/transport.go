package client

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/requests3/requests/internal/redact"
)

// mount is a transport for the URLs under a prefix.
type mount struct {
	scheme string // lower case
	host   string // lower case, with a port only if not the scheme's default; "" for any host
	path   string // "" or starting with "/"
	rt     http.RoundTripper
}

func newMount(prefix string, rt http.RoundTripper) (mount, error) {
	u, err := url.Parse(prefix)
	if err != nil || u.Scheme == "" || rt == nil || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return mount{}, fmt.Errorf("%w: mount prefix %q must be an absolute URL without user info, query or fragment, with a transport",
			ErrInvalidURL, redact.String(prefix))
	}
	scheme := strings.ToLower(u.Scheme)
	return mount{
		scheme: scheme,
		host:   mountHost(scheme, u.Host),
		path:   u.EscapedPath(),
		rt:     rt,
	}, nil
}

// mountHost lower-cases host and drops the scheme's default port, so that
// "https://a.test:443" and "https://a.test" name the same mount.
func mountHost(scheme, host string) string {
	host = strings.ToLower(host)
	if p := portOf(&url.URL{Scheme: scheme}); p != "" {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return host
}

// matches reports whether u is under the mount's prefix. Scheme and host
// (with its port) must be equal, unless the prefix has no host; the path
// must start with the prefix's path at a segment boundary, so
// "https://a.test" never matches "https://a.test.evil.net" and
// "https://a.test/api" never matches "https://a.test/apiary".
func (m *mount) matches(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, m.scheme) {
		return false
	}
	if m.host != "" && mountHost(m.scheme, u.Host) != m.host {
		return false
	}
	p := u.EscapedPath()
	if m.path == "" || m.path == "/" {
		return true
	}
	if !strings.HasPrefix(p, m.path) {
		return false
	}
	return len(p) == len(m.path) || strings.HasSuffix(m.path, "/") || p[len(m.path)] == '/'
}

// sortMounts orders mounts most specific first: a prefix with a host before
// one without, then the longest. Of two mounts of the same prefix, the one
// given last is kept.
func sortMounts(ms []mount) []mount {
	out := make([]mount, 0, len(ms))
	for i := len(ms) - 1; i >= 0; i-- {
		dup := false
		for _, o := range out {
			if o.scheme == ms[i].scheme && o.host == ms[i].host && o.path == ms[i].path {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, ms[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].host == "") != (out[j].host == "") {
			return out[i].host != ""
		}
		return len(out[i].host)+len(out[i].path) > len(out[j].host)+len(out[j].path)
	})
	return out
}

// mountTransport sends each request through the first matching mount, or
// through base.
type mountTransport struct {
	mounts []mount
	base   http.RoundTripper
}

func (t *mountTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for i := range t.mounts {
		if t.mounts[i].matches(req.URL) {
			return t.mounts[i].rt.RoundTrip(req)
		}
	}
	return t.base.RoundTrip(req)
}

// mounted reports whether a transport is mounted for u.
func (s *Session) mounted(u *url.URL) bool {
	for i := range s.cfg.mounts {
		if s.cfg.mounts[i].matches(u) {
			return true
		}
	}
	return false
}

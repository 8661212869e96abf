package client

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// mount is a transport for the URLs under a prefix.
type mount struct {
	prefix string // as given, for sorting
	scheme string // lower case
	host   string // lower case, with port if given
	path   string // "" or starting with "/"
	rt     http.RoundTripper
}

func newMount(prefix string, rt http.RoundTripper) (mount, error) {
	u, err := url.Parse(prefix)
	if err != nil || u.Scheme == "" || rt == nil {
		return mount{}, fmt.Errorf("%w: mount prefix %q must be an absolute URL with a transport", ErrInvalidURL, prefix)
	}
	return mount{
		prefix: prefix,
		scheme: strings.ToLower(u.Scheme),
		host:   strings.ToLower(u.Host),
		path:   u.EscapedPath(),
		rt:     rt,
	}, nil
}

// matches reports whether u is under the mount's prefix. Scheme and host must
// be equal; the path must start with the prefix's path at a segment
// boundary, so "https://a.test" never matches "https://a.test.evil.net" and
// "https://a.test/api" never matches "https://a.test/apiary".
func (m *mount) matches(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, m.scheme) || !strings.EqualFold(u.Host, m.host) {
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

// sortMounts orders mounts longest prefix first, so the most specific wins.
func sortMounts(ms []mount) []mount {
	out := append([]mount(nil), ms...)
	sort.SliceStable(out, func(i, j int) bool {
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

// mounted returns the transport mounted for u, or nil.
func (s *Session) mounted(u *url.URL) http.RoundTripper {
	for i := range s.cfg.mounts {
		if s.cfg.mounts[i].matches(u) {
			return s.cfg.mounts[i].rt
		}
	}
	return nil
}

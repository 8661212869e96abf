package client

import (
	"net/url"
	"strings"
)

// joinBase resolves a request URL that has no scheme against the session's
// base URL. The base is a prefix, as in httpx, resty and axios, not a
// document a browser would resolve a link against:
//
//   - a path, with or without a leading slash, is appended to the base's
//     path with exactly one slash between them, so "users", "/users" and
//     "users/" under "https://api.test/v1" (with or without a trailing
//     slash) give "https://api.test/v1/users" and "https://api.test/v1/users/";
//   - an empty path (a reference of only a query or fragment) keeps the
//     base's path as it is;
//   - the base's query, if any, comes first, followed by the reference's;
//     the fragment is the reference's;
//   - a scheme-relative reference ("//host/path") keeps only the base's
//     scheme.
//
// Dot segments are sent as given: "../x" is not resolved against the base.
func joinBase(base, ref *url.URL) *url.URL {
	if ref.Host != "" || ref.User != nil {
		return base.ResolveReference(ref)
	}
	u := *base
	u.Fragment, u.RawFragment = ref.Fragment, ref.RawFragment
	if p := ref.EscapedPath(); p != "" {
		joined := strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(p, "/")
		setEscapedPath(&u, joined)
	}
	switch {
	case base.RawQuery == "":
		u.RawQuery, u.ForceQuery = ref.RawQuery, ref.ForceQuery
	case ref.RawQuery != "":
		u.RawQuery = base.RawQuery + "&" + ref.RawQuery
	}
	return &u
}

// setEscapedPath sets the path of u from its escaped form.
func setEscapedPath(u *url.URL, escaped string) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		// Both halves came from EscapedPath, so they unescape; keep the
		// escaped form as the path rather than lose it.
		p = escaped
	}
	u.Path, u.RawPath = p, escaped
	if u.EscapedPath() != escaped {
		u.RawPath = ""
	}
}

// quoteUserinfo escapes the characters of a URL's user info that may not
// stand there unescaped (such as '@', ' ' or non-ASCII letters in a
// password), keeping valid percent escapes, the way urllib3 does. The input
// is everything between "//" and the last '@' of the authority.
func quoteUserinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			b.WriteString(s[i : i+3])
			i += 2
		case unreserved(c) || c == ':' || strings.IndexByte("!$&'()*+,;=", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

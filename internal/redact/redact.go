// Package redact removes secrets from URLs and header values before they are
// logged or put into error strings.
package redact

import (
	"net/url"
	"strings"
)

// Mask replaces every secret value.
const Mask = "REDACTED"

// secretKeys are query keys (compared in lower case, with '-' and '_'
// removed) whose values are credentials often enough to be hidden by default.
var secretKeys = map[string]bool{
	"accesstoken":       true,
	"apikey":            true,
	"auth":              true,
	"authorization":     true,
	"clientsecret":      true,
	"code":              true,
	"credential":        true,
	"credentials":       true,
	"idtoken":           true,
	"key":               true,
	"passwd":            true,
	"password":          true,
	"pwd":               true,
	"refreshtoken":      true,
	"secret":            true,
	"session":           true,
	"sessionid":         true,
	"sig":               true,
	"signature":         true,
	"token":             true,
	"xamzsignature":     true,
	"xamzcredential":    true,
	"xamzsecuritytoken": true,
	"xgoogsignature":    true,
	"xgoogcredential":   true,
}

// IsSecretKey reports whether a query parameter named key is hidden by URL.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	k = strings.NewReplacer("-", "", "_", "", ".", "").Replace(k)
	if secretKeys[k] {
		return true
	}
	for _, suffix := range []string{"token", "secret", "password", "apikey", "signature"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

// URL returns u as a string with the password of its user info and the
// values of secret-looking query parameters replaced by [Mask]. The user name
// is kept: it identifies, it does not authenticate. A nil u gives "".
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	if r.User != nil {
		if _, ok := r.User.Password(); ok {
			r.User = url.UserPassword(r.User.Username(), Mask)
		}
	}
	if r.RawQuery != "" {
		r.RawQuery = Query(r.RawQuery)
	}
	return r.String()
}

// String parses s as a URL and redacts it like [URL]. A string that does
// not parse is returned as a fixed placeholder, since it cannot be known
// which part of it is secret.
func String(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return URL(u)
}

// Query redacts the values of secret-looking keys in a raw query string,
// keeping the order and encoding of everything else.
func Query(raw string) string {
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if IsSecretKey(key) {
			parts[i] = k + "=" + Mask
			changed = true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

package limiter

import (
	"net"
	"net/url"
	"strings"
)

// HostKey returns the key [Middleware] uses by default for a request to u:
// its host in lower case without a trailing dot, and its port, with the
// default port filled in for http, https, ws and wss. So "https://Example.COM/"
// and "https://example.com:443/x" share the key "example.com:443", while
// "http://example.com/" has the key "example.com:80". IPv6 hosts keep their
// brackets ("[::1]:8080"). A URL with an unknown scheme and no port gives the
// host alone.
func HostKey(u *url.URL) string {
	if canonical(u.Host) {
		return u.Host // already "host:port" as below: no need to build it
	}
	host := normalizeName(u.Hostname())
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	return joinHostPort(host, port)
}

// canonical reports whether hostport is a key as HostKey writes it: a
// port given, ASCII without upper-case letters (lower-casing changes
// nothing), no trailing dot on the name, and no IPv6 zone (which url.URL
// keeps escaped).
func canonical(hostport string) bool {
	i := strings.LastIndexByte(hostport, ':')
	if i <= 0 || i == len(hostport)-1 || hostport[i-1] == '.' {
		return false
	}
	if hostport[0] != '[' && strings.IndexByte(hostport[:i], ':') >= 0 {
		return false // an IPv6 address without brackets
	}
	for j := 0; j < len(hostport); j++ {
		if c := hostport[j]; 'A' <= c && c <= 'Z' || c == '%' || c >= 0x80 {
			return false
		}
	}
	for j := i + 1; j < len(hostport); j++ {
		if c := hostport[j]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// normalizeName lower-cases a host name and drops the trailing dot of a
// fully qualified name.
func normalizeName(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

func joinHostPort(host, port string) string {
	if port == "" {
		if strings.IndexByte(host, ':') >= 0 {
			return "[" + host + "]"
		}
		return host
	}
	return net.JoinHostPort(host, port)
}

// splitHostPort splits a key into host (without brackets) and port. It
// reports false for a key that names no host.
func splitHostPort(key string) (host, port string, ok bool) {
	if h, p, err := net.SplitHostPort(key); err == nil {
		return h, p, true
	}
	if len(key) > 2 && key[0] == '[' && key[len(key)-1] == ']' {
		return key[1 : len(key)-1], "", true
	}
	return "", "", false
}

// normalizeHost turns a name given to [Host] into the form keys are looked
// up by: "host:port" as HostKey writes it, or a bare host without brackets.
func normalizeHost(name string) string {
	if host, port, ok := splitHostPort(name); ok {
		if port == "" {
			return normalizeName(host)
		}
		return joinHostPort(normalizeName(host), port)
	}
	return normalizeName(name)
}

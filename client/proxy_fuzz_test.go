package client

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzProxies builds a WithProxies table from one arbitrary key and proxy
// URL and asks it for an arbitrary target. An error never shows the proxy
// URL's password; a proxy is chosen for a target only if the key names the
// target's scheme (or "all") and, when it names a host, exactly that host,
// never one that merely contains or extends it.
func FuzzProxies(f *testing.F) {
	for _, s := range [][3]string{
		{"http", "http://user:pass@proxy.test:3128", "http://example.com/"},
		{"all://example.com", "socks5h://p.test:1080", "https://EXAMPLE.com/x"},
		{"https://example.com", "proxy.test:8080", "https://example.com.evil.test/"},
		{"all://ExAmple.COM", "http://[::1]:3128", "http://sub.example.com/"},
		{"http://straße.de", "http://u:p@ss@proxy/", "http://xn--strae-oqa.de/"},
		{"ftp", "ftp://proxy", "ftp://example.com/"},
		{"all", "http://:pw@/", "http://example.com/"},
		{"https://[::1]", "https://p.test", "https://[::1]:443/"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, key, proxy, target string) {
		table, err := newProxyTable(map[string]string{key: proxy})
		if err != nil {
			if pu, perr := url.Parse(proxy); perr == nil && pu.User != nil {
				if pw, ok := pu.User.Password(); ok && len(pw) >= 4 && strings.Contains(err.Error(), pw) && !strings.Contains(key, pw) {
					t.Fatalf("newProxyTable(%q, %q): error %q shows the password", key, proxy, err)
				}
			}
			return
		}
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		p := table.proxyFor(u)
		if p == nil {
			return
		}
		k, _ := proxyKey(key)
		scheme, host, hasHost := strings.Cut(k, "://")
		if scheme != "all" && scheme != strings.ToLower(u.Scheme) {
			t.Fatalf("key %q chose a proxy for %q, another scheme", key, target)
		}
		if hasHost && host != strings.ToLower(u.Hostname()) {
			t.Fatalf("key %q (host %q) chose a proxy for %q, host %q", key, host, target, u.Hostname())
		}
	})
}

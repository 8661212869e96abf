package limiter

import (
	"net/url"
	"testing"

	"golang.org/x/time/rate"
)

func TestHostKey(t *testing.T) {
	tests := []struct {
		url  string
		want string
	}{
		{"https://example.com/", "example.com:443"},
		{"https://example.com:443/x", "example.com:443"},
		{"https://Example.COM/", "example.com:443"},
		{"https://example.com./", "example.com:443"},
		{"http://example.com/", "example.com:80"},
		{"http://example.com:8080/", "example.com:8080"},
		{"HTTP://example.com/", "example.com:80"},
		{"wss://example.com/", "example.com:443"},
		{"ws://example.com/", "example.com:80"},
		{"http://[::1]/", "[::1]:80"},
		{"https://[::1]:8443/", "[::1]:8443"},
		{"https://[FE80::1]/", "[fe80::1]:443"},
		{"http://127.0.0.1:9000/", "127.0.0.1:9000"},
		{"ftp://example.com/", "example.com"},
		{"ftp://[::1]/", "[::1]"},
		{"/relative", ""},
		{"https://Example.com:8443/", "example.com:8443"},
		{"https://example.com.:8443/", "example.com:8443"},
		{"http://example.com:/", "example.com:80"},
		{"http://[fe80::1%25en0]:80/", "[fe80::1%en0]:80"},
		{"http://[::1]:8080/", "[::1]:8080"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := HostKey(u); got != tt.want {
			t.Errorf("HostKey(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestHostOverride(t *testing.T) {
	l := New(
		PerHost(10, 1),
		Host("Slow.example.com", 1, 1),
		Host("api.example.com:8443", 2, 1),
		Host("[::1]", 3, 1),
		Host("free.example.com", rate.Inf, 0),
	)
	tests := []struct {
		key     string
		limited bool
		limit   float64
	}{
		{"slow.example.com:443", true, 1},
		{"slow.example.com:80", true, 1},
		{"slow.example.com", true, 1},
		{"api.example.com:8443", true, 2},
		{"api.example.com:443", true, 10},
		{"[::1]:80", true, 3},
		{"free.example.com:443", false, 0},
		{"other.example.com:443", true, 10},
	}
	for _, tt := range tests {
		b := l.cfg.bucketFor(tt.key)
		if b.finite != tt.limited || float64(b.limit) != tt.limit {
			t.Errorf("bucketFor(%q) = %+v, want limited %v at %v", tt.key, b, tt.limited, tt.limit)
		}
	}
}

func TestOptionPanics(t *testing.T) {
	tests := []struct {
		name string
		opt  func() Option
	}{
		{"negative rate", func() Option { return PerHost(-1, 1) }},
		{"zero burst", func() Option { return PerHost(1, 0) }},
		{"host zero burst", func() Option { return Host("a", 1, 0) }},
		{"negative host concurrency", func() Option { return HostConcurrency(-1) }},
		{"negative concurrency", func() Option { return Concurrency(-1) }},
		{"negative idle", func() Option { return IdleTimeout(-1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tt.name)
				}
			}()
			tt.opt()
		})
	}
}

// FuzzHostKey: the shortcut for a URL whose host is written as a key
// already gives what building the key gives.
func FuzzHostKey(f *testing.F) {
	for _, s := range []string{"http://a.test:80/", "http://[::1]:8080/", "http://A.test:1/", "http://a.:1/", "http://[fe80::1%25x]:1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		port := u.Port()
		if port == "" {
			port = defaultPort(u.Scheme)
		}
		want := joinHostPort(normalizeName(u.Hostname()), port)
		if got := HostKey(u); got != want {
			t.Errorf("HostKey(%q) = %q, want %q", raw, got, want)
		}
	})
}

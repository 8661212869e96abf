package client

import (
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseAltSvc(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name   string
		values []string
		port   string
		maxAge time.Duration
		ok     bool
	}{
		{"same host", []string{`h3=":443"`}, "443", day, true},
		{"max age", []string{`h3=":8443"; ma=3600`}, "8443", time.Hour, true},
		{"max age quoted, other params", []string{`h3=":8443";persist=1; ma="60"`}, "8443", time.Minute, true},
		{"max age zero", []string{`h3=":443"; ma=0`}, "443", 0, true},
		{"max age capped", []string{`h3=":443"; ma=99999999999999999999999`}, "443", maxAltSvcMaxAge, true},
		{"first h3 wins", []string{`h2=":1", h3-29=":2", h3=":3", h3=":4"`}, "3", day, true},
		{"across header lines", []string{`h2=":1"`, `h3=":5"`}, "5", day, true},
		{"host named", []string{`h3="example.com:443"`}, "443", day, true},
		{"host case", []string{`h3="EXAMPLE.com:443"`}, "443", day, true},
		{"other host skipped", []string{`h3="cdn.example.net:443", h3=":444"`}, "444", day, true},
		{"percent-encoded protocol", []string{`h%33=":443"`}, "443", day, true},
		{"unquoted authority", []string{`h3=:443`}, "", 0, false},
		{"escapes", []string{`h3="\:443"`}, "443", day, true},
		{"malformed element skipped", []string{`h3=":443" garbage "x,y", h3=":445"`}, "445", day, true},
		{"clear", []string{`clear`}, "", 0, false},
		{"clear after others", []string{`h3=":443"`, `clear`}, "443", day, true},
		{"no h3", []string{`h2=":443"; ma=60`}, "", 0, false},
		{"bad port", []string{`h3=":0", h3=":65536", h3=":x", h3=":+1", h3=":"`}, "", 0, false},
		{"bad max age", []string{`h3=":443"; ma=soon`}, "", 0, false},
		{"unterminated quote", []string{`h3=":443`}, "", 0, false},
		{"empty", []string{"", " , ,"}, "", 0, false},
	}
	for _, tt := range tests {
		port, maxAge, ok := parseAltSvc(tt.values, "example.com")
		if port != tt.port || maxAge != tt.maxAge || ok != tt.ok {
			t.Errorf("%s: parseAltSvc(%q) = %q, %v, %v; want %q, %v, %v", tt.name, tt.values, port, maxAge, ok, tt.port, tt.maxAge, tt.ok)
		}
	}
	if port, _, ok := parseAltSvc([]string{`h3="[::1]:8443"`}, "::1"); !ok || port != "8443" {
		t.Errorf("IPv6 host: got %q, %v; want 8443, true", port, ok)
	}
}

func FuzzParseAltSvc(f *testing.F) {
	for _, s := range []string{`h3=":443"; ma=3600`, `clear`, `h3="[::1]:1", h2=":2"; persist=1`, `h3="\`, `;=,"`} {
		f.Add(s, "example.com")
	}
	f.Fuzz(func(t *testing.T, v, host string) {
		port, maxAge, ok := parseAltSvc([]string{v}, host)
		if !ok {
			if port != "" || maxAge != 0 {
				t.Errorf("not ok, yet port %q and max age %v", port, maxAge)
			}
			return
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Errorf("port %q", port)
		}
		if maxAge < 0 || maxAge > maxAltSvcMaxAge {
			t.Errorf("max age %v", maxAge)
		}
	})
}

// TestH3Memory checks, in fake time, how long an h3Transport remembers that
// an origin failed QUIC and where an origin offers HTTP/3.
func TestH3Memory(t *testing.T) {
	req, _ := http.NewRequest("GET", "https://example.com/", nil)
	const origin = "example.com:443"
	tcp := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	t.Run("fallback", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := &config{http3: HTTP3Config{FallbackFor: time.Minute}}
			h := newH3Transport(c, tcp)
			if addr, ok := h.route(req, origin); !ok || addr != origin {
				t.Fatalf("before a failure: %q, %v; want HTTP/3 to %s", addr, ok, origin)
			}
			h.markBroken(origin)
			time.Sleep(time.Minute - time.Nanosecond)
			if _, ok := h.route(req, origin); ok {
				t.Error("within FallbackFor: HTTP/3, want TCP")
			}
			time.Sleep(time.Nanosecond)
			if _, ok := h.route(req, origin); !ok {
				t.Error("after FallbackFor: TCP, want HTTP/3 again")
			}
		})
	})
	t.Run("Alt-Svc", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c := &config{http3: HTTP3Config{AltSvc: true}}
			h := newH3Transport(c, tcp)
			if _, ok := h.route(req, origin); ok {
				t.Fatal("nothing advertised: HTTP/3, want TCP")
			}
			h.learn(origin, "example.com", http.Header{"Alt-Svc": {`h3=":8443"; ma=60`}})
			if addr, ok := h.route(req, origin); !ok || addr != "example.com:8443" {
				t.Errorf("advertised: %q, %v; want HTTP/3 to example.com:8443", addr, ok)
			}
			h.learn(origin, "example.com", http.Header{}) // no header: nothing changes
			time.Sleep(time.Minute - time.Nanosecond)
			if _, ok := h.route(req, origin); !ok {
				t.Error("within ma: TCP, want HTTP/3")
			}
			time.Sleep(time.Nanosecond)
			if _, ok := h.route(req, origin); ok {
				t.Error("after ma: HTTP/3, want TCP")
			}
			h.learn(origin, "example.com", http.Header{"Alt-Svc": {`h3=":8443"`}})
			h.learn(origin, "example.com", http.Header{"Alt-Svc": {`h2=":443"`}})
			if _, ok := h.route(req, origin); ok {
				t.Error("after an Alt-Svc without h3: HTTP/3, want TCP")
			}
		})
	})
}

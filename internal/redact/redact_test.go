package redact

import (
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://example.com/a?b=c", "https://example.com/a?b=c"},
		{"https://user:hunter2@example.com/", "https://user:" + Mask + "@example.com/"},
		{"https://user@example.com/", "https://user@example.com/"},
		{"https://example.com/?access_token=abc&page=2", "https://example.com/?access_token=" + Mask + "&page=2"},
		{"https://example.com/?API-Key=abc", "https://example.com/?API-Key=" + Mask},
		{"https://example.com/?X-Amz-Signature=abc&X-Amz-Date=1", "https://example.com/?X-Amz-Signature=" + Mask + "&X-Amz-Date=1"},
		{"https://example.com/?flag&client_secret=s", "https://example.com/?flag&client_secret=" + Mask},
		{"https://example.com/?github_token=s#frag", "https://example.com/?github_token=" + Mask + "#frag"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(u); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := URL(nil); got != "" {
		t.Errorf("URL(nil) = %q, want empty", got)
	}
	if got := String("http://[::1"); strings.Contains(got, "::1") {
		t.Errorf("String(bad) = %q, want placeholder", got)
	}
}

func TestURLDoesNotMutate(t *testing.T) {
	u, _ := url.Parse("https://u:p@example.com/?token=t")
	URL(u)
	if got := u.String(); got != "https://u:p@example.com/?token=t" {
		t.Errorf("input changed to %q", got)
	}
}

func FuzzQuery(f *testing.F) {
	f.Add("a=b&token=c")
	f.Add("%zz=1&password")
	f.Fuzz(func(t *testing.T, raw string) {
		out := Query(raw)
		for _, p := range strings.Split(out, "&") {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			key, err := url.QueryUnescape(k)
			if err != nil {
				key = k
			}
			if IsSecretKey(key) && v != Mask {
				t.Fatalf("Query(%q) = %q leaves %q visible", raw, out, k)
			}
		}
	})
}

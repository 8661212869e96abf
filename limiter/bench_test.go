package limiter

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// BenchmarkTryAcquire takes and releases a permit, the pool's cost of
// admitting one request: with no limits, with a rate, and with a
// concurrency cap, over a few keys.
func BenchmarkTryAcquire(b *testing.B) {
	keys := make([]string, 4)
	for i := range keys {
		keys[i] = "127.0.0." + strconv.Itoa(i+1) + ":8080"
	}
	tests := []struct {
		name string
		l    *Limiter
	}{
		{"unlimited", New()},
		{"rate", New(PerHost(rate.Limit(1e9), 1000))},
		{"concurrency", New(HostConcurrency(64), Concurrency(256))},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			now := time.Now()
			i := 0
			for b.Loop() {
				p, _, ok := tt.l.TryAcquire(keys[i%len(keys)], now)
				if !ok {
					b.Fatal("refused")
				}
				p.Release()
				i++
				now = now.Add(time.Microsecond) // time passes: a rate refills

			}
		})
	}
}

// BenchmarkWait takes and releases a permit through Wait, as the
// session middleware does.
func BenchmarkWait(b *testing.B) {
	l := New(HostConcurrency(64))
	b.ReportAllocs()
	ctx := b.Context()
	for b.Loop() {
		release, err := l.Wait(ctx, "127.0.0.1:8080")
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}

// BenchmarkHostKey computes the key of a URL with its port written out,
// and of one with the scheme's default port.
func BenchmarkHostKey(b *testing.B) {
	for _, raw := range []string{"http://127.0.0.1:8080/x", "https://example.com/x"} {
		u, _ := url.Parse(raw)
		b.Run(u.Host, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				HostKey(u)
			}
		})
	}
}

package limiter

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// BenchmarkTryAcquire measures the scheduler's fast path: a permit granted
// for a known key and released.
func BenchmarkTryAcquire(b *testing.B) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"unlimited", nil},
		{"limited", []Option{PerHost(rate.Limit(1e12), 1000), HostConcurrency(8), Concurrency(1000)}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			l := New(tt.opts...)
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Nanosecond) // a thousand tokens
				p, _, ok := l.TryAcquire("example.com:443", now)
				if !ok {
					b.Fatal("refused")
				}
				p.Release()
			}
		})
	}
}

// BenchmarkTryAcquireRefused measures a call refused for want of a token:
// what a scheduler pays for each key it finds not ready.
func BenchmarkTryAcquireRefused(b *testing.B) {
	l := New(PerHost(1, 1))
	now := time.Now()
	l.TryAcquire("example.com:443", now)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := l.TryAcquire("example.com:443", now); ok {
			b.Fatal("admitted")
		}
	}
}

// BenchmarkTryAcquireManyKeys spreads calls over 10,000 keys.
func BenchmarkTryAcquireManyKeys(b *testing.B) {
	l := New(PerHost(rate.Limit(1e12), 1000), HostConcurrency(8))
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "host" + strconv.Itoa(i) + ".example:443"
	}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		now = now.Add(time.Nanosecond)
		p, _, ok := l.TryAcquire(keys[i%len(keys)], now)
		if !ok {
			b.Fatal("refused")
		}
		p.Release()
		i++
	}
}

// BenchmarkNewKeys measures a key never seen before, including the
// eviction of an old one.
func BenchmarkNewKeys(b *testing.B) {
	l := New(PerHost(100, 10), IdleTimeout(0))
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = "host" + strconv.Itoa(i) + ".example:443"
	}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Each key is new; keys from a second ago are full again, and evicted.
		p, _, _ := l.TryAcquire(keys[i%len(keys)], now.Add(time.Duration(i)*time.Millisecond))
		p.Release()
		i++
	}
}

// releaseSink makes the release func escape, as it does when a caller keeps
// it beyond the call that got it.
var releaseSink func()

// BenchmarkWait measures an uncontended Wait and release.
func BenchmarkWait(b *testing.B) {
	l := New(PerHost(rate.Limit(1e12), 1000), HostConcurrency(8), Concurrency(1000))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		release, err := l.Wait(ctx, "example.com:443")
		if err != nil {
			b.Fatal(err)
		}
		releaseSink = release
		releaseSink()
	}
}

// BenchmarkTryAcquireParallel measures contention: all goroutines share the
// Limiter's lock.
func BenchmarkTryAcquireParallel(b *testing.B) {
	l := New(PerHost(rate.Limit(1e12), 1000))
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = "host" + strconv.Itoa(i) + ".example:443"
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			p, _, _ := l.TryAcquire(keys[i%len(keys)], time.Now())
			p.Release()
			i++
		}
	})
}

type eofBody struct{}

func (eofBody) Read([]byte) (int, error) { return 0, io.EOF }
func (eofBody) Close() error             { return nil }

// BenchmarkMiddleware measures the middleware's own cost around a round
// trip that does nothing.
func BenchmarkMiddleware(b *testing.B) {
	l := New(PerHost(rate.Limit(1e12), 1000), HostConcurrency(8))
	resp := &http.Response{StatusCode: 200, Header: http.Header{}}
	rt := Middleware(l)(roundTripFunc(func(*http.Request) (*http.Response, error) {
		resp.Body = eofBody{}
		return resp, nil
	}))
	req, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	b.ReportAllocs()
	for b.Loop() {
		r, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		r.Body.Close()
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

package async_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// benchPool is a pool over an in-memory transport, for benchmarks.
func benchPool(b *testing.B, opts ...async.Option) *async.Pool {
	b.Helper()
	s := client.NewSession(client.WithTransport(instant))
	p := async.NewPool(s, opts...)
	b.Cleanup(func() {
		p.Close()
		s.Close()
	})
	return p
}

// BenchmarkPoolDo is the dispatcher's cost per request: submit, queue,
// dispatch to a worker, send over an in-memory transport, resolve the
// future and await it. "serial" awaits each request before the next;
// "parallel" keeps many in flight from several goroutines.
func BenchmarkPoolDo(b *testing.B) {
	ctx := context.Background()
	const url = "http://h.test/x"
	b.Run("serial", func(b *testing.B) {
		p := benchPool(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Get(ctx, url).Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		p := benchPool(b)
		b.ReportAllocs()
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := p.Get(ctx, url).Await(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("session", func(b *testing.B) { // the same requests without the pool
		s := client.NewSession(client.WithTransport(instant))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, url); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMap is async.Map's cost per request, over 4 hosts.
func BenchmarkMap(b *testing.B) {
	p := benchPool(b)
	b.ReportAllocs()
	n := 0
	for _, err := range async.Map(context.Background(), p, requests(b.N, 4), bodySize) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	if n != b.N {
		b.Fatalf("got %d results, want %d", n, b.N)
	}
}

// BenchmarkGather is async.Gather's cost per request, in batches of 1,000
// over 4 hosts.
func BenchmarkGather(b *testing.B) {
	p := benchPool(b)
	ctx := context.Background()
	const batch = 1000
	b.ReportAllocs()
	for i := 0; i < b.N; i += batch {
		b.StopTimer()
		var reqs []*client.Request
		for r := range requests(min(batch, b.N-i), 4) {
			reqs = append(reqs, r)
		}
		b.StartTimer()
		resps, err := async.Gather(ctx, p, reqs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range resps {
			if _, err := bodySize(r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func bodySize(r *client.Response) (int, error) {
	data, err := r.Bytes()
	return len(data), err
}

// BenchmarkMapScale runs async.Map over 100,000 and 1,000,000 requests
// (in-memory transport, 16 hosts) and reports the time per request, the
// peak live heap and the peak number of goroutines, sampled ten times
// during the run: none of them should grow with N. Run it with
// -benchtime=1x.
func BenchmarkMapScale(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				p := async.NewPool(client.NewSession(client.WithTransport(instant)))
				base := runtime.NumGoroutine()
				var peakG int
				var peakHeap uint64
				var ms runtime.MemStats
				count := 0
				start := time.Now()
				var paused time.Duration
				for _, err := range async.Map(context.Background(), p, requests(n, 16), bodySize) {
					if err != nil {
						b.Fatal(err)
					}
					if count++; count%(n/10) == 0 {
						t := time.Now()
						peakG = max(peakG, runtime.NumGoroutine())
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peakHeap = max(peakHeap, ms.HeapAlloc)
						paused += time.Since(t)
					}
				}
				elapsed := time.Since(start) - paused
				p.Close()
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/req")
				b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peakG-base), "extra-goroutines")
			}
		})
	}
}

package future

import (
	"context"
	"testing"
)

// The channel benchmarks do the same job with a bare channel, the cheapest
// way to hand one result between goroutines, so that the figures read as a
// ratio against what Go code would do without futures.

// BenchmarkResolveAwait resolves and awaits on one goroutine: the cost of
// the future itself.
func BenchmarkResolveAwait(b *testing.B) {
	ctx := context.Background()
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, resolve := New[int]()
			resolve(1, nil)
			if v, err := f.Await(ctx); v != 1 || err != nil {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("promise", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := new(Promise[int])
			p.Resolve(1, nil)
			if v, err := p.Future().Await(ctx); v != 1 || err != nil {
				b.Fatal(v, err)
			}
		}
	})
	b.Run("chan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := make(chan Result[int], 1)
			c <- Result[int]{Value: 1}
			if r := <-c; r.Value != 1 || r.Err != nil {
				b.Fatal(r)
			}
		}
	})
}

// BenchmarkHandoff hands each resolve to a worker goroutine and awaits the
// result, as a pool's caller does.
func BenchmarkHandoff(b *testing.B) {
	ctx := context.Background()
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		work := make(chan func(int, error))
		done := make(chan struct{})
		go func() {
			defer close(done)
			for resolve := range work {
				resolve(1, nil)
			}
		}()
		for b.Loop() {
			f, resolve := New[int]()
			work <- resolve
			if v, err := f.Await(ctx); v != 1 || err != nil {
				b.Fatal(v, err)
			}
		}
		close(work)
		<-done
	})
	b.Run("chan", func(b *testing.B) {
		b.ReportAllocs()
		work := make(chan chan<- Result[int])
		done := make(chan struct{})
		go func() {
			defer close(done)
			for c := range work {
				c <- Result[int]{Value: 1}
			}
		}()
		for b.Loop() {
			c := make(chan Result[int], 1)
			work <- c
			if r := <-c; r.Value != 1 || r.Err != nil {
				b.Fatal(r)
			}
		}
		close(work)
		<-done
	})
}

// BenchmarkAsCompleted waits for 1000 results as another goroutine
// produces them. The chan variants give each task a channel of its own, as
// futures do: "fan-in" lets every producer send to one shared channel
// instead, the lower bound; "goroutine-per-task" forwards each task's
// channel from a goroutine of its own, the usual way to wait on many
// channels in completion order.
func BenchmarkAsCompleted(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		fs := make([]*Future[int], n)
		resolves := make([]func(int, error), n)
		for b.Loop() {
			for i := range n {
				fs[i], resolves[i] = New[int]()
			}
			go func() {
				for i, resolve := range resolves {
					resolve(i, nil)
				}
			}()
			k := 0
			for range AsCompleted(ctx, fs...) {
				k++
			}
			if k != n {
				b.Fatal(k)
			}
		}
	})
	b.Run("future-resolved", func(b *testing.B) {
		b.ReportAllocs()
		fs := make([]*Future[int], n)
		for i := range fs {
			fs[i] = Ready(i, nil)
		}
		for b.Loop() {
			k := 0
			for range AsCompleted(ctx, fs...) {
				k++
			}
			if k != n {
				b.Fatal(k)
			}
		}
	})
	b.Run("chan-fan-in", func(b *testing.B) {
		b.ReportAllocs()
		type indexed struct {
			i int
			r Result[int]
		}
		for b.Loop() {
			c := make(chan indexed, n)
			go func() {
				for i := range n {
					c <- indexed{i, Result[int]{Value: i}}
				}
			}()
			for range n {
				<-c
			}
		}
	})
	b.Run("chan-goroutine-per-task", func(b *testing.B) {
		b.ReportAllocs()
		type indexed struct {
			i int
			r Result[int]
		}
		cs := make([]chan Result[int], n)
		for b.Loop() {
			for i := range cs {
				cs[i] = make(chan Result[int], 1)
			}
			go func() {
				for i, c := range cs {
					c <- Result[int]{Value: i}
				}
			}()
			out := make(chan indexed)
			for i, c := range cs {
				go func() { out <- indexed{i, <-c} }()
			}
			for range n {
				<-out
			}
		}
	})
}

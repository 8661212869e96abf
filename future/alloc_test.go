package future

import (
	"context"
	"testing"
)

// TestAllocs pins the allocation counts that docs/async-futures.md states,
// so that the hot path does not grow unnoticed.
func TestAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	ctx := context.Background()
	const n = 100
	fs := make([]*Future[int], n)
	resolves := make([]func(int, error), n)
	resolved := make([]*Future[int], n)
	for i := range resolved {
		resolved[i] = Ready(i, nil)
	}
	// fresh makes n pending futures: 2n allocations, as resolve escapes.
	fresh := func() {
		for i := range n {
			fs[i], resolves[i] = New[int]()
		}
	}
	// backwards ranges over fs with only fs[0] resolved, each loop body
	// resolving the last pending future, so that the wait must register.
	backwards := func() {
		resolves[0](0, nil)
		next := n - 1
		for range AsCompleted(ctx, fs...) {
			if next > 0 {
				resolves[next](next, nil)
				next--
			}
		}
	}
	var sink *Future[int]
	tests := []struct {
		name string
		fn   func()
		want float64
	}{
		{"Ready", func() { sink = Ready(1, nil) }, 1},
		{"New, escaping resolve", func() { fs[0], resolves[0] = New[int]() }, 2},
		{"New and Done", func() {
			fs[0], resolves[0] = New[int]()
			_ = fs[0].Done()
		}, 3},
		{"Done after resolve", func() { _ = resolved[0].Done() }, 0},
		{"Await resolved", func() { _, _ = resolved[0].Await(ctx) }, 0},
		{"AsCompleted, all resolved", func() {
			for range AsCompleted(ctx, resolved...) {
			}
		}, 0},
		{"All, all resolved", func() { _, _ = All(ctx, resolved...) }, 1}, // the values
		{"First, all resolved", func() { _, _ = First(ctx, resolved...) }, 0},
		{"AsCompleted, waiting", func() { fresh(); backwards() }, 2*n + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.fn); got != tt.want {
				t.Errorf("%v allocations, want %v", got, tt.want)
			}
		})
	}
	_ = sink
}

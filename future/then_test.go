package future

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestThen(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	itoa := func(_ context.Context, v int) (string, error) { return strconv.Itoa(v), nil }
	fail := func(context.Context, int) (string, error) { return "", errB }
	tests := []struct {
		name    string
		ctx     context.Context
		in      Result[int]
		before  bool // resolve in before calling Then
		fn      func(context.Context, int) (string, error)
		want    string
		wantErr error
		wantRun bool
	}{
		{"value, resolved before", context.Background(), Result[int]{Value: 7}, true, itoa, "7", nil, true},
		{"value, resolved after", context.Background(), Result[int]{Value: 7}, false, itoa, "7", nil, true},
		{"fn fails", context.Background(), Result[int]{Value: 7}, false, fail, "", errB, true},
		{"in fails, fn skipped", context.Background(), Result[int]{Err: errA}, false, itoa, "", errA, false},
		{"in fails before", context.Background(), Result[int]{Err: errA}, true, itoa, "", errA, false},
		{"done ctx", canceled, Result[int]{Value: 7}, true, itoa, "", context.Canceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, resolve := New[int]()
			if tt.before {
				resolve(tt.in.Value, tt.in.Err)
			}
			var ran atomic.Bool
			var fnCtx context.Context
			out := Then(tt.ctx, in, func(ctx context.Context, v int) (string, error) {
				ran.Store(true)
				fnCtx = ctx
				return tt.fn(ctx, v)
			})
			resolve(tt.in.Value, tt.in.Err)
			got, err := out.Await(context.Background())
			if got != tt.want || err != tt.wantErr {
				t.Errorf("Await = %q, %v, want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if ran.Load() != tt.wantRun {
				t.Errorf("fn ran = %v, want %v", ran.Load(), tt.wantRun)
			}
			if fnCtx != nil && fnCtx.Err() == nil {
				t.Error("fn's context still live after the future resolved")
			}
		})
	}
}

func TestThenAbandoned(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // on Then's ctx, if set
		cancel  bool          // cancel the returned future
		wantErr error
	}{
		{"ctx deadline", time.Second, false, context.DeadlineExceeded},
		{"Cancel", 0, true, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				var inCanceled atomic.Bool
				in, resolve := NewWithCancel[int](func() { inCanceled.Store(true) })
				var ran atomic.Bool
				out := Then(ctx, in, func(context.Context, int) (int, error) {
					ran.Store(true)
					return 1, nil
				})
				if n := waiterCount(in); n != 1 {
					t.Fatalf("%d waiters on in, want 1", n)
				}
				if tt.cancel {
					out.Cancel()
				}
				if _, err := out.Await(context.Background()); err != tt.wantErr {
					t.Errorf("Await error = %v, want %v", err, tt.wantErr)
				}
				if n := waiterCount(in); n != 0 {
					t.Errorf("%d waiters left on in, want 0", n)
				}
				resolve(1, nil)
				synctest.Wait()
				if ran.Load() {
					t.Error("fn ran after the returned future was abandoned")
				}
				if inCanceled.Load() {
					t.Error("abandoning the returned future canceled in")
				}
			})
		})
	}
}

func TestThenCancelWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := Ready(1, nil)
		started := make(chan struct{})
		out := Then(context.Background(), in, func(ctx context.Context, v int) (int, error) {
			close(started)
			<-ctx.Done()
			return v, ctx.Err()
		})
		<-started
		out.Cancel()
		if v, err := out.Await(context.Background()); v != 1 || err != context.Canceled {
			t.Errorf("Await = %d, %v, want 1, %v: fn's own result", v, err, context.Canceled)
		}
	})
}

func TestThenChain(t *testing.T) {
	in, resolve := New[int]()
	add := func(_ context.Context, v int) (int, error) { return v + 1, nil }
	f := in
	for range 10 {
		f = Then(context.Background(), f, add)
	}
	resolve(0, nil)
	if v, err := f.Await(context.Background()); v != 10 || err != nil {
		t.Errorf("Await = %d, %v, want 10, <nil>", v, err)
	}
}

// TestThenRace races the upstream resolution against cancellation of the
// returned future: it resolves once, fn runs at most once, and if fn ran the
// result is fn's.
func TestThenRace(t *testing.T) {
	for range 500 {
		in, resolve := New[int]()
		var runs atomic.Int32
		out := Then(context.Background(), in, func(_ context.Context, v int) (int, error) {
			runs.Add(1)
			return v * 2, nil
		})
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; resolve(21, nil) })
		wg.Go(func() { <-start; out.Cancel() })
		close(start)
		wg.Wait()
		v, err := out.Await(context.Background())
		switch n := runs.Load(); {
		case n > 1:
			t.Fatalf("fn ran %d times", n)
		case n == 1 && (v != 42 || err != nil):
			t.Fatalf("fn ran, Await = %d, %v, want 42, <nil>", v, err)
		case n == 0 && err != context.Canceled:
			t.Fatalf("fn did not run, Await error = %v, want %v", err, context.Canceled)
		}
		if n := waiterCount(in); n != 0 {
			t.Fatalf("%d waiters left on in", n)
		}
	}
}

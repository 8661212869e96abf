package future

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

var (
	errA = errors.New("a")
	errB = errors.New("b")
	errC = errors.New("c")
)

// testFutures is a set of cancelable futures resolved by the test.
type testFutures struct {
	fs       []*Future[int]
	resolves []func(int, error)
	cancels  []atomic.Int32
}

func newTestFutures(n int) *testFutures {
	tf := &testFutures{
		fs:       make([]*Future[int], n),
		resolves: make([]func(int, error), n),
		cancels:  make([]atomic.Int32, n),
	}
	for i := range n {
		tf.fs[i], tf.resolves[i] = NewWithCancel[int](func() { tf.cancels[i].Add(1) })
	}
	return tf
}

// apply resolves futures in the order given.
func (tf *testFutures) apply(steps []step) {
	for _, s := range steps {
		tf.resolves[s.i](s.v, s.err)
	}
}

// canceled returns the indices of futures whose cancel func ran.
func (tf *testFutures) canceled() []int {
	var out []int
	for i := range tf.cancels {
		if tf.cancels[i].Load() > 0 {
			out = append(out, i)
		}
	}
	return out
}

// registered returns the number of waiters left on all futures.
func (tf *testFutures) registered() int {
	n := 0
	for _, f := range tf.fs {
		n += waiterCount(f)
	}
	return n
}

// A step resolves future i.
type step struct {
	i   int
	v   int
	err error
}

// resolveLater resolves futures in order, one per second of fake time, so
// that a combinator sees them settle while it waits. The returned channel is
// closed when it is done.
func resolveLater(tf *testFutures, steps []step) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, s := range steps {
			time.Sleep(time.Second)
			tf.resolves[s.i](s.v, s.err)
		}
	}()
	return done
}

func TestAll(t *testing.T) {
	tests := []struct {
		name         string
		n            int
		before       []step // resolved before the call
		during       []step // resolved one per second while waiting
		timeout      time.Duration
		want         []int
		wantErr      error
		wantCanceled []int
	}{
		{name: "none", n: 0, want: []int{}},
		{name: "all resolved", n: 3, before: []step{{0, 1, nil}, {1, 2, nil}, {2, 3, nil}}, want: []int{1, 2, 3}},
		{name: "order of fs, not of resolution", n: 3,
			during: []step{{2, 30, nil}, {0, 10, nil}, {1, 20, nil}}, want: []int{10, 20, 30}},
		{name: "first error cancels the rest", n: 4,
			during:  []step{{1, 1, nil}, {2, 0, errB}, {0, 0, errA}},
			wantErr: errB, wantCanceled: []int{0, 3}},
		{name: "error already there", n: 3, before: []step{{1, 0, errB}},
			wantErr: errB, wantCanceled: []int{0, 2}},
		{name: "ctx ends the wait, cancels nothing", n: 2, timeout: 1500 * time.Millisecond,
			during: []step{{0, 1, nil}, {1, 2, nil}}, wantErr: context.DeadlineExceeded},
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
				tf := newTestFutures(tt.n)
				tf.apply(tt.before)
				finished := resolveLater(tf, tt.during)
				got, err := All(ctx, tf.fs...)
				if err != tt.wantErr {
					t.Errorf("All error = %v, want %v", err, tt.wantErr)
				}
				if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
					t.Errorf("All = %v, want %v", got, tt.want)
				}
				if got := tf.canceled(); !slices.Equal(got, tt.wantCanceled) {
					t.Errorf("canceled %v, want %v", got, tt.wantCanceled)
				}
				if n := tf.registered(); n != 0 {
					t.Errorf("%d waiters left registered", n)
				}
				<-finished
			})
		})
	}
}

func TestAllSettled(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		before  []step
		during  []step
		timeout time.Duration
		want    []Result[int]
	}{
		{name: "none", n: 0, want: []Result[int]{}},
		{name: "mixed", n: 3, before: []step{{1, 0, errB}}, during: []step{{2, 3, nil}, {0, 1, nil}},
			want: []Result[int]{{1, nil}, {0, errB}, {3, nil}}},
		{name: "ctx fills the rest", n: 3, timeout: 1500 * time.Millisecond,
			during: []step{{1, 2, nil}, {0, 1, nil}},
			want:   []Result[int]{{0, context.DeadlineExceeded}, {2, nil}, {0, context.DeadlineExceeded}}},
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
				tf := newTestFutures(tt.n)
				tf.apply(tt.before)
				finished := resolveLater(tf, tt.during)
				got := AllSettled(ctx, tf.fs...)
				if !slices.Equal(got, tt.want) {
					t.Errorf("AllSettled = %v, want %v", got, tt.want)
				}
				if c := tf.canceled(); len(c) != 0 {
					t.Errorf("AllSettled canceled %v", c)
				}
				if n := tf.registered(); n != 0 {
					t.Errorf("%d waiters left registered", n)
				}
				<-finished
			})
		})
	}
}

func TestAny(t *testing.T) {
	tests := []struct {
		name         string
		n            int
		before       []step
		during       []step
		timeout      time.Duration
		want         int
		wantErrs     []error // each must match with errors.Is
		wantCanceled []int
	}{
		{name: "none", n: 0, wantErrs: []error{ErrNoFutures}},
		{name: "first success wins", n: 3,
			during: []step{{2, 0, errC}, {1, 20, nil}, {0, 10, nil}},
			want:   20, wantCanceled: []int{0}},
		{name: "already resolved", n: 2, before: []step{{1, 5, nil}}, want: 5, wantCanceled: []int{0}},
		{name: "all fail", n: 3,
			during:   []step{{2, 0, errC}, {0, 0, errA}, {1, 0, errB}},
			wantErrs: []error{ErrAllFailed, errA, errB, errC}},
		{name: "ctx", n: 2, timeout: 1500 * time.Millisecond, during: []step{{0, 0, errA}},
			wantErrs: []error{context.DeadlineExceeded}},
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
				tf := newTestFutures(tt.n)
				tf.apply(tt.before)
				finished := resolveLater(tf, tt.during)
				got, err := Any(ctx, tf.fs...)
				if got != tt.want {
					t.Errorf("Any = %d, want %d", got, tt.want)
				}
				if len(tt.wantErrs) == 0 && err != nil {
					t.Errorf("Any error = %v, want nil", err)
				}
				for _, want := range tt.wantErrs {
					if !errors.Is(err, want) {
						t.Errorf("Any error = %v, want it to match %v", err, want)
					}
				}
				if got := tf.canceled(); !slices.Equal(got, tt.wantCanceled) {
					t.Errorf("canceled %v, want %v", got, tt.wantCanceled)
				}
				if n := tf.registered(); n != 0 {
					t.Errorf("%d waiters left registered", n)
				}
				<-finished
			})
		})
	}
}

func TestAnyErrorText(t *testing.T) {
	_, err := Any(context.Background(), Ready(0, errA), Ready(0, errB))
	const want = "future: every future failed: a\nb"
	if err == nil || err.Error() != want {
		t.Errorf("Any error = %q, want %q", err, want)
	}
}

func TestFirst(t *testing.T) {
	tests := []struct {
		name         string
		n            int
		before       []step
		during       []step
		timeout      time.Duration
		want         int
		wantErr      error
		wantCanceled []int
	}{
		{name: "none", n: 0, wantErr: ErrNoFutures},
		{name: "failure can be first", n: 3, during: []step{{1, 0, errB}, {0, 1, nil}},
			wantErr: errB, wantCanceled: []int{0, 2}},
		{name: "success", n: 2, during: []step{{1, 7, nil}}, want: 7, wantCanceled: []int{0}},
		{name: "lowest index among resolved", n: 3, before: []step{{2, 3, nil}, {1, 2, nil}},
			want: 2, wantCanceled: []int{0}},
		{name: "ctx", n: 2, timeout: 500 * time.Millisecond, during: []step{{0, 1, nil}},
			wantErr: context.DeadlineExceeded},
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
				tf := newTestFutures(tt.n)
				tf.apply(tt.before)
				finished := resolveLater(tf, tt.during)
				got, err := First(ctx, tf.fs...)
				if got != tt.want || err != tt.wantErr {
					t.Errorf("First = %d, %v, want %d, %v", got, err, tt.want, tt.wantErr)
				}
				if got := tf.canceled(); !slices.Equal(got, tt.wantCanceled) {
					t.Errorf("canceled %v, want %v", got, tt.wantCanceled)
				}
				if n := tf.registered(); n != 0 {
					t.Errorf("%d waiters left registered", n)
				}
				<-finished
			})
		})
	}
}

func TestCombinatorsDoneCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs := []*Future[int]{Ready(1, nil), Ready(2, nil)}
	if _, err := All(ctx, fs...); err != context.Canceled {
		t.Errorf("All error = %v, want %v", err, context.Canceled)
	}
	if _, err := Any(ctx, fs...); err != context.Canceled {
		t.Errorf("Any error = %v, want %v", err, context.Canceled)
	}
	if _, err := First(ctx, fs...); err != context.Canceled {
		t.Errorf("First error = %v, want %v", err, context.Canceled)
	}
	want := []Result[int]{{0, context.Canceled}, {0, context.Canceled}}
	if got := AllSettled(ctx, fs...); !slices.Equal(got, want) {
		t.Errorf("AllSettled = %v, want %v", got, want)
	}
	var got []Result[int]
	for _, r := range AsCompleted(ctx, fs...) {
		got = append(got, r)
	}
	if !slices.Equal(got, want) {
		t.Errorf("AsCompleted = %v, want %v", got, want)
	}
}

func TestAsCompletedOrder(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		before []step // resolved before the loop
		next   []step // resolved by the loop body, one per iteration
		want   []int  // indices in yield order
	}{
		{name: "none", n: 0},
		{name: "resolved come first, in index order", n: 3,
			before: []step{{2, 0, nil}, {0, 0, nil}, {1, 0, nil}}, want: []int{0, 1, 2}},
		{name: "resolution order", n: 4,
			before: []step{{3, 0, nil}},
			next:   []step{{1, 0, nil}, {0, 0, errA}, {2, 0, nil}},
			want:   []int{3, 1, 0, 2}},
		{name: "several per wake-up", n: 4,
			before: []step{{0, 0, nil}},
			next:   []step{{3, 0, nil}, {2, 0, nil}, {1, 0, nil}},
			want:   []int{0, 3, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := newTestFutures(tt.n)
			tf.apply(tt.before)
			next := tt.next
			var got []int
			for i, r := range AsCompleted(context.Background(), tf.fs...) {
				got = append(got, i)
				if want, _ := tf.fs[i].Peek(); r != want {
					t.Errorf("yielded %d with %+v, want %+v", i, r, want)
				}
				if len(next) > 0 {
					tf.apply(next[:1])
					next = next[1:]
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order %v, want %v", got, tt.want)
			}
			if n := tf.registered(); n != 0 {
				t.Errorf("%d waiters left registered", n)
			}
		})
	}
}

func TestAsCompletedBreak(t *testing.T) {
	tests := []struct {
		name    string
		before  []step
		breakAt int // break after this many yields
	}{
		{"in the first pass", []step{{0, 0, nil}, {1, 0, nil}}, 1},
		{"while waiting", []step{{2, 0, nil}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf := newTestFutures(4)
			tf.apply(tt.before)
			n := 0
			for range AsCompleted(context.Background(), tf.fs...) {
				if n++; n == tt.breakAt {
					break
				}
			}
			if n != tt.breakAt {
				t.Errorf("yielded %d times, want %d", n, tt.breakAt)
			}
			if n := tf.registered(); n != 0 {
				t.Errorf("%d waiters left on pending futures after break", n)
			}
			if c := tf.canceled(); len(c) != 0 {
				t.Errorf("break canceled %v", c)
			}
		})
	}
}

func TestAsCompletedBreakWhileBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tf := newTestFutures(3)
		finished := resolveLater(tf, []step{{1, 1, nil}})
		for i := range AsCompleted(context.Background(), tf.fs...) {
			if i != 1 {
				t.Errorf("yielded %d, want 1", i)
			}
			break
		}
		if n := tf.registered(); n != 0 {
			t.Errorf("%d waiters left registered", n)
		}
		// The pending futures resolve later; nothing is listening.
		tf.resolves[0](0, nil)
		tf.resolves[2](0, nil)
		<-finished
	})
}

func TestAsCompletedCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		tf := newTestFutures(4)
		finished := resolveLater(tf, []step{{2, 2, nil}, {3, 3, nil}})
		var got []int
		var errs []error
		for i, r := range AsCompleted(ctx, tf.fs...) {
			got = append(got, i)
			errs = append(errs, r.Err)
		}
		if want := []int{2, 0, 1, 3}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		wantErrs := []error{nil, context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded}
		if !slices.Equal(errs, wantErrs) {
			t.Errorf("errors %v, want %v", errs, wantErrs)
		}
		if n := tf.registered(); n != 0 {
			t.Errorf("%d waiters left registered", n)
		}
		<-finished
	})
}

func TestAsCompletedRangeTwice(t *testing.T) {
	tf := newTestFutures(3)
	tf.apply([]step{{1, 1, nil}, {0, 0, nil}, {2, 2, nil}})
	seq := AsCompleted(context.Background(), tf.fs...)
	for range 2 {
		var got []int
		for i := range seq {
			got = append(got, i)
		}
		if want := []int{0, 1, 2}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
	}
}

func TestAsCompletedDuplicates(t *testing.T) {
	f, resolve := New[int]()
	resolve(1, nil)
	fs := []*Future[int]{f, f, f}
	var got []int
	// Every entry of a future listed three times is reported.
	for i, r := range AsCompleted(context.Background(), fs...) {
		got = append(got, i)
		if r.Value != 1 {
			t.Errorf("yielded %+v", r)
		}
	}
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("order %v, want [0 1 2]", got)
	}
}

func TestAsCompletedDuplicatesPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, resolve := New[int]()
		go func() {
			time.Sleep(time.Second)
			resolve(1, nil)
		}()
		n := 0
		for range AsCompleted(context.Background(), f, f) {
			n++
		}
		if n != 2 {
			t.Errorf("yielded %d times, want 2", n)
		}
	})
}

// TestAsCompletedConcurrent resolves many futures from many goroutines while
// a loop consumes them: every index is yielded exactly once.
func TestAsCompletedConcurrent(t *testing.T) {
	const n = 1000
	for range 5 {
		tf := newTestFutures(n)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := g; i < n; i += 8 {
					tf.resolves[i](i, nil)
					tf.resolves[i](-1, nil) // ignored
				}
			})
		}
		seen := make([]int, n)
		for i, r := range AsCompleted(context.Background(), tf.fs...) {
			if r.Value != i {
				t.Fatalf("future %d yielded value %d", i, r.Value)
			}
			seen[i]++
		}
		wg.Wait()
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("index %d yielded %d times, want 1", i, c)
			}
		}
	}
}

// TestWaitCancelStorm ends many waits on the same pending futures while
// they resolve: each wait sees each future at most once, waits that break
// leave nothing behind, and no wait is woken twice.
func TestWaitCancelStorm(t *testing.T) {
	for range 20 {
		tf := newTestFutures(16)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				seen := make(map[int]bool)
				for i := range AsCompleted(ctx, tf.fs...) {
					if seen[i] {
						t.Errorf("index %d yielded twice", i)
					}
					seen[i] = true
				}
			})
			wg.Go(func() { _, _ = First(ctx, tf.fs...) })
		}
		for i := range tf.fs {
			wg.Go(func() { tf.resolves[i](i, nil) })
			if i == len(tf.fs)/2 {
				cancel()
			}
		}
		wg.Wait()
		cancel()
	}
}

package future

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

var errBoom = errors.New("boom")

// countNotifier counts the notifications it receives.
type countNotifier struct{ n atomic.Int32 }

func (c *countNotifier) notify(*waiter) { c.n.Add(1) }

// waiterCount returns the length of f's waiter list.
func waiterCount[T any](f *Future[T]) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for w := f.waiters; w != nil; w = w.next {
		n++
	}
	return n
}

func TestResolveFirstWins(t *testing.T) {
	tests := []struct {
		name      string
		resolves  []Result[int]
		wantValue int
		wantErr   error
	}{
		{"value", []Result[int]{{Value: 1}}, 1, nil},
		{"error", []Result[int]{{Err: errBoom}}, 0, errBoom},
		{"value then error", []Result[int]{{Value: 1}, {Err: errBoom}}, 1, nil},
		{"error then value", []Result[int]{{Err: errBoom}, {Value: 2}}, 0, errBoom},
		{"value then value", []Result[int]{{Value: 1}, {Value: 2}, {Value: 3}}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, resolve := New[int]()
			for _, r := range tt.resolves {
				resolve(r.Value, r.Err)
			}
			got, ok := f.Peek()
			if !ok {
				t.Fatal("Peek: not resolved")
			}
			if got.Value != tt.wantValue || got.Err != tt.wantErr {
				t.Errorf("Peek = %+v, want {%d %v}", got, tt.wantValue, tt.wantErr)
			}
			v, err := f.Await(context.Background())
			if v != tt.wantValue || err != tt.wantErr {
				t.Errorf("Await = %d, %v, want %d, %v", v, err, tt.wantValue, tt.wantErr)
			}
		})
	}
}

// TestResolveConcurrent races many resolvers against many waiters of every
// kind: exactly one result is set, every waiter sees that one, and each
// registered waiter is notified exactly once.
func TestResolveConcurrent(t *testing.T) {
	const resolvers, awaiters = 32, 32
	for range 100 {
		f, resolve := New[int]()
		notifiers := make([]countNotifier, 8)
		ws := make([]waiter, len(notifiers))
		for i := range ws {
			ws[i].n = &notifiers[i]
			if !f.watch(&ws[i]) {
				t.Fatal("watch on a pending future reported resolved")
			}
		}

		var wg sync.WaitGroup
		got := make([]int, awaiters)
		for i := range awaiters {
			wg.Go(func() {
				v, err := f.Await(context.Background())
				if err != nil {
					t.Errorf("Await error: %v", err)
				}
				got[i] = v
			})
		}
		start := make(chan struct{})
		for i := range resolvers {
			wg.Go(func() {
				<-start
				resolve(i+1, nil)
			})
		}
		close(start)
		wg.Wait()

		r, ok := f.Peek()
		if !ok || r.Value < 1 || r.Value > resolvers {
			t.Fatalf("Peek = %+v, %v, want a value in [1, %d]", r, ok, resolvers)
		}
		for i, v := range got {
			if v != r.Value {
				t.Fatalf("awaiter %d got %d, want %d", i, v, r.Value)
			}
		}
		for i := range notifiers {
			if n := notifiers[i].n.Load(); n != 1 {
				t.Fatalf("waiter %d notified %d times, want 1", i, n)
			}
		}
		if n := waiterCount(f); n != 0 {
			t.Fatalf("resolved future keeps %d waiters, want 0", n)
		}
	}
}

func TestAwait(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		resolve bool
		wantV   int
		wantErr error
	}{
		{"resolved", context.Background(), true, 7, nil},
		{"done ctx, resolved", canceled, true, 0, context.Canceled},
		{"done ctx, pending", canceled, false, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, resolve := New[int]()
			if tt.resolve {
				resolve(7, nil)
			}
			v, err := f.Await(tt.ctx)
			if v != tt.wantV || err != tt.wantErr {
				t.Errorf("Await = %d, %v, want %d, %v", v, err, tt.wantV, tt.wantErr)
			}
			if _, ok := f.Peek(); ok != tt.resolve {
				t.Errorf("Peek resolved = %v, want %v: Await changed the future", ok, tt.resolve)
			}
		})
	}
}

func TestAwaitBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, resolve := New[string]()
		var got string
		var gotErr error
		done := make(chan struct{})
		go func() {
			got, gotErr = f.Await(context.Background())
			close(done)
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Await returned before resolution")
		default:
		}
		resolve("x", errBoom)
		<-done
		if got != "x" || gotErr != errBoom {
			t.Errorf("Await = %q, %v, want %q, %v", got, gotErr, "x", errBoom)
		}
	})
}

func TestAwaitDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, resolve := New[int]()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := f.Await(ctx)
		if err != context.DeadlineExceeded {
			t.Errorf("Await error = %v, want %v", err, context.DeadlineExceeded)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Await waited %v, want %v", d, time.Second)
		}
		if _, ok := f.Peek(); ok {
			t.Error("a deadline on Await resolved the future")
		}
		resolve(1, nil) // the future is still usable
		if v, err := f.Await(context.Background()); v != 1 || err != nil {
			t.Errorf("Await after resolve = %d, %v, want 1, <nil>", v, err)
		}
	})
}

func TestDone(t *testing.T) {
	isClosed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}

	t.Run("pending then resolved", func(t *testing.T) {
		f, resolve := New[int]()
		c := f.Done()
		if c != f.Done() {
			t.Error("Done returned different channels while pending")
		}
		if isClosed(c) {
			t.Fatal("Done closed while pending")
		}
		resolve(1, nil)
		if !isClosed(c) {
			t.Error("Done not closed after resolve")
		}
		if c != f.Done() {
			t.Error("Done after resolve returned a new channel")
		}
	})
	t.Run("resolved before asked", func(t *testing.T) {
		f, resolve := New[int]()
		resolve(1, nil)
		if !isClosed(f.Done()) {
			t.Error("Done not closed")
		}
		if f.done != nil {
			t.Error("Done made a channel for a resolved future")
		}
	})
	t.Run("ready", func(t *testing.T) {
		if !isClosed(Ready(1, nil).Done()) {
			t.Error("Done of Ready not closed")
		}
	})
}

func TestPeek(t *testing.T) {
	f, resolve := New[int]()
	if r, ok := f.Peek(); ok || r != (Result[int]{}) {
		t.Errorf("Peek pending = %+v, %v, want zero, false", r, ok)
	}
	resolve(3, errBoom)
	if r, ok := f.Peek(); !ok || r != (Result[int]{3, errBoom}) {
		t.Errorf("Peek = %+v, %v, want {3 boom}, true", r, ok)
	}
}

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		v    int
		err  error
	}{
		{"value", 5, nil},
		{"error", 0, errBoom},
		{"both", 5, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Ready(tt.v, tt.err)
			if r, ok := f.Peek(); !ok || r.Value != tt.v || r.Err != tt.err {
				t.Errorf("Peek = %+v, %v, want {%d %v}, true", r, ok, tt.v, tt.err)
			}
			f.Cancel() // no-op
		})
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name        string
		withCancel  bool
		resolve     bool // before Cancel
		cancels     int  // calls of Cancel
		wantCancels int32
	}{
		{"New: no-op", false, false, 1, 0},
		{"once", true, false, 1, 1},
		{"twice calls cancel once", true, false, 3, 1},
		{"resolved: no-op", true, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			var f *Future[int]
			var resolve func(int, error)
			if tt.withCancel {
				f, resolve = NewWithCancel[int](func() { calls.Add(1) })
			} else {
				f, resolve = New[int]()
			}
			if tt.resolve {
				resolve(1, nil)
			}
			for range tt.cancels {
				f.Cancel()
			}
			if got := calls.Load(); got != tt.wantCancels {
				t.Errorf("cancel func called %d times, want %d", got, tt.wantCancels)
			}
			if _, ok := f.Peek(); ok != tt.resolve {
				t.Errorf("resolved = %v, want %v: Cancel must not resolve by itself", ok, tt.resolve)
			}
		})
	}
}

func TestCancelResolvesSynchronously(t *testing.T) {
	// A producer's cancel func may resolve the future on the spot: Cancel
	// holds no lock while calling it.
	var resolve func(int, error)
	var f *Future[int]
	f, resolve = NewWithCancel[int](func() { resolve(0, context.Canceled) })
	f.Cancel()
	if _, err := f.Await(context.Background()); err != context.Canceled {
		t.Errorf("Await error = %v, want %v", err, context.Canceled)
	}
}

// TestCancelStorm races cancelers against resolvers: the cancel func runs at
// most once, the future resolves once, and a future resolved by the cancel
// path had its cancel func called.
func TestCancelStorm(t *testing.T) {
	const cancelers, resolvers = 16, 16
	for range 200 {
		var calls atomic.Int32
		var resolve func(int, error)
		var f *Future[int]
		f, resolve = NewWithCancel[int](func() {
			calls.Add(1)
			resolve(-1, context.Canceled)
		})
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range cancelers {
			wg.Go(func() { <-start; f.Cancel() })
		}
		for i := range resolvers {
			wg.Go(func() { <-start; resolve(i, nil) })
		}
		close(start)
		wg.Wait()

		n := calls.Load()
		if n > 1 {
			t.Fatalf("cancel func called %d times, want at most 1", n)
		}
		r, ok := f.Peek()
		if !ok {
			t.Fatal("future not resolved")
		}
		if r.Err == context.Canceled && (r.Value != -1 || n != 1) {
			t.Fatalf("resolved %+v with %d cancel calls", r, n)
		}
		if r.Err == nil && (r.Value < 0 || r.Value >= resolvers) {
			t.Fatalf("resolved with value %d, not a resolver's", r.Value)
		}
		if f.cancel != nil {
			t.Fatal("resolved future keeps its cancel func")
		}
	}
}

func TestGo(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		fn      func(context.Context) (int, error)
		cancel  bool
		wantV   int
		wantErr error
		wantRun bool
	}{
		{"value", context.Background(), func(context.Context) (int, error) { return 4, nil }, false, 4, nil, true},
		{"error", context.Background(), func(context.Context) (int, error) { return 0, errBoom }, false, 0, errBoom, true},
		{"done ctx runs nothing", canceled, func(context.Context) (int, error) { return 4, nil }, false, 0, context.Canceled, false},
		{"Cancel cancels fn's ctx", context.Background(), func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 9, ctx.Err()
		}, true, 9, context.Canceled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ran atomic.Bool
			var fnCtx context.Context
			f := Go(tt.ctx, func(ctx context.Context) (int, error) {
				ran.Store(true)
				fnCtx = ctx
				return tt.fn(ctx)
			})
			if tt.cancel {
				f.Cancel()
			}
			v, err := f.Await(context.Background())
			if v != tt.wantV || err != tt.wantErr {
				t.Errorf("Await = %d, %v, want %d, %v", v, err, tt.wantV, tt.wantErr)
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

func TestGoParentCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		f := Go(ctx, func(ctx context.Context) (struct{}, error) {
			<-ctx.Done()
			return struct{}{}, ctx.Err()
		})
		if _, err := f.Await(context.Background()); err != context.DeadlineExceeded {
			t.Errorf("Await error = %v, want %v", err, context.DeadlineExceeded)
		}
	})
}

func TestGoCancelStorm(t *testing.T) {
	for range 50 {
		var runs atomic.Int32
		f := Go(context.Background(), func(ctx context.Context) (int, error) {
			runs.Add(1)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(f.Cancel)
		}
		wg.Wait()
		if _, err := f.Await(context.Background()); err != context.Canceled {
			t.Fatalf("Await error = %v, want %v", err, context.Canceled)
		}
		if n := runs.Load(); n != 1 {
			t.Fatalf("fn ran %d times, want 1", n)
		}
		f.Cancel() // resolved: no-op
	}
}

type countCancel struct{ n atomic.Int32 }

func (c *countCancel) Cancel() { c.n.Add(1) }

// TestPromise: a Promise embedded in a producer's struct resolves its
// future once, and Cancel reaches the producer only while it is pending.
func TestPromise(t *testing.T) {
	type job struct {
		id int
		p  Promise[int]
	}
	ctx := context.Background()
	j := &job{id: 7}
	var c countCancel
	j.p.OnCancel(&c)
	f := j.p.Future()
	if _, ok := f.Peek(); ok {
		t.Fatal("a new promise's future has resolved")
	}
	f.Cancel()
	f.Cancel()
	if got := c.n.Load(); got != 1 {
		t.Errorf("Cancel reached the producer %d times, want 1", got)
	}
	j.p.Resolve(j.id, nil)
	j.p.Resolve(0, errors.New("late"))
	if v, err := f.Await(ctx); v != 7 || err != nil {
		t.Errorf("got %d, %v; want 7, nil", v, err)
	}

	var k job
	var c2 countCancel
	k.p.OnCancel(&c2)
	k.p.Resolve(1, nil)
	k.p.Future().Cancel()
	if got := c2.n.Load(); got != 0 {
		t.Errorf("Cancel after resolution reached the producer %d times, want 0", got)
	}
}

// seenNotifier records, when told that f resolved, whether f already looked
// resolved to Peek and to its Done channel.
type seenNotifier struct {
	f                    *Future[int]
	told, peeked, closed bool
}

func (n *seenNotifier) notify(*waiter) {
	n.told = true
	_, n.peeked = n.f.Peek()
	select {
	case <-n.f.Done():
		n.closed = true
	default:
	}
}

// TestWaitersToldFirst: a future's waiters are told before anyone can see
// it resolved, so that nothing resolves because of it (a future awaiting it)
// before they have been told, and AsCompleted keeps the order in which
// futures resolved.
func TestWaitersToldFirst(t *testing.T) {
	f, resolve := New[int]()
	n := &seenNotifier{f: f}
	if !f.watch(&waiter{n: n}) {
		t.Fatal("watch: a pending future reported resolved")
	}
	resolve(1, nil)
	if !n.told {
		t.Fatal("the waiter was not told")
	}
	if n.peeked || n.closed {
		t.Errorf("while its waiters were told, the future looked resolved (Peek %v, Done closed %v)", n.peeked, n.closed)
	}
	if r, ok := f.Peek(); !ok || r.Value != 1 {
		t.Errorf("after resolve: Peek = %v, %v; want 1, true", r, ok)
	}
	select {
	case <-f.Done():
	default:
		t.Error("after resolve: Done is not closed")
	}
	if f.watch(&waiter{n: n}) {
		t.Error("watch: a resolved future took a waiter")
	}
}

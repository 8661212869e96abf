package limiter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestWaitRate(t *testing.T) {
	for _, tt := range rates {
		t.Run(fmt.Sprintf("%v/%d", tt.r, tt.b), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const window = 10 * time.Second
				l := New(PerHost(tt.r, tt.b))
				start := time.Now()
				var mu sync.Mutex
				var got []time.Duration
				ctx, cancel := context.WithTimeout(t.Context(), window+time.Nanosecond)
				defer cancel()
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						for {
							release, err := l.Wait(ctx, "k")
							if err != nil {
								return
							}
							mu.Lock()
							got = append(got, time.Since(start))
							mu.Unlock()
							release()
						}
					})
				}
				wg.Wait()
				checkRate(t, got, float64(tt.r), tt.b, window)
				if st := l.Stats(); st.InUse != 0 || st.Waiting != 0 {
					t.Fatalf("Stats = %+v, want nothing held or waiting", st)
				}
			})
		})
	}
}

func TestWaitFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(HostConcurrency(1))
		held, _, _ := l.TryAcquire("k", time.Now())
		var order []int
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				release, err := l.Wait(t.Context(), "k")
				if err != nil {
					t.Error(err)
					return
				}
				order = append(order, i) // serialised by the slot
				time.Sleep(time.Millisecond)
				release()
			})
			synctest.Wait() // queued before the next one starts
		}
		if got := l.Stats().Waiting; got != 10 {
			t.Fatalf("Waiting = %d, want 10", got)
		}
		held.Release()
		wg.Wait()
		for i, got := range order {
			if got != i {
				t.Fatalf("admitted in order %v, want 0..9", order)
			}
		}
	})
}

// TestWaitGoesBeforeTryAcquire checks that TryAcquire yields to Wait
// callers queued on the key, and that OnRelease reports when it may try
// again.
func TestWaitGoesBeforeTryAcquire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var notified []string
		l := New(HostConcurrency(1), OnRelease(func(key string) {
			mu.Lock()
			notified = append(notified, key)
			mu.Unlock()
		}))
		held, _, _ := l.TryAcquire("k", time.Now())
		admitted := make(chan func())
		go func() {
			release, err := l.Wait(t.Context(), "k")
			if err != nil {
				t.Error(err)
			}
			admitted <- release
		}()
		synctest.Wait()
		held.Release() // hands the slot to the waiter
		if _, wait, ok := l.TryAcquire("k", time.Now()); ok || wait >= 0 {
			t.Fatalf("TryAcquire ahead of a queued Wait = %v, %v; want false, negative", ok, wait)
		}
		release := <-admitted
		if _, _, ok := l.TryAcquire("k", time.Now()); ok {
			t.Fatal("TryAcquire succeeded while the waiter holds the only slot")
		}
		release()
		p, _, ok := l.TryAcquire("k", time.Now())
		if !ok {
			t.Fatal("TryAcquire after the waiter released failed")
		}
		p.Release()
		mu.Lock()
		defer mu.Unlock()
		// held released, the queue emptied, the waiter released, p released.
		if len(notified) != 4 {
			t.Fatalf("OnRelease saw %q, want 4 calls for k", notified)
		}
	})
}

func TestWaitGlobalHandOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Concurrency(1))
		held, _, _ := l.TryAcquire("a", time.Now())
		admitted := make(chan func())
		go func() {
			release, err := l.Wait(t.Context(), "b")
			if err != nil {
				t.Error(err)
			}
			admitted <- release
		}()
		synctest.Wait()
		if _, wait, ok := l.TryAcquire("c", time.Now()); ok || wait >= 0 {
			t.Fatalf("TryAcquire(c) = %v, %v; want false, negative", ok, wait)
		}
		held.Release()
		// The slot went to the waiter, not to whoever asks next.
		if _, _, ok := l.TryAcquire("c", time.Now()); ok {
			t.Fatal("TryAcquire(c) took the slot handed to the waiter")
		}
		release := <-admitted
		release()
		release() // idempotent
		if st := l.Stats(); st.InUse != 0 || st.Waiting != 0 {
			t.Fatalf("Stats = %+v, want nothing held or waiting", st)
		}
	})
}

func TestWaitPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New()
		start := time.Now()
		l.Pause("k", start.Add(3*time.Second))
		go func() {
			time.Sleep(time.Second)
			l.Pause("k", start.Add(5*time.Second)) // extends while waiting
		}()
		release, err := l.Wait(t.Context(), "k")
		if err != nil {
			t.Fatal(err)
		}
		release()
		if got := time.Since(start); got != 5*time.Second {
			t.Fatalf("admitted after %v, want 5s", got)
		}
	})
}

func TestWaitDoneContext(t *testing.T) {
	l := New(HostConcurrency(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Wait(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a done ctx = %v, want context.Canceled", err)
	}
	if st := l.Stats(); st != (Stats{}) {
		t.Fatalf("Stats = %+v, want untouched", st)
	}
}

// TestWaitCancel cancels a waiter blocked on each thing it can wait for and
// checks that it returns ctx.Err() at once and leaves the Limiter as if it
// had not waited: the next caller is admitted when it would have been.
func TestWaitCancel(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		setup func(l *Limiter) (undo func())
		// next is when a caller starting after the cancel is admitted.
		next time.Duration
	}{
		{
			name: "token",
			opts: []Option{PerHost(1, 1)},
			setup: func(l *Limiter) func() {
				p, _, _ := l.TryAcquire("k", time.Now())
				p.Release()
				return func() {}
			},
			next: time.Second,
		},
		{
			name: "pause",
			setup: func(l *Limiter) func() {
				l.Pause("k", time.Now().Add(2*time.Second))
				return func() {}
			},
			next: 2 * time.Second,
		},
		{
			name: "key slot",
			opts: []Option{PerHost(1, 2), HostConcurrency(1)},
			setup: func(l *Limiter) func() {
				p, _, _ := l.TryAcquire("k", time.Now())
				go func() { time.Sleep(3 * time.Second); p.Release() }()
				return func() {}
			},
			next: 3 * time.Second,
		},
		{
			name: "global slot",
			opts: []Option{PerHost(1, 2), Concurrency(1)},
			setup: func(l *Limiter) func() {
				p, _, _ := l.TryAcquire("other", time.Now())
				go func() { time.Sleep(3 * time.Second); p.Release() }()
				return func() {}
			},
			next: 3 * time.Second,
		},
		{
			name: "queued behind another waiter",
			opts: []Option{PerHost(1, 1)},
			setup: func(l *Limiter) func() {
				p, _, _ := l.TryAcquire("k", time.Now()) // bucket empty until 1s
				p.Release()
				done := make(chan struct{})
				go func() {
					defer close(done)
					release, err := l.Wait(context.Background(), "k") // admitted at 1s
					if err == nil {
						release()
					}
				}()
				synctest.Wait()
				return func() { <-done }
			},
			next: 2 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := New(tt.opts...)
				start := time.Now()
				undo := tt.setup(l)
				before := l.Stats()

				ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
				defer cancel()
				if _, err := l.Wait(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Wait = %v, want context.DeadlineExceeded", err)
				}
				if got := time.Since(start); got != 500*time.Millisecond {
					t.Fatalf("Wait returned after %v, want 500ms", got)
				}
				if after := l.Stats(); after.InUse != before.InUse || after.Waiting != before.Waiting {
					t.Errorf("Stats after cancel = %+v, want InUse and Waiting as in %+v", after, before)
				}

				release, err := l.Wait(t.Context(), "k")
				if err != nil {
					t.Fatal(err)
				}
				release()
				if got := time.Since(start); got != tt.next {
					t.Fatalf("next caller admitted after %v, want %v", got, tt.next)
				}
				undo()
			})
		})
	}
}

// TestLimitsNeverExceeded runs Wait callers and a TryAcquire scheduler
// together on shared keys and checks every limit at every admission, and
// that everyone is admitted in the end (no lost wake-up).
func TestLimitsNeverExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			perKey, global = 2, 5
			nKeys          = 6
			callers, calls = 30, 20
			jobs           = 300
		)
		wake := make(chan struct{}, 1)
		l := New(PerHost(50, 3), HostConcurrency(perKey), Concurrency(global),
			OnRelease(func(string) {
				select {
				case wake <- struct{}{}:
				default:
				}
			}))
		var inKey [nKeys]atomic.Int32
		var inAll atomic.Int32
		work := func(k, n int) {
			if got := inKey[k].Add(1); got > perKey {
				t.Errorf("key %d: %d in flight, limit %d", k, got, perKey)
			}
			if got := inAll.Add(1); got > global {
				t.Errorf("%d in flight, limit %d", got, global)
			}
			time.Sleep(time.Duration(1+n%7) * time.Millisecond)
			inAll.Add(-1)
			inKey[k].Add(-1)
		}
		var wg sync.WaitGroup
		for c := range callers {
			wg.Go(func() {
				for i := range calls {
					k := (c + i) % nKeys
					release, err := l.Wait(t.Context(), fmt.Sprint(k))
					if err != nil {
						t.Error(err)
						return
					}
					work(k, c+i)
					release()
				}
			})
		}
		// A scheduler: one goroutine, TryAcquire only, work run elsewhere.
		wg.Go(func() {
			pending := make([]int, 0, jobs)
			for j := range jobs {
				pending = append(pending, j%nKeys)
			}
			var running sync.WaitGroup
			for len(pending) > 0 {
				next := time.Duration(-1)
				rest := pending[:0]
				blocked := map[int]bool{}
				for _, k := range pending {
					if blocked[k] {
						rest = append(rest, k)
						continue
					}
					p, wait, ok := l.TryAcquire(fmt.Sprint(k), time.Now())
					if !ok {
						blocked[k] = true
						rest = append(rest, k)
						if wait > 0 && (next < 0 || wait < next) {
							next = wait
						}
						continue
					}
					running.Go(func() { work(k, k); p.Release() })
				}
				pending = rest
				if len(pending) == 0 {
					break
				}
				if next > 0 {
					select {
					case <-wake:
					case <-time.After(next):
					}
				} else {
					<-wake
				}
			}
			running.Wait()
		})
		wg.Wait()
		if st := l.Stats(); st.InUse != 0 || st.Waiting != 0 {
			t.Fatalf("Stats = %+v, want nothing held or waiting", st)
		}
	})
}

func TestWaitNil(t *testing.T) {
	var l *Limiter
	release, err := l.Wait(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Wait(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("nil Wait with a done ctx = %v, want context.Canceled", err)
	}
}

// TestWaitPausedAfterHandOff pauses a key while its waiter waits for a slot:
// the slot handed over on release must be given back at once, not held
// through the pause, and the waiter admitted when the pause ends.
func TestWaitPausedAfterHandOff(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		holder string // key of the permit the waiter waits for
		other  string // key that must get the slot during the pause
	}{
		{"key slot", []Option{HostConcurrency(1)}, "b", "c"},
		{"global slot", []Option{Concurrency(1)}, "a", "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := New(tt.opts...)
				start := time.Now()
				held, _, _ := l.TryAcquire(tt.holder, start)
				admitted := make(chan time.Duration, 1)
				go func() {
					release, err := l.Wait(t.Context(), "b")
					if err != nil {
						t.Error(err)
						return
					}
					admitted <- time.Since(start)
					release()
				}()
				synctest.Wait()
				l.Pause("b", start.Add(2*time.Second))
				held.Release()
				synctest.Wait()
				if st := l.Stats(); st.InUse != 0 || st.Waiting != 1 {
					t.Fatalf("Stats during the pause = %+v, want no slot held, one waiting", st)
				}
				p, _, ok := l.TryAcquire(tt.other, time.Now())
				if !ok {
					t.Fatal("the slot stayed with the paused waiter")
				}
				p.Release()
				if got := <-admitted; got != 2*time.Second {
					t.Fatalf("waiter admitted after %v, want 2s", got)
				}
			})
		})
	}
}

package limiter

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func TestTryAcquireTakesSlotBeforeToken(t *testing.T) {
	l := New(PerHost(1, 2), HostConcurrency(1))
	const key = "example.com:443"

	p1, _, ok := l.TryAcquire(key, t0)
	if !ok {
		t.Fatal("first TryAcquire failed")
	}
	if _, wait, ok := l.TryAcquire(key, t0); ok || wait >= 0 {
		t.Fatalf("TryAcquire with the slot held = %v, %v; want false, negative wait", ok, wait)
	}
	p1.Release()
	// The failed call must not have spent the second token.
	p2, _, ok := l.TryAcquire(key, t0)
	if !ok {
		t.Fatal("TryAcquire after release failed: a token was spent while the slot was full")
	}
	p2.Release()
	if _, wait, ok := l.TryAcquire(key, t0); ok || wait != time.Second {
		t.Fatalf("TryAcquire with an empty bucket = %v, %v; want false, 1s", ok, wait)
	}
	p3, _, ok := l.TryAcquire(key, t0.Add(time.Second))
	if !ok {
		t.Fatal("TryAcquire once the token is due failed")
	}
	p3.Release()
}

func TestTryAcquireConcurrency(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		keys      []string
		wantOK    []bool
		wantInUse int
	}{
		{"unlimited", nil, []string{"a", "a", "b"}, []bool{true, true, true}, 3},
		{"per key", []Option{HostConcurrency(1)}, []string{"a", "a", "b"}, []bool{true, false, true}, 2},
		{"global", []Option{Concurrency(2)}, []string{"a", "b", "c"}, []bool{true, true, false}, 2},
		{"both", []Option{HostConcurrency(2), Concurrency(3)}, []string{"a", "a", "a", "b", "c"}, []bool{true, true, false, true, false}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(tt.opts...)
			var held []Permit
			for i, key := range tt.keys {
				p, wait, ok := l.TryAcquire(key, t0)
				if ok != tt.wantOK[i] {
					t.Fatalf("call %d (%s): got ok %v, want %v", i, key, ok, tt.wantOK[i])
				}
				if !ok && wait >= 0 {
					t.Fatalf("call %d (%s): got wait %v, want negative", i, key, wait)
				}
				if ok {
					held = append(held, p)
				}
			}
			if got := l.Stats().InUse; got != tt.wantInUse {
				t.Fatalf("InUse = %d, want %d", got, tt.wantInUse)
			}
			for _, p := range held {
				p.Release()
			}
			if got := l.Stats().InUse; got != 0 {
				t.Fatalf("InUse after release = %d, want 0", got)
			}
		})
	}
}

// schedule admits key as fast as TryAcquire allows for window, the way a
// scheduler does: sleep for the wait it reports. It returns the offsets from
// the start at which permits were granted.
func schedule(l *Limiter, key string, window time.Duration) []time.Duration {
	start := time.Now()
	var got []time.Duration
	for {
		now := time.Now()
		if now.Sub(start) > window {
			return got
		}
		p, wait, ok := l.TryAcquire(key, now)
		if ok {
			got = append(got, now.Sub(start))
			p.Release()
			continue
		}
		time.Sleep(wait)
	}
}

// checkRate checks admissions at offsets got against rate r and burst b:
// exactly b at once, no interval holding more than the bucket allows, and an
// achieved rate within 2% of r over the window.
func checkRate(t *testing.T, got []time.Duration, r float64, b int, window time.Duration) {
	t.Helper()
	atStart := 0
	for _, d := range got {
		if d == 0 {
			atStart++
		}
	}
	if atStart != b {
		t.Errorf("admitted %d at once, want burst %d", atStart, b)
	}
	for i := range got {
		for j := i + 1; j < len(got); j++ {
			allowed := float64(b) + r*(got[j]-got[i]).Seconds() + 1e-6
			if n := float64(j - i + 1); n > allowed {
				t.Fatalf("%v admitted between %v and %v, bucket allows %.3f", n, got[i], got[j], allowed)
			}
		}
	}
	// After the burst, each admission waits for a token, so the achieved rate
	// is the count past the burst over the time of the last admission, which
	// must come within a token's time of the window's end.
	last := got[len(got)-1]
	if gap := window - last; gap > time.Duration(float64(time.Second)/r) {
		t.Errorf("last admission at %v, %v before the end of the window", last, gap)
	}
	achieved := float64(len(got)-b) / last.Seconds()
	t.Logf("rate %v burst %d: %d admitted, %.4f/s", r, b, len(got), achieved)
	if d := (achieved - r) / r; d < -0.02 || d > 0.02 {
		t.Errorf("achieved %.3f/s, want %.3f/s within 2%%", achieved, r)
	}
}

var rates = []struct {
	r rate.Limit
	b int
}{
	{1, 1},
	{3, 1},
	{50, 5},
	{200, 20},
	{1000, 1},
}

func TestTryAcquireRate(t *testing.T) {
	for _, tt := range rates {
		t.Run("", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const window = 10 * time.Second
				l := New(PerHost(tt.r, tt.b))
				got := schedule(l, "k", window)
				checkRate(t, got, float64(tt.r), tt.b, window)
			})
		})
	}
}

func TestPause(t *testing.T) {
	l := New()
	const key = "example.com:443"
	l.Pause(key, t0.Add(5*time.Second))
	if _, wait, ok := l.TryAcquire(key, t0); ok || wait != 5*time.Second {
		t.Fatalf("TryAcquire while paused = %v, %v; want false, 5s", ok, wait)
	}
	l.Pause(key, t0.Add(2*time.Second)) // earlier: must not shorten
	if until, ok := l.Paused(key, t0); !ok || !until.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("Paused = %v, %v; want %v, true", until, ok, t0.Add(5*time.Second))
	}
	l.Pause(key, t0.Add(8*time.Second)) // later: extends
	if _, wait, ok := l.TryAcquire(key, t0.Add(time.Second)); ok || wait != 7*time.Second {
		t.Fatalf("TryAcquire after extension = %v, %v; want false, 7s", ok, wait)
	}
	if _, _, ok := l.TryAcquire("other:443", t0); !ok {
		t.Fatal("a pause on one key blocked another")
	}
	p, _, ok := l.TryAcquire(key, t0.Add(8*time.Second))
	if !ok {
		t.Fatal("TryAcquire at the end of the pause failed")
	}
	p.Release()
	if _, ok := l.Paused(key, t0.Add(8*time.Second)); ok {
		t.Fatal("Paused after the pause ended")
	}
}

func TestPauseInThePastAddsNoKey(t *testing.T) {
	l := New()
	l.Pause("k", time.Now().Add(-time.Second))
	if got := l.Stats().Keys; got != 0 {
		t.Fatalf("Keys = %d, want 0", got)
	}
}

func TestPermitReleaseIdempotent(t *testing.T) {
	var notified []string
	l := New(HostConcurrency(1), OnRelease(func(key string) { notified = append(notified, key) }))
	p, _, ok := l.TryAcquire("k", t0)
	if !ok {
		t.Fatal("TryAcquire failed")
	}
	q := p
	p.Release()
	q.Release()
	p.Release()
	if got := l.Stats().InUse; got != 0 {
		t.Fatalf("InUse = %d, want 0", got)
	}
	if len(notified) != 1 || notified[0] != "k" {
		t.Fatalf("OnRelease saw %q, want [k]", notified)
	}
	p2, _, ok := l.TryAcquire("k", t0)
	if !ok {
		t.Fatal("TryAcquire after release failed")
	}
	p.Release() // stale: must not release p2, even if p2 reuses p's hold
	if got := l.Stats().InUse; got != 1 {
		t.Fatalf("InUse after a stale release = %d, want 1", got)
	}
	p2.Release()
	Permit{}.Release()
}

func TestNilLimiter(t *testing.T) {
	var l *Limiter
	for range 3 {
		p, wait, ok := l.TryAcquire("k", t0)
		if !ok || wait != 0 {
			t.Fatalf("nil TryAcquire = %v, %v; want true, 0", ok, wait)
		}
		p.Release()
	}
	l.Pause("k", t0.Add(time.Hour))
	if _, ok := l.Paused("k", t0); ok {
		t.Fatal("nil Limiter paused")
	}
	if got := l.Stats(); got != (Stats{}) {
		t.Fatalf("nil Stats = %+v", got)
	}
}

func TestZeroLimiter(t *testing.T) {
	var l Limiter
	var held []Permit
	for range 100 {
		p, _, ok := l.TryAcquire("k", t0)
		if !ok {
			t.Fatal("zero Limiter refused")
		}
		held = append(held, p)
	}
	if got := l.Stats().InUse; got != 100 {
		t.Fatalf("InUse = %d, want 100", got)
	}
	for _, p := range held {
		p.Release()
	}
	l.Pause("k", t0.Add(time.Second))
	if _, wait, ok := l.TryAcquire("k", t0); ok || wait != time.Second {
		t.Fatalf("zero Limiter ignored a pause: %v, %v", ok, wait)
	}
}

func TestZeroRate(t *testing.T) {
	l := New(PerHost(0, 2))
	for i := range 2 {
		if _, _, ok := l.TryAcquire("k", t0); !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
	}
	if _, wait, ok := l.TryAcquire("k", t0.Add(time.Hour)); ok || wait != rate.InfDuration {
		t.Fatalf("TryAcquire past the burst at rate 0 = %v, %v; want false, InfDuration", ok, wait)
	}
}

// TestTryAcquireConcurrent hammers TryAcquire from many goroutines and
// checks that no limit is ever exceeded.
func TestTryAcquireConcurrent(t *testing.T) {
	const perKey, global = 3, 7
	keys := []string{"a", "b", "c", "d"}
	l := New(HostConcurrency(perKey), Concurrency(global))
	var inKey [4]atomic.Int32
	var inAll atomic.Int32
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 2000 {
				k := (g + i) % len(keys)
				p, _, ok := l.TryAcquire(keys[k], time.Now())
				if !ok {
					continue
				}
				admitted.Add(1)
				if n := inKey[k].Add(1); n > perKey {
					t.Errorf("key %s: %d in flight, limit %d", keys[k], n, perKey)
				}
				if n := inAll.Add(1); n > global {
					t.Errorf("%d in flight, limit %d", n, global)
				}
				inAll.Add(-1)
				inKey[k].Add(-1)
				p.Release()
			}
		})
	}
	wg.Wait()
	if admitted.Load() == 0 {
		t.Fatal("nothing admitted")
	}
	if got := l.Stats().InUse; got != 0 {
		t.Fatalf("InUse = %d, want 0", got)
	}
}

// TestTryAcquireClockBehind checks that a now earlier than one already seen
// cannot earn the same interval's tokens twice.
func TestTryAcquireClockBehind(t *testing.T) {
	l := New(PerHost(1, 2))
	for i, at := range []time.Time{t0.Add(time.Second), t0} {
		p, _, ok := l.TryAcquire("k", at)
		if !ok {
			t.Fatalf("call %d refused within the burst", i)
		}
		p.Release()
	}
	if _, wait, ok := l.TryAcquire("k", t0.Add(time.Second)); ok || wait != time.Second {
		t.Fatalf("third call = %v, %v; want false, 1s", ok, wait)
	}
	if _, wait, ok := l.TryAcquire("k", t0.Add(500*time.Millisecond)); ok || wait != 1500*time.Millisecond {
		t.Fatalf("call with a clock behind = %v, %v; want false, 1.5s", ok, wait)
	}
}

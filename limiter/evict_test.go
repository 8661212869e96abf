package limiter

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// TestEvictionBoundsKeys touches a million distinct keys once each, about a
// thousand a second, and checks that the Limiter keeps only the keys of the
// last idle timeout or so, not a million.
func TestEvictionBoundsKeys(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	synctest.Test(t, func(t *testing.T) {
		const (
			perSleep = 100
			step     = 100 * time.Millisecond // 1000 new keys a second
			idle     = time.Second
		)
		l := New(PerHost(100, 10), HostConcurrency(4), IdleTimeout(idle))
		maxKeys := 0
		for i := range n {
			p, _, ok := l.TryAcquire(strconv.Itoa(i), time.Now())
			if !ok {
				t.Fatalf("key %d refused", i)
			}
			p.Release()
			if i%perSleep == perSleep-1 {
				maxKeys = max(maxKeys, l.Stats().Keys)
				time.Sleep(step)
			}
		}
		st := l.Stats()
		// Keys used within the idle timeout stay (1000 of them); each new key
		// evicts the old ones it finds, so few more than that are kept.
		const bound = 1500
		if maxKeys > bound {
			t.Fatalf("kept up to %d keys, want at most %d", maxKeys, bound)
		}
		if got := uint64(st.Keys) + st.Evicted; got != uint64(n) {
			t.Fatalf("Keys + Evicted = %d, want %d", got, n)
		}
		t.Logf("%d keys touched: at most %d kept, %d evicted", n, maxKeys, st.Evicted)
	})
}

// TestEvictionKeepsState checks that keys whose state matters survive
// heavy churn: one with a permit out, one paused, one whose bucket has not
// refilled.
func TestEvictionKeepsState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(PerHost(100, 1), Host("slow", 1.0/3600, 1), IdleTimeout(time.Second))
		start := time.Now()
		held, _, ok := l.TryAcquire("held", start)
		if !ok {
			t.Fatal("TryAcquire(held) failed")
		}
		l.Pause("paused", start.Add(time.Hour))
		slow, _, ok := l.TryAcquire("slow", start)
		if !ok {
			t.Fatal("TryAcquire(slow) failed")
		}
		slow.Release()
		for i := range 10_000 {
			p, _, _ := l.TryAcquire(strconv.Itoa(i), time.Now())
			p.Release()
			if i%100 == 99 {
				time.Sleep(time.Second)
			}
		}
		now := time.Now()
		if st := l.Stats(); st.Evicted < 9000 || st.InUse != 1 {
			t.Fatalf("Stats = %+v, want most keys evicted and one permit out", st)
		}
		if _, ok := l.Paused("paused", now); !ok {
			t.Fatal("paused key forgotten")
		}
		if _, wait, ok := l.TryAcquire("slow", now); ok || wait <= 0 {
			t.Fatalf("slow key: TryAcquire = %v, %v; its empty bucket was forgotten", ok, wait)
		}
		held.Release()
		if got := l.Stats().InUse; got != 0 {
			t.Fatalf("InUse after release = %d, want 0", got)
		}
	})
}

// TestEvictionKeepsHotKeys checks that a key used within the idle timeout
// is kept, so hot keys are not reallocated.
func TestEvictionKeepsHotKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(IdleTimeout(time.Minute))
		for i := range 1000 {
			p, _, _ := l.TryAcquire(strconv.Itoa(i), time.Now())
			p.Release()
			time.Sleep(10 * time.Millisecond)
		}
		if st := l.Stats(); st.Evicted != 0 || st.Keys != 1000 {
			t.Fatalf("Stats = %+v, want 1000 keys, none evicted", st)
		}
		time.Sleep(time.Minute)
		for i := 1000; i < 1500; i++ {
			p, _, _ := l.TryAcquire(strconv.Itoa(i), time.Now())
			p.Release()
		}
		if st := l.Stats(); st.Keys > 600 {
			t.Fatalf("Stats = %+v, want idle keys evicted by new ones", st)
		}
	})
}

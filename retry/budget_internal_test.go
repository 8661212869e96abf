package retry

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func (b *Budget) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}

// TestBudgetEvictsIdleKeys checks that memory follows the keys active in
// the last window, not every key ever seen.
func TestBudgetEvictsIdleKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(0.2, 0, 10*time.Second)
		for i := range 10_000 {
			b.Record("host-"+strconv.Itoa(i), time.Now())
		}
		if got, want := b.len(), 10_000; got != want {
			t.Fatalf("after 10000 keys: %d stored, want %d", got, want)
		}
		time.Sleep(5 * time.Second)
		b.Record("recent", time.Now())
		time.Sleep(5 * time.Second)
		b.Record("now", time.Now())
		if got, want := b.len(), 2; got != want {
			t.Errorf("a window later: %d keys stored, want %d (recent and now)", got, want)
		}
		// Denied keys that cannot retry are not stored.
		for i := range 100 {
			if b.Allow("denied-"+strconv.Itoa(i), time.Now()) {
				t.Fatalf("Allow on a key without requests or reserve = true, want false")
			}
		}
		if got, want := b.len(), 2; got != want {
			t.Errorf("after denied keys: %d keys stored, want %d", got, want)
		}
	})
}

package retry_test

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/retry"
)

// allowN asks b for n retries for key now and returns how many it granted.
func allowN(b *retry.Budget, key string, n int) int {
	got := 0
	for range n {
		if b.Allow(key, time.Now()) {
			got++
		}
	}
	return got
}

func recordN(b *retry.Budget, key string, n int) {
	for range n {
		b.Record(key, time.Now())
	}
}

func TestBudgetShareOfRequests(t *testing.T) {
	tests := []struct {
		name         string
		ratio        float64
		minPerSecond int
		requests     int
		want         int
	}{
		{"half", 0.5, 0, 10, 5},
		{"a fifth", 0.2, 0, 1000, 200},
		{"rounding of a tenth", 0.1, 0, 10, 1},
		{"less than one", 0.2, 0, 4, 0},
		{"reserve only", 0, 2, 0, 20},
		{"share plus reserve", 0.2, 1, 100, 30},
		{"nothing", 0, 0, 100, 0},
		{"negative ratio is zero", -1, 0, 100, 0},
		{"nan ratio is zero", math.NaN(), 1, 100, 10},
		{"negative reserve is zero", 0.5, -5, 10, 5},
		{"infinite ratio", math.Inf(1), 0, 1, 1000},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			b := retry.NewBudget(tt.ratio, tt.minPerSecond, 10*time.Second)
			recordN(b, "a", tt.requests)
			if got := allowN(b, "a", 1000); got != tt.want {
				t.Errorf("%s: NewBudget(%v, %d, 10s) after %d requests allowed %d retries, want %d",
					tt.name, tt.ratio, tt.minPerSecond, tt.requests, got, tt.want)
			}
		})
	}
}

func TestBudgetKeysAreSeparate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := retry.NewBudget(0.5, 0, time.Minute)
		recordN(b, "a.example:443", 4)
		recordN(b, "b.example:443", 2)
		if got, want := allowN(b, "a.example:443", 10), 2; got != want {
			t.Errorf("key a allowed %d retries, want %d", got, want)
		}
		if got, want := allowN(b, "b.example:443", 10), 1; got != want {
			t.Errorf("key b allowed %d retries, want %d", got, want)
		}
		if got, want := allowN(b, "c.example:443", 10), 0; got != want {
			t.Errorf("unseen key c allowed %d retries, want %d", got, want)
		}
	})
}

// TestBudgetRefills spends a reserve of 10 retries per 10 s window in two
// halves and watches each half come back one window after it was spent.
func TestBudgetRefills(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := retry.NewBudget(0, 1, 10*time.Second)
		steps := []struct {
			sleep time.Duration // before asking
			ask   int
			want  int
		}{
			{0, 5, 5},               // t=0: half the reserve
			{5 * time.Second, 9, 5}, // t=5s: the other half, then empty
			{4 * time.Second, 1, 0}, // t=9s: nothing has expired yet
			{time.Second, 9, 5},     // t=10s: the retries of t=0 expired
			{5 * time.Second, 9, 5}, // t=15s: and those of t=5s
			{time.Hour, 20, 10},     // long idle: full reserve, no more
		}
		start := time.Now()
		for _, s := range steps {
			time.Sleep(s.sleep)
			if got := allowN(b, "h", s.ask); got != s.want {
				t.Errorf("at %v asked %d retries, got %d, want %d", time.Since(start), s.ask, got, s.want)
			}
		}
	})
}

func TestBudgetRequestsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := retry.NewBudget(0.5, 0, 10*time.Second)
		recordN(b, "h", 10)
		time.Sleep(10 * time.Second)
		if got := allowN(b, "h", 10); got != 0 {
			t.Errorf("a window after the last request allowed %d retries, want 0", got)
		}
		recordN(b, "h", 2)
		if got := allowN(b, "h", 10); got != 1 {
			t.Errorf("after 2 new requests allowed %d retries, want 1", got)
		}
	})
}

func TestBudgetZeroValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b retry.Budget
		recordN(&b, "h", 100)
		want := int(retry.DefaultBudgetRatio*100) + retry.DefaultBudgetMinPerSecond*int(retry.DefaultBudgetWindow/time.Second)
		if got := allowN(&b, "h", 1000); got != want {
			t.Errorf("zero Budget after 100 requests allowed %d retries, want %d", got, want)
		}
	})
}

func TestBudgetDefaultWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := retry.NewBudget(0, 1, 0)
		want := int(retry.DefaultBudgetWindow / time.Second)
		if got := allowN(b, "h", 1000); got != want {
			t.Errorf("NewBudget(0, 1, 0) allowed %d retries, want %d", got, want)
		}
	})
}

// TestBudgetClockBackwards passes times out of order, as callers with
// their own clocks may; counts land in the newest slot.
func TestBudgetClockBackwards(t *testing.T) {
	b := retry.NewBudget(0.5, 0, 10*time.Second)
	for i := range 4 {
		b.Record("h", now.Add(-time.Duration(i)*time.Hour))
	}
	if got := b.Allow("h", now.Add(-48*time.Hour)); !got {
		t.Errorf("Allow with an earlier time = false, want true")
	}
}

func TestBudgetConcurrent(t *testing.T) {
	b := retry.NewBudget(0.5, 1, 10*time.Second)
	var wg sync.WaitGroup
	var allowed atomic.Int64
	// Everything happens within one window, so the total is exact:
	// 0.5 × 64 × 10 requests + 1 × 10 s = 330.
	for range 64 {
		wg.Go(func() {
			for range 10 {
				b.Record("h", now)
				if b.Allow("h", now) {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for b.Allow("h", now) {
		allowed.Add(1)
	}
	if got, want := allowed.Load(), int64(330); got != want {
		t.Errorf("64 goroutines were allowed %d retries, want %d", got, want)
	}
}

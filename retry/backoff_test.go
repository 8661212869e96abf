package retry_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/requests3/requests/retry"
)

// highest is a jitter source that always picks the top of the range, so that
// Delay returns the ceiling of its interval.
func highest(n int64) int64 { return n - 1 }

// lowest always picks zero.
func lowest(int64) int64 { return 0 }

func TestExponentialCeiling(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name      string
		base, max time.Duration
		attempt   int
		want      time.Duration
	}{
		{"first", 100 * ms, time.Second, 1, 100 * ms},
		{"second doubles", 100 * ms, time.Second, 2, 200 * ms},
		{"fourth", 100 * ms, time.Second, 4, 800 * ms},
		{"capped", 100 * ms, time.Second, 5, time.Second},
		{"far past the cap", 100 * ms, time.Second, 1000, time.Second},
		{"no overflow at max int", 100 * ms, time.Second, math.MaxInt, time.Second},
		{"huge max", time.Second, 1 << 62, 80, 1 << 62},
		{"attempt zero is one", 100 * ms, time.Second, 0, 100 * ms},
		{"negative attempt is one", 100 * ms, time.Second, -3, 100 * ms},
		{"max below base", time.Second, 300 * ms, 1, 300 * ms},
		{"zero base is default", 0, time.Hour, 2, 2 * retry.DefaultBackoffBase},
		{"zero max is default", time.Second, 0, 30, retry.DefaultBackoffMax},
		{"negative values are defaults", -1, -1, 1, retry.DefaultBackoffBase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := retry.Exponential(tt.base, tt.max)
			b.Rand = highest
			if got := b.Delay(tt.attempt); got != tt.want {
				t.Errorf("Delay(%d) with the highest jitter = %v, want %v", tt.attempt, got, tt.want)
			}
			b.Rand = lowest
			if got := b.Delay(tt.attempt); got != 0 {
				t.Errorf("Delay(%d) with the lowest jitter = %v, want 0", tt.attempt, got)
			}
		})
	}
}

func TestExponentialZeroValue(t *testing.T) {
	b := retry.ExponentialBackoff{Rand: highest}
	if got, want := b.Delay(1), retry.DefaultBackoffBase; got != want {
		t.Errorf("zero ExponentialBackoff Delay(1) = %v, want %v", got, want)
	}
	if got, want := b.Delay(100), retry.DefaultBackoffMax; got != want {
		t.Errorf("zero ExponentialBackoff Delay(100) = %v, want %v", got, want)
	}
}

func TestExponentialBadRandIsClamped(t *testing.T) {
	b := retry.Exponential(time.Second, time.Minute)
	for _, r := range []int64{-5, math.MaxInt64} {
		b.Rand = func(int64) int64 { return r }
		if got := b.Delay(1); got < 0 || got > time.Second {
			t.Errorf("Delay(1) with Rand returning %d = %v, want within [0, 1s]", r, got)
		}
	}
}

// TestExponentialJitterBounds draws from the default source, from many
// goroutines at once, and checks every draw against its interval and that
// the draws spread over it.
func TestExponentialJitterBounds(t *testing.T) {
	b := retry.Exponential(10*time.Millisecond, 300*time.Millisecond)
	const goroutines, draws, attempts = 8, 200, 7
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex // guards low and high
		low, high [attempts + 1]bool
	)
	for range goroutines {
		wg.Go(func() {
			for range draws {
				for a := 1; a <= attempts; a++ {
					ceil := min(300*time.Millisecond, 10*time.Millisecond<<(a-1))
					d := b.Delay(a)
					if d < 0 || d > ceil {
						t.Errorf("Delay(%d) = %v, want within [0, %v]", a, d, ceil)
					}
					mu.Lock()
					low[a] = low[a] || d < ceil/2
					high[a] = high[a] || d >= ceil/2
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for a := 1; a <= attempts; a++ {
		if !low[a] || !high[a] {
			t.Errorf("Delay(%d) over %d draws: below half %v, above half %v, want both", a, goroutines*draws, low[a], high[a])
		}
	}
}

func TestConstant(t *testing.T) {
	tests := []struct {
		d, want time.Duration
	}{
		{0, 0},
		{250 * time.Millisecond, 250 * time.Millisecond},
		{-time.Second, 0},
	}
	for _, tt := range tests {
		b := retry.Constant(tt.d)
		for _, a := range []int{1, 2, 50} {
			if got := b.Delay(a); got != tt.want {
				t.Errorf("Constant(%v).Delay(%d) = %v, want %v", tt.d, a, got, tt.want)
			}
		}
	}
}

func TestBackoffFunc(t *testing.T) {
	var b retry.Backoff = retry.BackoffFunc(func(a int) time.Duration { return time.Duration(a) * time.Second })
	if got, want := b.Delay(3), 3*time.Second; got != want {
		t.Errorf("Delay(3) = %v, want %v", got, want)
	}
}

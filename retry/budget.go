package retry

import (
	"math"
	"sync"
	"time"
)

// Defaults of the zero [Budget]. [NewBudget] uses DefaultBudgetWindow for a
// window of zero.
const (
	DefaultBudgetRatio        = 0.2
	DefaultBudgetMinPerSecond = 10
	DefaultBudgetWindow       = 10 * time.Second
)

// budgetSlots is how many slots a window is divided into: requests and
// retries expire one slot (a tenth of the window) at a time.
const budgetSlots = 10

// A Budget caps retries as a share of recent traffic, per key (a host), so
// that a host that fails every request gets a few more requests, not
// MaxAttempts times as many. It works like Finagle's RetryBudget and in the
// spirit of gRPC's retry throttling.
//
// Within the last window, a key may retry
//
//	ratio × requests + minPerSecond × window (in seconds)
//
// times: each first attempt adds ratio to the budget, and the reserve lets
// a host with little traffic still retry. Counts expire as the window
// slides, so an exhausted budget refills over time.
//
// A Budget is passive: it does arithmetic under a mutex on times passed in,
// and starts no goroutines. Its memory grows with the number of keys seen
// in the last window; keys idle for a whole window hold nothing a new key
// would not, and are dropped lazily, at most once a window.
//
// The zero value is a budget with [DefaultBudgetRatio],
// [DefaultBudgetMinPerSecond] and [DefaultBudgetWindow]. A Budget is safe
// for concurrent use, and is meant to be shared by every request to the
// keys it counts; it must not be copied after first use.
type Budget struct {
	mu sync.Mutex // guards all fields below

	init    bool          // the fields below have been set
	ratio   float64       // retries allowed per request
	reserve float64       // retries allowed per window regardless of traffic
	slot    time.Duration // window / budgetSlots

	epoch     time.Time // slot 0 starts here: the first time seen
	started   bool      // epoch is set
	keys      map[string]*budgetKey
	lastSweep int64 // slot of the last eviction sweep
}

// budgetKey holds the counts of one key, in a ring of slots. Slot number s
// (counted from the epoch) lives at index s % budgetSlots.
type budgetKey struct {
	head     int64 // the newest slot number written
	requests [budgetSlots]int64
	retries  [budgetSlots]int64
}

// NewBudget returns a [Budget] that allows, per key and within any window,
// ratio retries per request plus minPerSecond retries per second of the
// window. A negative or NaN ratio and a negative minPerSecond are taken as
// zero; a window of zero or less means [DefaultBudgetWindow]. Note that
// NewBudget(0, 0, w) allows no retries at all.
func NewBudget(ratio float64, minPerSecond int, window time.Duration) *Budget {
	b := &Budget{}
	b.configure(ratio, minPerSecond, window)
	return b
}

func (b *Budget) configure(ratio float64, minPerSecond int, window time.Duration) {
	if !(ratio >= 0) { // also NaN
		ratio = 0
	}
	if window <= 0 {
		window = DefaultBudgetWindow
	}
	b.ratio = ratio
	b.reserve = float64(max(minPerSecond, 0)) * window.Seconds()
	b.slot = max(window/budgetSlots, 1)
	b.init = true
}

// Record counts one request (a first attempt, not a retry) to key at now.
// [Policy.Next] calls it for attempt 1 when the policy has a Budget.
func (b *Budget) Record(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	k := b.keys[key]
	if k == nil {
		k = &budgetKey{head: cur}
		b.keys[key] = k
	}
	k.requests[k.roll(cur)]++
}

// Allow reports whether key may retry at now, and if so spends one retry of
// its budget. [Policy.Next] calls it last, once it has decided that the
// attempt would otherwise be retried.
func (b *Budget) Allow(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	k := b.keys[key]
	if k == nil {
		// Only the reserve is available; don't store a key that cannot
		// retry.
		if b.reserve < 1 {
			return false
		}
		k = &budgetKey{head: cur}
		b.keys[key] = k
	}
	i := k.roll(cur)
	var requests, retries int64
	for s := range budgetSlots {
		requests += k.requests[s]
		retries += k.retries[s]
	}
	avail := b.reserve - float64(retries)
	if requests > 0 {
		avail += b.ratio * float64(requests)
	}
	// Allow for rounding in ratio × requests (0.1 × 10 is not quite 1).
	if avail < 1-1e-9 || math.IsNaN(avail) {
		return false
	}
	k.retries[i]++
	return true
}

// advance sets up b on first use, returns the slot number of now, and drops
// idle keys if a window has passed since it last did. b.mu must be held.
func (b *Budget) advance(now time.Time) int64 {
	if !b.init {
		b.configure(DefaultBudgetRatio, DefaultBudgetMinPerSecond, DefaultBudgetWindow)
	}
	if !b.started {
		b.epoch, b.started = now, true
		b.keys = make(map[string]*budgetKey)
	}
	cur := int64(max(now.Sub(b.epoch), 0) / b.slot)
	if cur-b.lastSweep >= budgetSlots {
		for key, k := range b.keys {
			if cur-k.head >= budgetSlots {
				delete(b.keys, key)
			}
		}
		b.lastSweep = cur
	}
	return cur
}

// roll moves the ring forward to slot cur, clearing the slots that expired
// on the way, and returns the index to count into. A time earlier than the
// newest slot (the clock moved back) counts into the newest slot.
func (k *budgetKey) roll(cur int64) int {
	if cur > k.head {
		for s := k.head + 1; s <= cur && s <= k.head+budgetSlots; s++ {
			k.requests[s%budgetSlots] = 0
			k.retries[s%budgetSlots] = 0
		}
		k.head = cur
	}
	return int(k.head % budgetSlots)
}

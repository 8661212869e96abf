package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// fasthttp's own, which outlive its clients: the cleaner of a
		// client's host table, which stops once the table is empty,
		// looking every second or more, and the default dialer's DNS
		// cache cleaner, which runs for the life of the process.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreTopFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
	)
}

func TestMedianInterval(t *testing.T) {
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(n - i) // descending: the interval must sort
		}
		return v
	}
	for _, tc := range []struct {
		n      int
		lo, hi float64 // ranks, from 1
		ok     bool
	}{
		{n: 5},                           // P(no draw below) = 1/32 > 2.5%
		{n: 6, lo: 1, hi: 6, ok: true},   // 1/64
		{n: 10, lo: 2, hi: 9, ok: true},  // P(at most 1 below) = 11/1024; at most 2: 56/1024
		{n: 20, lo: 6, hi: 15, ok: true}, // at most 5: 2.07%; at most 6: 5.77%
	} {
		lo, hi, ok := medianInterval(seq(tc.n))
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("n=%d: got [%v, %v] %v, want [%v, %v] %v", tc.n, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}

// TestWriteTargetsNoise checks that a miss is called within the run's
// noise only when the interval of every ratio missed reaches its limit.
func TestWriteTargetsNoise(t *testing.T) {
	const tc = "HTTP/1.1, 1 KiB bodies"
	rps := func(v ...float64) []float64 { return v }
	s := func(driver string, slice []float64) sample {
		return sample{Case: tc, Driver: driver, SliceRPS: slice, childResult: childResult{Allocs: 50}}
	}
	base := rps(100, 100, 100, 100, 100, 100, 100, 100, 100, 100)
	all := []sample{
		s("net/http", base),
		// Median 0.93, but two slices of ten at 0.96 and over: the
		// interval, from the 2nd to the 9th, reaches 0.95.
		s("session", rps(90, 91, 92, 93, 93, 93, 93, 94, 96, 97)),
		// Every slice well under.
		s("pool-map", rps(80, 81, 82, 83, 84, 85, 86, 87, 88, 89)),
		s("resty", rps(50, 50, 50, 50, 50, 50, 50, 50, 50, 50)),
	}
	var b strings.Builder
	writeTargets(&b, all)
	out := b.String()
	line := func(name string) string {
		for l := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(l, "- "+tc+", "+name+":") {
				return l
			}
		}
		t.Fatalf("no line for %s in:\n%s", name, out)
		return ""
	}
	if l := line("session"); !strings.Contains(l, "0.93× [0.91–0.96] throughput") || !strings.Contains(l, "MISSED: throughput 0.93× (within this run's noise)") {
		t.Errorf("session: %s", l)
	}
	if l := line("pool-map"); !strings.Contains(l, "MISSED: throughput 0.84×") || strings.Contains(l, "noise") {
		t.Errorf("pool-map: %s", l)
	}
	if !strings.Contains(out, "2 targets missed; for 1 of them every check missed was within this run's noise") {
		t.Errorf("summary missing in:\n%s", out)
	}
}

// TestPeersOf checks that each of ours is held to the peers that take the
// body and send as it does.
func TestPeersOf(t *testing.T) {
	for name, want := range map[string]string{
		"session":        "resty req retryablehttp",
		"session-stream": "resty-discard req-discard retryablehttp-discard",
		"pool-map":       "resty req retryablehttp",
		"pool-gather":    "resty-batch req-batch retryablehttp-batch",
	} {
		d, ok := driverNamed(name)
		if !ok {
			t.Fatalf("no driver %s", name)
		}
		got := peersOf(d)
		if strings.Join(got, " ") != want {
			t.Errorf("%s: got %v, want %s", name, got, want)
		}
		for _, p := range got {
			pd, ok := driverNamed(p)
			if !ok {
				t.Errorf("%s: no driver %s", name, p)
			} else if pd.base != d.base {
				t.Errorf("%s: peer %s is compared with %s, %s with %s", name, p, pd.base, name, d.base)
			}
		}
	}
}

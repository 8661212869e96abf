package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Drivers held to the targets, and the peers they must beat: a driver
// that reads the body into memory beats the peers doing so, one that
// streams it to io.Discard beats them doing that, and Gather, which holds
// a batch of responses at once, beats them sending the same batches
// (peersOf).
var (
	ours  = []string{"session", "session-stream", "pool-gather", "pool-map"}
	peers = []string{"resty", "req", "retryablehttp"}
	// refs are the references each of ours is also compared with, held
	// to no target: net/http with requests3's defaults (what the defaults
	// alone cost), and for Gather net/http sending without batches.
	refs = map[string][]string{
		"session":        {"net/http-defaults"},
		"session-stream": {"net/http-defaults-discard"},
		"pool-gather":    {"net/http"},
		"pool-map":       {"net/http-defaults"},
	}
)

// peersOf names the peer drivers that read the body as d does, and send
// as it does.
func peersOf(d driver) []string {
	suffix := strings.TrimPrefix(d.base, "net/http") // "", "-discard" or "-batch"
	out := make([]string, len(peers))
	for i, p := range peers {
		out[i] = p + suffix
	}
	return out
}

// Targets: throughput at least minRPS of the net/http counterpart,
// allocations at most maxAllocs of it.
const (
	minRPS    = 0.95
	maxAllocs = 1.2
)

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// stats are what a driver measured in one case, with its ratios to its
// net/http counterpart.
type stats struct {
	sample
	rpsX    float64 // median over slices of the throughput ratio
	allocsX float64
	bytesX  float64
	ok      bool
}

func summarize(samples []sample, d driver) stats {
	var st stats
	var base sample
	haveBase := false
	for _, s := range samples {
		if s.Driver == d.name {
			st.sample, st.ok = s, true
		}
		if s.Driver == d.base {
			base, haveBase = s, true
		}
	}
	if !st.ok || !haveBase {
		return st
	}
	st.rpsX = sliceRatio(st.sample, base)
	st.allocsX = st.Allocs / base.Allocs
	st.bytesX = st.Bytes / base.Bytes
	return st
}

// sliceRatios are a's throughput over b's in each slice, each pair
// measured in the same round.
func sliceRatios(a, b sample) []float64 {
	var ratios []float64
	for i := range min(len(a.SliceRPS), len(b.SliceRPS)) {
		ratios = append(ratios, a.SliceRPS[i]/b.SliceRPS[i])
	}
	return ratios
}

// sliceRatio is the median of sliceRatios.
func sliceRatio(a, b sample) float64 { return median(sliceRatios(a, b)) }

// medianInterval is a confidence interval of at least 95% for the median
// of the distribution v was drawn from, assuming nothing of its shape: the
// kth smallest and the kth largest of v, with k the largest rank for which
// the chance that fewer than k of len(v) draws fall below the median (a
// binomial count with p = 1/2) is at most 2.5%. With fewer than six values
// no such k exists, and ok is false.
func medianInterval(v []float64) (lo, hi float64, ok bool) {
	n := len(v)
	// below is P(fewer than k draws fall below the median), for k = 1, 2, ...
	k, below, term := 0, 0.0, math.Pow(0.5, float64(n)) // term: P(exactly i below), from i = 0
	for i := 0; i < n; i++ {
		if below+term > 0.025 {
			break
		}
		below += term
		k = i + 1
		term = term * float64(n-i) / float64(i+1)
	}
	if k == 0 {
		return 0, 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[k-1], s[n-k], true
}

// noise gives the bounds of the interval of ratios' median, for the
// report ("" if there is none), and whether limit lies within them: then
// this run cannot say on which side of limit the ratio is.
func noise(ratios []float64, limit float64) (desc string, reaches bool) {
	lo, hi, ok := medianInterval(ratios)
	if !ok {
		return "", false
	}
	return fmt.Sprintf(" [%.2f–%.2f]", lo, hi), lo <= limit && limit <= hi
}

func writeHeader(w io.Writer, cfg runConfig) {
	fmt.Fprintf(w, "# requests3 fan-out comparison\n\n")
	fmt.Fprintf(w, "- %s, %s, %s/%s, %d CPUs: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	pin := "not pinned"
	if cfg.pin {
		pin = "server pinned to CPU 1, clients to CPU 0 (GOMAXPROCS 1 each)"
	}
	fmt.Fprintf(w, "- N=%d requests per driver (after %d warm-up) in %d interleaved slices, C=%d, H=%d hosts; %s\n",
		cfg.n, cfg.warmup, cfg.slices, cfg.c, cfg.hosts, pin)
	fmt.Fprintf(w, "- load average at the start: %s\n", loadAvg())
	fmt.Fprintf(w, "- HTTP/2 server: %s\n", cfg.h2server)
	fmt.Fprintf(w, "- ×: the ratio to the net/http counterpart (net/http for bodies in memory, net/http-discard for "+
		"streamed bodies, net/http-batch for the drivers sending in batches and holding each batch's responses, "+
		"as pool-gather does; net/http-batch's own, to net/http); for req/s, the median over the slices of "+
		"the ratio within each slice's round\n")
	fmt.Fprintf(w, "- server CPU %%: the server's CPU time during the driver's measured slices over their wall time; "+
		"near 100, the server's processor set the pace, and the clients' throughput says little about the clients\n")
}

func writeCase(w io.Writer, tc testCase, ds []driver, samples []sample) {
	fmt.Fprintf(w, "\n## %s\n\n", tc)
	fmt.Fprintln(w, "| driver | req/s | × | p50 µs | p99 µs | allocs/req | × | B/req | × | peak RSS MiB | conns | conns measured | CPU µs/req | GC µs/req | server CPU % |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, d := range ds {
		st := summarize(samples, d)
		if !st.ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %.0f | %.0f | %.1f | %.2f | %.0f | %.2f | %.1f | %d | %d | %.1f | %.1f | %.0f |\n",
			d.name, st.RPS, st.rpsX, st.P50, st.P99, st.Allocs, st.allocsX, st.Bytes, st.bytesX, st.RSSMiB,
			st.TotalConns, st.Conns, st.CPUUs, st.GCUs, 100*st.ServerBusy)
	}
}

// writeTargets checks the targets, case by case.
func writeTargets(w io.Writer, all []sample) {
	fmt.Fprintf(w, "\n## Targets\n\n")
	fmt.Fprintf(w, "Throughput ≥ %.2f× and allocations ≤ %.1f× the net/http counterpart, no more connections "+
		"opened (warm-up included), and more requests/s than %s (their -discard drivers for a streamed body, "+
		"their -batch drivers for Gather), "+
		"each measured in the same rounds. A ratio of throughputs is the median over the slices of the "+
		"ratio within each slice's round; in brackets, a 95%% confidence interval for it (from the order "+
		"statistics of the slices' ratios, at least six slices): a check missed whose interval reaches the "+
		"limit is one this run cannot tell from a pass.\n\n",
		minRPS, maxAllocs, strings.Join(peers, ", "))
	byCase := map[string][]sample{}
	var order []string
	for _, s := range all {
		if _, ok := byCase[s.Case]; !ok {
			order = append(order, s.Case)
		}
		byCase[s.Case] = append(byCase[s.Case], s)
	}
	failed, inNoise := 0, 0
	for _, c := range order {
		samples := byCase[c]
		for _, name := range ours {
			d, ok := driverNamed(name)
			if !ok {
				continue
			}
			st := summarize(samples, d)
			if !st.ok {
				continue
			}
			base, _ := driverNamed(d.base)
			bst := summarize(samples, base)
			var miss []string
			// noisy counts the throughput checks missed whose interval
			// reaches the limit: this run cannot tell them from a pass.
			noisy := 0
			interval, reaches := noise(sliceRatios(st.sample, bst.sample), minRPS)
			if st.rpsX < minRPS {
				miss = append(miss, fmt.Sprintf("throughput %.2f×", st.rpsX))
				if reaches {
					noisy++
				}
			}
			if st.allocsX > maxAllocs {
				miss = append(miss, fmt.Sprintf("allocations %.2f×", st.allocsX))
			}
			if bst.ok && st.TotalConns > bst.TotalConns {
				miss = append(miss, fmt.Sprintf("%d connections opened, against %d", st.TotalConns, bst.TotalConns))
			}
			for _, peer := range peersOf(d) {
				p, ok := driverNamed(peer)
				if !ok {
					continue
				}
				if pst := summarize(samples, p); pst.ok {
					ratios := sliceRatios(st.sample, pst.sample)
					if r := median(ratios); r <= 1 {
						desc, reaches := noise(ratios, 1)
						miss = append(miss, fmt.Sprintf("%.2f×%s the throughput of %s", r, desc, peer))
						if reaches {
							noisy++
						}
					}
				}
			}
			verdict := "ok"
			if len(miss) > 0 {
				verdict = "MISSED: " + strings.Join(miss, "; ")
				failed++
				if noisy == len(miss) {
					verdict += " (within this run's noise)"
					inNoise++
				}
			}
			var ref string
			for _, rn := range refs[name] {
				rd, _ := driverNamed(rn)
				rst := summarize(samples, rd)
				switch {
				case !rst.ok:
				case rd.base == rd.name:
					ref += fmt.Sprintf(" (%s is %.2f× of %s)", name, sliceRatio(st.sample, rst.sample), rd.name)
				default:
					ref += fmt.Sprintf(" (%s: %.2f×; %s is %.2f× of it)",
						rd.name, rst.rpsX, name, sliceRatio(st.sample, rst.sample))
				}
			}
			fmt.Fprintf(w, "- %s, %s: %.2f×%s throughput, %.2f× allocations: %s%s\n", c, name, st.rpsX, interval, st.allocsX, verdict, ref)
		}
	}
	if failed == 0 {
		fmt.Fprintf(w, "\nEvery target holds.\n")
		return
	}
	fmt.Fprintf(w, "\n%d targets missed", failed)
	if inNoise > 0 {
		fmt.Fprintf(w, "; for %d of them every check missed was within this run's noise "+
			"(the ratio's interval reaches the limit)", inNoise)
	}
	fmt.Fprintf(w, ".\n")
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

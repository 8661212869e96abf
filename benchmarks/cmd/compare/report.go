package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Drivers held to the targets, and the peers they must beat.
var (
	ours  = []string{"session", "session-stream", "pool-gather", "pool-map"}
	peers = []string{"resty", "req", "retryablehttp"}
)

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

// stats are the medians of a driver's samples in one case, and its ratios
// to its net/http counterpart, each taken within one repetition.
type stats struct {
	rps, p50, p99, allocs, bytes, rss, cpu, conns, total float64
	rpsX, allocsX, bytesX, connsX                        float64
	n                                                    int
}

func summarize(samples []sample, d driver) stats {
	byRep := map[int]map[string]sample{}
	for _, s := range samples {
		if byRep[s.Rep] == nil {
			byRep[s.Rep] = map[string]sample{}
		}
		byRep[s.Rep][s.Driver] = s
	}
	var rps, p50, p99, allocs, bytes, rss, cpu, conns, total, rpsX, allocsX, bytesX []float64
	for _, m := range byRep {
		s, ok := m[d.name]
		if !ok {
			continue
		}
		rps = append(rps, s.RPS)
		p50 = append(p50, s.P50)
		p99 = append(p99, s.P99)
		allocs = append(allocs, s.Allocs)
		bytes = append(bytes, s.Bytes)
		rss = append(rss, s.RSSMiB)
		cpu = append(cpu, s.CPUUs)
		conns = append(conns, float64(s.Conns))
		total = append(total, float64(s.TotalConns))
		if b, ok := m[d.base]; ok {
			rpsX = append(rpsX, s.RPS/b.RPS)
			allocsX = append(allocsX, s.Allocs/b.Allocs)
			bytesX = append(bytesX, s.Bytes/b.Bytes)
		}
	}
	return stats{
		rps: median(rps), p50: median(p50), p99: median(p99), allocs: median(allocs), bytes: median(bytes),
		rss: median(rss), cpu: median(cpu), conns: median(conns), total: median(total),
		rpsX: median(rpsX), allocsX: median(allocsX), bytesX: median(bytesX),
		n: len(rps),
	}
}

func writeHeader(w io.Writer, cfg runConfig) {
	fmt.Fprintf(w, "# requests3 fan-out comparison\n\n")
	fmt.Fprintf(w, "- %s, %s, %s/%s, %d CPUs: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	pin := "not pinned"
	if cfg.pin {
		pin = "server pinned to CPU 1, clients to CPU 0 (GOMAXPROCS 1 each)"
	}
	fmt.Fprintf(w, "- N=%d requests (after %d warm-up), C=%d, H=%d hosts, %d repetitions; %s\n",
		cfg.n, cfg.warmup, cfg.c, cfg.hosts, cfg.reps, pin)
	fmt.Fprintf(w, "- load average at the start: %s\n", loadAvg())
	fmt.Fprintf(w, "- medians over repetitions; ×: the median of the per-repetition ratios to the net/http counterpart "+
		"(net/http for bodies in memory, net/http-discard for streamed bodies)\n")
}

func writeCase(w io.Writer, cfg runConfig, tc testCase, ds []driver, samples []sample) {
	fmt.Fprintf(w, "\n## %s\n\n", tc)
	fmt.Fprintln(w, "| driver | req/s | × | p50 µs | p99 µs | allocs/req | × | B/req | × | peak RSS MiB | conns | conns measured | CPU µs/req |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, d := range ds {
		st := summarize(samples, d)
		if st.n == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %.0f | %.0f | %.1f | %.2f | %.0f | %.2f | %.1f | %.0f | %.0f | %.1f |\n",
			d.name, st.rps, st.rpsX, st.p50, st.p99, st.allocs, st.allocsX, st.bytes, st.bytesX, st.rss, st.total, st.conns, st.cpu)
	}
}

// writeTargets checks the targets, case by case.
func writeTargets(w io.Writer, cfg runConfig, all []sample) {
	fmt.Fprintf(w, "\n## Targets\n\n")
	fmt.Fprintf(w, "Throughput ≥ %.2f× and allocations ≤ %.1f× the net/http counterpart, connections ≤ its, "+
		"and more requests/s than %s.\n\n", minRPS, maxAllocs, strings.Join(peers, ", "))
	byCase := map[string][]sample{}
	var order []string
	for _, s := range all {
		if _, ok := byCase[s.Case]; !ok {
			order = append(order, s.Case)
		}
		byCase[s.Case] = append(byCase[s.Case], s)
	}
	failed := 0
	for _, c := range order {
		samples := byCase[c]
		for _, name := range ours {
			d, ok := driverNamed(name)
			if !ok {
				continue
			}
			st := summarize(samples, d)
			if st.n == 0 {
				continue
			}
			base, _ := driverNamed(d.base)
			bst := summarize(samples, base)
			var miss []string
			if st.rpsX < minRPS {
				miss = append(miss, fmt.Sprintf("throughput %.2f×", st.rpsX))
			}
			if st.allocsX > maxAllocs {
				miss = append(miss, fmt.Sprintf("allocations %.2f×", st.allocsX))
			}
			if bst.n > 0 && st.conns > bst.conns {
				miss = append(miss, fmt.Sprintf("%.0f connections opened while measured, against %.0f", st.conns, bst.conns))
			}
			for _, peer := range peers {
				p, ok := driverNamed(peer)
				if !ok {
					continue
				}
				if pst := summarize(samples, p); pst.n > 0 && pst.rps >= st.rps {
					miss = append(miss, fmt.Sprintf("slower than %s", peer))
				}
			}
			verdict := "ok"
			if len(miss) > 0 {
				verdict = "MISSED: " + strings.Join(miss, "; ")
				failed++
			}
			fmt.Fprintf(w, "- %s, %s: %.2f× throughput, %.2f× allocations: %s\n", c, name, st.rpsX, st.allocsX, verdict)
		}
	}
	if failed == 0 {
		fmt.Fprintf(w, "\nEvery target holds.\n")
	} else {
		fmt.Fprintf(w, "\n%d targets missed.\n", failed)
	}
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

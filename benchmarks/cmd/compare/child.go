package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// childResult is what a child process measures and prints.
type childResult struct {
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_us"`
	P99      float64 `json:"p99_us"`
	Allocs   float64 `json:"allocs_per_req"`
	Bytes    float64 `json:"bytes_per_req"`
	// Conns is the number of connections the server accepted while the
	// requests were measured, after the warm-up.
	Conns int64  `json:"conns_measured"`
	Error string `json:"error,omitempty"`
}

// runChild measures one driver on one workload: a warm-up, then w.n
// requests timed, with the allocations of the whole process counted.
func runChild(d driver, w *workload, timeout time.Duration) childResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var run func(ctx context.Context, from, to int, lat []time.Duration) error
	var closer func()
	if d.run != nil {
		run, closer = d.run(w)
	} else {
		do, c := d.doer(w)
		closer = c
		run = func(ctx context.Context, from, to int, lat []time.Duration) error {
			return loop(ctx, w, do, from, to, lat)
		}
	}
	defer closer()
	if err := run(ctx, 0, w.warmup, nil); err != nil {
		return childResult{Error: "warm-up: " + err.Error()}
	}
	lat := make([]time.Duration, w.n)
	c0, err := readConns(w.ctl)
	if err != nil {
		return childResult{Error: err.Error()}
	}
	stop, err := startProfiles(w, d.name)
	if err != nil {
		return childResult{Error: err.Error()}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err = run(ctx, w.warmup, w.warmup+w.n, lat)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	stop()
	if err != nil {
		return childResult{Error: err.Error()}
	}
	c1, err := readConns(w.ctl)
	if err != nil {
		return childResult{Error: err.Error()}
	}
	conns := c1.H1 - c0.H1
	if w.proto == "h2" {
		conns = c1.H2 - c0.H2
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / float64(time.Microsecond)
	}
	return childResult{
		Requests: w.n,
		Seconds:  elapsed.Seconds(),
		RPS:      float64(w.n) / elapsed.Seconds(),
		P50:      pct(0.50),
		P99:      pct(0.99),
		Allocs:   float64(after.Mallocs-before.Mallocs) / float64(w.n),
		Bytes:    float64(after.TotalAlloc-before.TotalAlloc) / float64(w.n),
		Conns:    conns,
	}
}

// startProfiles starts a CPU profile and records every allocation, when
// w asks for profiles. The func it returns writes them.
func startProfiles(w *workload, driver string) (stop func(), err error) {
	if w.profile == "" {
		return func() {}, nil
	}
	name := filepath.Join(w.profile, fmt.Sprintf("%s-%s-%d", strings.ReplaceAll(driver, "/", "_"), w.proto, w.size))
	cpu, err := os.Create(name + ".cpu.pprof")
	if err != nil {
		return nil, err
	}
	if w.memRate > 0 {
		runtime.MemProfileRate = w.memRate
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		if f, err := os.Create(name + ".mem.pprof"); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}, nil
}

func childMain(name string, w *workload, timeout time.Duration) int {
	d, ok := driverNamed(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "compare: no driver %q\n", name)
		return 2
	}
	roots, err := loadRoots(w.cert)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		return 1
	}
	w.roots = roots
	res := runChild(d, w, timeout)
	json.NewEncoder(os.Stdout).Encode(res)
	if res.Error != "" {
		return 1
	}
	return 0
}

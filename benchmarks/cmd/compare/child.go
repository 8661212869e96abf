package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A child process holds one driver's client for one case. It warms up,
// says it is ready, and then runs slices of requests when the parent asks
// ("run N" on its standard input, answered with a sliceResult), so that
// the parent can interleave the drivers' slices; "done" ends it with the
// childResult over every slice.

// sliceResult is a child's answer to "run N".
type sliceResult struct {
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// childResult is what a child measured over all its slices.
type childResult struct {
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_us"`
	P99      float64 `json:"p99_us"`
	Allocs   float64 `json:"allocs_per_req"`
	Bytes    float64 `json:"bytes_per_req"`
	GCUs     float64 `json:"gc_us_per_req"` // the garbage collector's CPU time, measured slices only
	Error    string  `json:"error,omitempty"`
}

// gcCPU is the runtime's estimate of the CPU time its garbage collector
// has spent so far.
func gcCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

// runner sends requests [from, to) and records their latencies in lat
// (indexed from 0 for from), or none if lat is nil.
type runner func(ctx context.Context, from, to int, lat []time.Duration) error

func newRunner(d driver, w *workload) (runner, func()) {
	if d.run != nil {
		return d.run(w)
	}
	do, closer := d.doer(w)
	return func(ctx context.Context, from, to int, lat []time.Duration) error {
		return loop(ctx, w, do, from, to, lat)
	}, closer
}

// startProfiles starts a CPU profile and, with w.memRate, records
// allocations at that rate, when w asks for profiles. The func it returns
// writes them.
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
	out := json.NewEncoder(os.Stdout)
	fail := func(err error) int {
		out.Encode(sliceResult{Error: err.Error()})
		return 1
	}
	roots, err := loadRoots(w.cert)
	if err != nil {
		return fail(err)
	}
	w.roots = roots
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	run, closer := newRunner(d, w)
	defer closer()
	if err := run(ctx, 0, w.warmup, nil); err != nil {
		return fail(fmt.Errorf("warm-up: %w", err))
	}
	lat := make([]time.Duration, 0, w.n)
	stop, err := startProfiles(w, d.name)
	if err != nil {
		return fail(err)
	}
	out.Encode(sliceResult{}) // ready
	var mallocs, bytes uint64
	var elapsed, gc time.Duration
	next := w.warmup
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		if cmd == "done" {
			break
		}
		n, err := strconv.Atoi(arg)
		if cmd != "run" || err != nil || n <= 0 || len(lat)+n > w.n {
			return fail(fmt.Errorf("bad command %q", in.Text()))
		}
		// No collection is forced between slices: one would do the last
		// slice's collecting outside the time measured, and leave the
		// heap's goal at its minimum, so that the runtime returns to the
		// system the memory that the slice then faults back in, a cost
		// that only a driver holding much at once (a batch) would pay,
		// and no program that runs its batches back to back pays.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		gc0 := gcCPU()
		start := time.Now()
		err = run(ctx, next, next+n, lat[len(lat):len(lat)+n])
		took := time.Since(start)
		gc += gcCPU() - gc0
		runtime.ReadMemStats(&after)
		if err != nil {
			return fail(err)
		}
		lat = lat[:len(lat)+n]
		next += n
		elapsed += took
		mallocs += after.Mallocs - before.Mallocs
		bytes += after.TotalAlloc - before.TotalAlloc
		out.Encode(sliceResult{Seconds: took.Seconds()})
	}
	stop()
	if len(lat) == 0 {
		return fail(fmt.Errorf("no request measured"))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / float64(time.Microsecond)
	}
	n := float64(len(lat))
	out.Encode(childResult{
		Requests: len(lat),
		Seconds:  elapsed.Seconds(),
		RPS:      n / elapsed.Seconds(),
		P50:      pct(0.50),
		P99:      pct(0.99),
		Allocs:   float64(mallocs) / n,
		Bytes:    float64(bytes) / n,
		GCUs:     float64(gc) / float64(time.Microsecond) / n,
	})
	return 0
}

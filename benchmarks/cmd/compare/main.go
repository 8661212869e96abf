// Command compare measures requests3 against net/http and other Go HTTP
// clients on a fan-out workload: N GET requests from C concurrent callers
// spread over H loopback hosts (127.0.0.1 to 127.0.0.H on one port), with
// bodies of S bytes, over HTTP/1.1 and over HTTP/2 with TLS.
//
// The server runs in a process of its own, and each measurement in a fresh
// child process per driver, so that allocations and peak RSS belong to one
// client. Where taskset exists the server is pinned to CPU 1 and the
// clients to CPU 0. Each driver sends its N requests in slices, and the
// slices of the drivers take turns, so that throughput is compared between
// neighbours in time on a machine whose load changes; the report gives
// throughput ratios to net/http as medians over the slices.
//
// HTTP/1.1 is served by net/http's server. HTTP/2 is served by a server
// of this command's own that answers from each connection's reading
// goroutine (h2server.go): net/http's HTTP/2 server needs more processor
// per request than the clients do, and with it the server set every
// client's pace (-h2server net/http brings it back).
//
//	go run ./cmd/compare                               # the full comparison
//	go run ./cmd/compare -n 5000 -sizes 1024 -protos h2 # a quicker one
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		n        = flag.Int("n", 20000, "requests measured per run")
		conc     = flag.Int("c", 64, "concurrent requests")
		hosts    = flag.Int("hosts", 4, "hosts, 127.0.0.1 to 127.0.0.`H` (1-4)")
		sizes    = flag.String("sizes", "1024,65536", "body sizes in bytes, comma-separated")
		protos   = flag.String("protos", "h1,h2", "protocols: h1 (HTTP/1.1) and h2 (HTTP/2 over TLS)")
		nslices  = flag.Int("slices", 10, "slices each driver's requests are sent in, interleaved with the other drivers'")
		only     = flag.String("drivers", "", "drivers to run, comma-separated (default all)")
		warmup   = flag.Int("warmup", -1, "requests sent before measuring (default n/10, at most 2000)")
		batch    = flag.Int("batch", 1000, "requests per Gather call")
		timeout  = flag.Duration("timeout", 2*time.Minute, "bound on one run")
		pin      = flag.Bool("pin", true, "pin the server to CPU 1 and the clients to CPU 0 with taskset")
		jsonOut  = flag.String("json", "", "write every sample to this file as JSON")
		mdOut    = flag.String("out", "", "write the report to this file as well")
		baseline = flag.String("baseline", "", "also run requests3's drivers from this `binary`, another build of this command (a baseline to compare a change with), named \"driver@base\" in the report")
		profile  = flag.String("profile", "", "write CPU and allocation profiles of every measured run into this `dir`")
		memRate  = flag.Int("memprofilerate", 0, "with -profile, record one allocation in `n` bytes (1: all; 0: the runtime's default, which leaves CPU profiles true)")
		h2impl   = flag.String("h2server", "frames", "the HTTP/2 server: `frames` (answers from the connection's reading goroutine, cheap enough for the clients to set the pace) or net/http")
		serveArg = flag.Bool("serve", false, "internal: run the server")
		child    = flag.String("child", "", "internal: measure this driver")
		certFile = flag.String("cert", "", "internal: certificate file")
		keyFile  = flag.String("key", "", "internal: key file")
		port     = flag.Int("port", 0, "internal: server port")
		proto    = flag.String("proto", "h1", "internal: protocol")
		size     = flag.Int("size", 1024, "internal: body size")
	)
	flag.Parse()
	if *warmup < 0 {
		*warmup = min(*n/10, 2000)
	}
	switch {
	case *serveArg:
		if err := serve(*certFile, *keyFile, *h2impl); err != nil {
			fmt.Fprintln(os.Stderr, "compare: server:", err)
			os.Exit(1)
		}
		return
	case *child != "":
		w := &workload{
			urls: urls(*proto, *hosts, *port, *size), n: *n, c: *conc, size: *size,
			batch: *batch, cert: *certFile, proto: *proto, warmup: *warmup, profile: *profile, memRate: *memRate,
		}
		os.Exit(childMain(*child, w, *timeout))
	}
	if *hosts < 1 || *hosts > 4 {
		fatal(fmt.Errorf("-hosts %d: want 1 to 4", *hosts))
	}
	cfg := runConfig{
		n: *n, c: *conc, hosts: *hosts, slices: max(1, min(*nslices, *n)), warmup: *warmup, batch: *batch, timeout: *timeout,
		pin: *pin && canPin(), profile: *profile, memRate: *memRate, h2server: *h2impl,
	}
	if *h2impl != "frames" && *h2impl != "net/http" {
		fatal(fmt.Errorf("-h2server %q: want frames or net/http", *h2impl))
	}
	for _, p := range strings.Split(*protos, ",") {
		if p != "h1" && p != "h2" {
			fatal(fmt.Errorf("-protos: unknown protocol %q", p))
		}
		for _, s := range strings.Split(*sizes, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || v < 0 || v > maxBodySize {
				fatal(fmt.Errorf("-sizes: bad size %q", s))
			}
			cfg.cases = append(cfg.cases, testCase{proto: p, size: v})
		}
	}
	for _, d := range drivers {
		if *only == "" || contains(strings.Split(*only, ","), d.name) {
			cfg.drivers = append(cfg.drivers, d)
		}
	}
	if len(cfg.drivers) == 0 {
		fatal(fmt.Errorf("-drivers %q: no such driver", *only))
	}
	if *baseline != "" {
		exe, err := filepath.Abs(*baseline)
		if err != nil {
			fatal(err)
		}
		for _, d := range cfg.drivers {
			if slices.Contains(ours, d.name) {
				d.exe, d.child, d.name = exe, d.name, d.name+"@base"
				cfg.drivers = append(cfg.drivers, d)
			}
		}
	}
	var report bytes.Buffer
	out := io.MultiWriter(os.Stdout, &report)
	samples, err := compare(cfg, out)
	if err != nil {
		fatal(err)
	}
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(samples, "", "  ")
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			fatal(err)
		}
	}
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, report.Bytes(), 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.TrimSpace(v) == s {
			return true
		}
	}
	return false
}

func urls(proto string, hosts, port, size int) []string {
	scheme := "http"
	if proto == "h2" {
		scheme = "https"
	}
	var out []string
	for i := 1; i <= hosts; i++ {
		out = append(out, fmt.Sprintf("%s://127.0.0.%d:%d/%d", scheme, i, port, size))
	}
	return out
}

func canPin() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && runtime.NumCPU() >= 2
}

type testCase struct {
	proto string
	size  int
}

func (tc testCase) String() string {
	p := "HTTP/1.1"
	if tc.proto == "h2" {
		p = "HTTP/2 (TLS)"
	}
	return fmt.Sprintf("%s, %s bodies", p, sizeName(tc.size))
}

func sizeName(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

type runConfig struct {
	n, c, hosts, slices, warmup, batch int
	timeout                            time.Duration
	pin                                bool
	profile                            string
	memRate                            int
	h2server                           string
	cases                              []testCase
	drivers                            []driver
}

// sample is what one driver measured in one case.
type sample struct {
	Case   string `json:"case"`
	Driver string `json:"driver"`
	childResult
	SliceRPS   []float64 `json:"slice_rps"` // throughput of each slice
	RSSMiB     float64   `json:"peak_rss_mib"`
	CPUUs      float64   `json:"cpu_us_per_req"` // the process's CPU time, warm-up included
	TotalConns int64     `json:"conns_total"`    // warm-up included
	Conns      int64     `json:"conns_measured"` // opened during the measured slices
	// ServerBusy is the server's CPU time during the measured slices over
	// their wall time: near 1, the server's processor was the bottleneck.
	ServerBusy float64 `json:"server_busy"`
}

// server is the load target's process.
type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	info  serverInfo
}

func startServer(cfg runConfig, certFile, keyFile string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := command(cfg.pin, 1, self, "-serve", "-cert", certFile, "-key", keyFile, "-h2server", cfg.h2server)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdin: stdin}
	if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&s.info); err != nil {
		s.stop()
		return nil, fmt.Errorf("server: %w", err)
	}
	return s, nil
}

// stop closes the server's stdin, which ends it, and waits for it.
func (s *server) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// command runs name pinned to cpu when pin is set.
func command(pin bool, cpu int, name string, args ...string) *exec.Cmd {
	if pin {
		return exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu), name}, args...)...)
	}
	return exec.Command(name, args...)
}

func compare(cfg runConfig, out io.Writer) ([]sample, error) {
	dir, err := os.MkdirTemp("", "requests3-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	certFile, keyFile, err := writeCert(dir)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(cfg, certFile, keyFile)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	writeHeader(out, cfg)
	var all []sample
	for _, tc := range cfg.cases {
		var ds []driver
		for _, d := range cfg.drivers {
			if !(d.h1 && tc.proto == "h2") {
				ds = append(ds, d)
			}
		}
		got, err := runCase(cfg, self, srv, tc, ds, certFile)
		if err != nil {
			return all, fmt.Errorf("%s: %w", tc, err)
		}
		writeCase(out, tc, ds, got)
		all = append(all, got...)
	}
	writeTargets(out, all)
	fmt.Fprintf(out, "\nLoad average at the end: %s\n", loadAvg())
	return all, nil
}

// child is a running child process: one driver's client in one case.
type child struct {
	d      driver
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *json.Decoder
	stderr bytes.Buffer
	s      sample
}

// runCase starts a child per driver, one after the other so that their
// warm-ups do not overlap, then asks them in turn for slices of requests,
// rotating the order from one round to the next, so that every driver is
// measured next to the others under the same conditions.
func runCase(cfg runConfig, self string, srv *server, tc testCase, ds []driver, certFile string) ([]sample, error) {
	port := srv.info.H1
	if tc.proto == "h2" {
		port = srv.info.H2
	}
	conns := func() (int64, time.Duration, error) {
		c, err := readConns(srv.info.Ctl)
		if tc.proto == "h2" {
			return c.H2, time.Duration(c.CPUNs), err
		}
		return c.H1, time.Duration(c.CPUNs), err
	}
	var children []*child
	defer func() {
		for _, c := range children {
			if c.cmd.ProcessState == nil {
				c.stdin.Close()
				c.cmd.Process.Kill()
				c.cmd.Wait()
			}
		}
	}()
	for _, d := range ds {
		before, _, err := conns()
		if err != nil {
			return nil, err
		}
		c := &child{d: d, s: sample{Case: tc.String(), Driver: d.name}}
		exe, name := self, d.name
		if d.exe != "" {
			exe, name = d.exe, d.child
		}
		c.cmd = command(cfg.pin, 0, exe, "-child", name, "-proto", tc.proto, "-size", strconv.Itoa(tc.size),
			"-n", strconv.Itoa(cfg.n), "-c", strconv.Itoa(cfg.c), "-hosts", strconv.Itoa(cfg.hosts),
			"-port", strconv.Itoa(port), "-cert", certFile, "-warmup", strconv.Itoa(cfg.warmup),
			"-batch", strconv.Itoa(cfg.batch), "-timeout", cfg.timeout.String())
		if cfg.profile != "" {
			dir := cfg.profile
			if d.exe != "" {
				dir = filepath.Join(dir, "base") // the baseline's profiles, under the same names
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, err
				}
			}
			c.cmd.Args = append(c.cmd.Args, "-profile", dir, "-memprofilerate", strconv.Itoa(cfg.memRate))
		}
		c.cmd.Stderr = &c.stderr
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			return nil, err
		}
		stdout, err := c.cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := c.cmd.Start(); err != nil {
			return nil, err
		}
		children = append(children, c)
		c.out = json.NewDecoder(stdout)
		if _, err := c.slice(""); err != nil { // ready, warmed up
			return nil, err
		}
		after, _, err := conns()
		if err != nil {
			return nil, err
		}
		c.s.TotalConns = after - before
	}
	serverCPU := make([]time.Duration, len(children))
	wall := make([]float64, len(children))
	per := cfg.n / cfg.slices
	for round := range cfg.slices {
		n := per
		if round == cfg.slices-1 {
			n = cfg.n - per*(cfg.slices-1)
		}
		for k := range children {
			i := (k + round) % len(children) // rotate, so no driver always runs first
			c := children[i]
			before, cpu0, err := conns()
			if err != nil {
				return nil, err
			}
			secs, err := c.slice(fmt.Sprintf("run %d", n))
			if err != nil {
				return nil, err
			}
			after, cpu1, err := conns()
			if err != nil {
				return nil, err
			}
			serverCPU[i] += cpu1 - cpu0
			wall[i] += secs
			c.s.Conns += after - before
			c.s.TotalConns += after - before
			c.s.SliceRPS = append(c.s.SliceRPS, float64(n)/secs)
		}
		fmt.Fprintf(os.Stderr, "  %s: round %d of %d\n", tc, round+1, cfg.slices)
	}
	var out []sample
	for i, c := range children {
		if wall[i] > 0 {
			c.s.ServerBusy = serverCPU[i].Seconds() / wall[i]
		}
		if _, err := io.WriteString(c.stdin, "done\n"); err != nil {
			return nil, err
		}
		if err := c.out.Decode(&c.s.childResult); err != nil {
			return nil, fmt.Errorf("%s: %v %s", c.d.name, err, c.stderr.String())
		}
		c.stdin.Close()
		c.cmd.Wait()
		if c.s.Error != "" {
			return nil, fmt.Errorf("%s: %s", c.d.name, c.s.Error)
		}
		if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			c.s.RSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			c.s.CPUUs = float64(cpu) / float64(time.Microsecond) / float64(cfg.n+cfg.warmup)
		}
		out = append(out, c.s)
	}
	return out, nil
}

// slice sends cmd (if any) and reads the child's answer: how long the
// slice took.
func (c *child) slice(cmd string) (float64, error) {
	if cmd != "" {
		if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
			return 0, fmt.Errorf("%s: %w", c.d.name, err)
		}
	}
	var r sliceResult
	if err := c.out.Decode(&r); err != nil {
		return 0, fmt.Errorf("%s: %v %s", c.d.name, err, c.stderr.String())
	}
	if r.Error != "" {
		return 0, fmt.Errorf("%s: %s", c.d.name, r.Error)
	}
	return r.Seconds, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

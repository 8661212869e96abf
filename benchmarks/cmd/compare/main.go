// Command compare measures requests3 against net/http and other Go HTTP
// clients on a fan-out workload: N GET requests from C concurrent callers
// spread over H loopback hosts (127.0.0.1 to 127.0.0.H on one port), with
// bodies of S bytes, over HTTP/1.1 and over HTTP/2 with TLS.
//
// The server runs in a process of its own, and each measurement in a fresh
// child process, so that allocations and peak RSS belong to one client.
// Where taskset exists the server is pinned to CPU 1 and the clients to
// CPU 0. Drivers are interleaved within each repetition, and the report
// gives medians over repetitions and ratios to net/http measured in the
// same repetition.
//
//	go run ./cmd/compare                      # the full comparison
//	go run ./cmd/compare -reps 3 -sizes 1024  # a quicker one
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
	"runtime"
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
		reps     = flag.Int("reps", 5, "repetitions of every run")
		only     = flag.String("drivers", "", "drivers to run, comma-separated (default all)")
		warmup   = flag.Int("warmup", -1, "requests sent before measuring (default n/10, at most 2000)")
		batch    = flag.Int("batch", 1000, "requests per Gather call")
		timeout  = flag.Duration("timeout", 2*time.Minute, "bound on one run")
		pin      = flag.Bool("pin", true, "pin the server to CPU 1 and the clients to CPU 0 with taskset")
		jsonOut  = flag.String("json", "", "write every sample to this file as JSON")
		mdOut    = flag.String("out", "", "write the report to this file as well")
		profile  = flag.String("profile", "", "write CPU and allocation profiles of every measured run into this `dir`")
		memRate  = flag.Int("memprofilerate", 0, "with -profile, record one allocation in `n` bytes (1: all; 0: the runtime's default, which leaves CPU profiles true)")
		serveArg = flag.Bool("serve", false, "internal: run the server")
		child    = flag.String("child", "", "internal: measure this driver")
		certFile = flag.String("cert", "", "internal: certificate file")
		keyFile  = flag.String("key", "", "internal: key file")
		port     = flag.Int("port", 0, "internal: server port")
		ctlPort  = flag.Int("ctl", 0, "internal: server control port")
		proto    = flag.String("proto", "h1", "internal: protocol")
		size     = flag.Int("size", 1024, "internal: body size")
	)
	flag.Parse()
	if *warmup < 0 {
		*warmup = min(*n/10, 2000)
	}
	switch {
	case *serveArg:
		if err := serve(*certFile, *keyFile); err != nil {
			fmt.Fprintln(os.Stderr, "compare: server:", err)
			os.Exit(1)
		}
		return
	case *child != "":
		w := &workload{
			urls: urls(*proto, *hosts, *port, *size), n: *n, c: *conc, size: *size,
			batch: *batch, cert: *certFile, proto: *proto, warmup: *warmup, ctl: *ctlPort, profile: *profile, memRate: *memRate,
		}
		os.Exit(childMain(*child, w, *timeout))
	}
	if *hosts < 1 || *hosts > 4 {
		fatal(fmt.Errorf("-hosts %d: want 1 to 4", *hosts))
	}
	cfg := runConfig{
		n: *n, c: *conc, hosts: *hosts, reps: *reps, warmup: *warmup, batch: *batch, timeout: *timeout,
		pin: *pin && canPin(), profile: *profile, memRate: *memRate,
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
	n, c, hosts, reps, warmup, batch int
	timeout                          time.Duration
	pin                              bool
	profile                          string
	memRate                          int
	cases                            []testCase
	drivers                          []driver
}

// sample is one run of one driver.
type sample struct {
	Case   string `json:"case"`
	Driver string `json:"driver"`
	Rep    int    `json:"rep"`
	childResult
	RSSMiB     float64 `json:"peak_rss_mib"`
	CPUUs      float64 `json:"cpu_us_per_req"`
	TotalConns int64   `json:"conns_total"` // warm-up included
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
	cmd := command(cfg.pin, 1, self, "-serve", "-cert", certFile, "-key", keyFile)
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
		port := srv.info.H1
		if tc.proto == "h2" {
			port = srv.info.H2
		}
		var ds []driver
		for _, d := range cfg.drivers {
			if !(d.h1 && tc.proto == "h2") {
				ds = append(ds, d)
			}
		}
		var got []sample
		for rep := range cfg.reps {
			for k := range ds {
				d := ds[(k+rep)%len(ds)] // rotate, so no driver always runs first
				s, err := measure(cfg, self, srv, d, tc, port, certFile)
				if err != nil {
					return all, fmt.Errorf("%s, %s: %w", tc, d.name, err)
				}
				s.Rep = rep
				got = append(got, s)
				fmt.Fprintf(os.Stderr, "  %-28s rep %d %-18s %8.0f req/s  %6.1f allocs/req  %4d conns (%d measured)\n",
					tc, rep+1, d.name, s.RPS, s.Allocs, s.TotalConns, s.Conns)
			}
		}
		writeCase(out, cfg, tc, ds, got)
		all = append(all, got...)
	}
	writeTargets(out, cfg, all)
	fmt.Fprintf(out, "\nLoad average at the end: %s\n", loadAvg())
	return all, nil
}

// measure runs d once in a child process.
func measure(cfg runConfig, self string, srv *server, d driver, tc testCase, port int, certFile string) (sample, error) {
	before, err := readConns(srv.info.Ctl)
	if err != nil {
		return sample{}, err
	}
	cmd := command(cfg.pin, 0, self, "-child", d.name, "-proto", tc.proto, "-size", strconv.Itoa(tc.size),
		"-n", strconv.Itoa(cfg.n), "-c", strconv.Itoa(cfg.c), "-hosts", strconv.Itoa(cfg.hosts),
		"-port", strconv.Itoa(port), "-ctl", strconv.Itoa(srv.info.Ctl), "-cert", certFile, "-warmup", strconv.Itoa(cfg.warmup),
		"-batch", strconv.Itoa(cfg.batch), "-timeout", cfg.timeout.String())
	if cfg.profile != "" {
		cmd.Args = append(cmd.Args, "-profile", cfg.profile, "-memprofilerate", strconv.Itoa(cfg.memRate))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return sample{}, fmt.Errorf("child: %v: %v %s", runErr, err, stderr.String())
	}
	if res.Error != "" {
		return sample{}, fmt.Errorf("child: %s", res.Error)
	}
	after, err := readConns(srv.info.Ctl)
	if err != nil {
		return sample{}, err
	}
	s := sample{Case: tc.String(), Driver: d.name, childResult: res}
	if tc.proto == "h2" {
		s.TotalConns = after.H2 - before.H2
	} else {
		s.TotalConns = after.H1 - before.H1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.RSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		// The CPU time of the whole process, warm-up included.
		s.CPUUs = float64(cpu) / float64(time.Microsecond) / float64(cfg.n+cfg.warmup)
	}
	return s, nil
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

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // the test binary stands in for the command: see TestInterruptSignal
		return
	}
	goleak.VerifyTestMain(m)
}

const runMainEnv = "CRAWLER_TEST_RUN_MAIN"

// smallSite is a site small enough to crawl in about a second, with every
// quirk of the demo site present at least once.
var smallSite = siteConfig{
	Pages:         40,
	RobotPages:    20,
	SlowEvery:     10,
	SlowDelay:     20 * time.Millisecond,
	ThrottleEvery: 30, // page 15 of the throttling host answers 429 first
	CrawlDelay:    40 * time.Millisecond,
}

// readRecords parses JSON lines, failing on any line that is not one.
func readRecords(t *testing.T, r io.Reader) []record {
	t.Helper()
	var out []record
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func crawlSmallSite(t *testing.T) (*site, *report, []record) {
	t.Helper()
	s, err := startSite(smallSite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	var out bytes.Buffer
	var progressOut bytes.Buffer
	rep, err := crawl(context.Background(), config{
		Seeds:       s.Roots(),
		TLS:         s.TLSConfig(),
		MaxPages:    10000,
		Rate:        1000,
		Concurrency: 8,
		Out:         &out,
		Progress:    &lineProgress{w: &progressOut, start: time.Now()},
		Tick:        50 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	return s, rep, readRecords(t, &out)
}

// TestCrawl crawls the small site once and checks the outcome.
func TestCrawl(t *testing.T) {
	s, rep, recs := crawlSmallSite(t)
	t.Run("every page once", func(t *testing.T) { checkEveryPage(t, s, rep, recs) })
	t.Run("output", func(t *testing.T) { checkOutput(t, recs) })
	t.Run("robots.txt", func(t *testing.T) { checkRobots(t, s, rep) })
	t.Run("429 retried", func(t *testing.T) { checkThrottled(t, s, rep, recs) })
}

func checkEveryPage(t *testing.T, s *site, rep *report, recs []record) {
	got := map[string][]string{} // 200 pages by host
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.URL]++
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Fatalf("output URL %q: %v", r.URL, err)
		}
		if r.Status == 200 {
			origin := u.Scheme + "://" + u.Host
			got[origin] = append(got[origin], r.URL)
		}
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("%s fetched %d times, want once", u, n)
		}
	}
	for origin, want := range s.Pages() {
		have := got[origin]
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("%s: got %d pages, want %d\ngot  %v\nwant %v", origin, len(have), len(want), have, want)
		}
		st, ok := rep.Host(origin)
		if !ok {
			t.Fatalf("summary has no line for %s", origin)
		}
		if st.Pages != len(want) {
			t.Errorf("%s: summary pages = %d, want %d", origin, st.Pages, len(want))
		}
		if st.Redirects == 0 {
			t.Errorf("%s: summary redirects = 0, want some (/old/ pages)", origin)
		}
		if st.Errors != 1 {
			t.Errorf("%s: summary errors = %d, want 1 (/missing/7)", origin, st.Errors)
		}
		if len(st.firstBytes) != st.Fetched() || st.FirstByte(0.5) <= 0 {
			t.Errorf("%s: %d times to first byte for %d answers (p50 %v), want one each", origin, len(st.firstBytes), st.Fetched(), st.FirstByte(0.5))
		}
		if st.NewConns >= st.Fetched() {
			t.Errorf("%s: %d of %d answers on new connections: keep-alive not used", origin, st.NewConns, st.Fetched())
		}
	}
	if len(got) != numHosts {
		t.Errorf("got pages of %d hosts, want %d: off the site? %v", len(got), numHosts, slices.Collect(maps.Keys(got)))
	}
}

func checkOutput(t *testing.T, recs []record) {
	byURL := map[string]record{}
	for _, r := range recs {
		byURL[r.URL] = r
	}
	for _, r := range recs {
		switch {
		case r.Status == 301:
			// A redirect is followed as a link: its target was fetched.
			if target, ok := byURL[r.Location]; !ok || target.Status != 200 {
				t.Errorf("%s redirects to %s, fetched with %d, want 200", r.URL, r.Location, target.Status)
			}
		case r.Status == 404:
			if !strings.Contains(r.URL, "/missing/") {
				t.Errorf("%s: 404, want only the deliberately broken links", r.URL)
			}
		case r.Status == 200:
			if r.Proto == "" || r.Bytes == 0 || r.Links == 0 {
				t.Errorf("%s: got proto %q, %d bytes, %d links; want all set", r.URL, r.Proto, r.Bytes, r.Links)
			}
		default:
			t.Errorf("%s: status %d, error %q; want 200, 301 or 404", r.URL, r.Status, r.Error)
		}
	}
}

func checkRobots(t *testing.T, s *site, rep *report) {
	root := s.Roots()[robotsHost]
	st, _ := rep.Host(strings.TrimSuffix(root, "/"))
	if st.CrawlDelay != smallSite.CrawlDelay {
		t.Errorf("crawl delay read from robots.txt = %v, want %v", st.CrawlDelay, smallSite.CrawlDelay)
	}
	if st.Disallowed == 0 {
		t.Error("robots-disallowed = 0, want the /private/ links counted")
	}
	var crawled []hit
	for _, h := range s.Hits(robotsHost) {
		if strings.HasPrefix(h.Path, "/private/") {
			t.Errorf("fetched %s, which robots.txt disallows", h.Path)
		}
		if h.Path != "/robots.txt" {
			crawled = append(crawled, h)
		}
	}
	// The crawl delay is a floor on the spacing of requests: k+1 requests
	// span at least k delays. Arrival times can shift by the time a request
	// spends in transit or waiting for the scheduler, so allow two delays
	// of slack; the pool's limiter spaces the sends themselves exactly.
	if len(crawled) < 10 {
		t.Fatalf("robots host got %d requests, want at least 10", len(crawled))
	}
	d := smallSite.CrawlDelay
	for i := range crawled {
		for j := i + 3; j < len(crawled); j++ {
			gap := crawled[j].At.Sub(crawled[i].At)
			if floor := time.Duration(j-i-2) * d; gap < floor {
				t.Fatalf("requests %d to %d (%s to %s) came %v apart, want at least %v (Crawl-delay %v)",
					i, j, crawled[i].Path, crawled[j].Path, gap, floor, d)
			}
		}
	}
}

func checkThrottled(t *testing.T, s *site, rep *report, recs []record) {
	var statuses []int
	for _, h := range s.Hits(throttleHost) {
		if h.Path == "/page/15" {
			statuses = append(statuses, h.Status)
		}
	}
	if want := []int{429, 200}; !slices.Equal(statuses, want) {
		t.Errorf("/page/15 of the throttling host answered %v, want %v", statuses, want)
	}
	target := s.hosts[throttleHost].page(15)
	for _, r := range recs {
		if r.URL == target && r.Status != 200 {
			t.Errorf("%s recorded with %d, want the retry's 200", r.URL, r.Status)
		}
	}
	st, _ := rep.Host(s.hosts[throttleHost].base)
	if st.Throttled != 1 {
		t.Errorf("summary throttled = %d, want 1", st.Throttled)
	}
	if rep.Retried < 1 {
		t.Errorf("pool retried %d, want at least 1", rep.Retried)
	}
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "crawl.jsonl")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-max-pages", "60", "-rate", "500", "-concurrency", "4", "-out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout has %d bytes, want none with -out", stdout.Len())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if recs := readRecords(t, f); len(recs) != 60 {
		t.Errorf("got %d records, want 60 (-max-pages)", len(recs))
	}
	for _, want := range []string{"demo site: http://", "host", "robots-disallowed", "p99", "total", "60 fetched in"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestRunBadFlags(t *testing.T) {
	tests := [][]string{
		{"-max-pages", "0"},
		{"-concurrency", "-1"},
		{"-rate", "-5"},
		{"-nope"},
		{"extra"},
	}
	for _, args := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

// cancelWriter cancels a context once something is written to it.
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancel()
	return w.buf.Write(p)
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &cancelWriter{cancel: cancel}
	var stderr bytes.Buffer
	code := run(ctx, nil, stdout, &stderr)
	if code != 130 {
		t.Fatalf("exit code %d, want 130; stderr:\n%s", code, stderr.String())
	}
	recs := readRecords(t, &stdout.buf)
	if len(recs) == 0 {
		t.Error("no records written before the interruption")
	}
	for _, want := range []string{"interrupted", "stopped early", "total"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/time/rate"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
	"github.com/requests3/requests/limiter"
	"github.com/requests3/requests/retry"
)

// userAgent names the crawler to servers and to robots.txt.
const userAgent = "requests3-crawler/" + client.Version

// config is what a crawl needs to know.
type config struct {
	Seeds       []string   // where to start; only their hosts are crawled
	MaxPages    int        // how many URLs to fetch at most
	Rate        rate.Limit // requests a second to each host
	Concurrency int        // requests in flight in all
	TLS         *tls.Config
	Out         io.Writer     // JSON lines, one per fetch
	Progress    progress      // shown while crawling
	Tick        time.Duration // how often progress is shown and the output flushed
}

// item is a URL in the frontier.
type item struct {
	url   string
	depth int
}

// fetched is the outcome of fetching an item, parsed off the crawl loop.
type fetched struct {
	item
	host     *host
	status   int
	proto    string
	elapsed  time.Duration
	timings  client.Timings
	size     int
	links    []string // normalised; for a redirect, its Location
	location string
	err      error
}

// record is one line of the JSON output.
type record struct {
	URL       string  `json:"url"`
	Depth     int     `json:"depth"`
	Status    int     `json:"status,omitempty"`
	Proto     string  `json:"proto,omitempty"`
	ElapsedMS float64 `json:"elapsed_ms,omitempty"`
	Bytes     int     `json:"bytes,omitempty"`
	Links     int     `json:"links,omitempty"`
	Location  string  `json:"location,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// host is the crawl state of one seed host. Only the crawl loop touches it.
type host struct {
	key      string           // limiter key: host:port
	name     string           // scheme://host[:port], for the summary
	robots   *robotstxt.Group // nil: everything is allowed
	delay    time.Duration    // robots.txt Crawl-delay
	queue    []item           // the host's part of the frontier, first in first out
	inflight int
	stats    hostStats
}

// crawler runs one crawl. The crawl loop (run) owns every field but
// throttled, which the session's middleware updates.
type crawler struct {
	cfg   config
	s     *client.Session
	pool  *async.Pool
	hosts map[string]*host // by limiter key
	order []*host          // the hosts in turn, for fair dispatch
	next  int              // where the next dispatch round starts in order
	seen  map[string]bool  // every URL admitted to the frontier, or refused by robots.txt
	found int              // URLs admitted to the frontier, for MaxPages
	w     *bufio.Writer    // over cfg.Out
	out   *json.Encoder    // over w

	window, hostWindow int
	inflight           int
	results            chan fetched
	retried            uint64

	mu        sync.Mutex     // guards throttled
	throttled map[string]int // 429 and 503 responses per host key
}

// crawl fetches the seeds' hosts breadth first, obeying each host's
// robots.txt and cfg's limits, and writes a JSON line per fetch to cfg.Out.
// If ctx ends, requests in flight are canceled and crawl returns what it
// has, with ctx's error.
func crawl(ctx context.Context, cfg config) (*report, error) {
	c := &crawler{
		cfg:       cfg,
		hosts:     make(map[string]*host),
		seen:      make(map[string]bool),
		w:         bufio.NewWriter(cfg.Out),
		throttled: make(map[string]int),
	}
	c.out = json.NewEncoder(c.w)
	opts := []client.Option{
		client.WithHeader("User-Agent", userAgent),
		client.WithTimeout(20 * time.Second),
		client.WithMaxRedirects(0), // a redirect is a link: it must pass robots.txt and the host rule
		client.WithMaxBodySize(8 << 20),
		client.WithMiddleware(c.countThrottled),
		client.TraceTimings(true), // connection reuse and time to first byte, for the summary
	}
	if cfg.TLS != nil {
		opts = append(opts, client.WithTLSConfig(cfg.TLS))
	}
	c.s = client.NewSession(opts...)
	defer c.s.Close()

	var seeds []item
	for _, raw := range cfg.Seeds {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("crawler: seed %q: %w", raw, err)
		}
		norm, ok := normalize(u, raw)
		if !ok {
			return nil, fmt.Errorf("crawler: seed %q is not an http or https URL", raw)
		}
		nu, _ := url.Parse(norm)
		key := limiter.HostKey(nu)
		if c.hosts[key] == nil {
			h := &host{key: key, name: nu.Scheme + "://" + nu.Host}
			c.hosts[key] = h
			c.order = append(c.order, h)
		}
		seeds = append(seeds, item{url: norm})
	}
	if err := c.readRobots(ctx); err != nil {
		return nil, err
	}

	// Bursts of a twentieth of a second's worth absorb the lateness of
	// timers at high rates; a crawl delay is obeyed strictly, one at a time.
	hostConc := min(cfg.Concurrency, 8)
	burst := max(1, int(cfg.Rate/20))
	lopts := []limiter.Option{limiter.PerHost(cfg.Rate, burst), limiter.HostConcurrency(hostConc)}
	for _, h := range c.order {
		if h.delay > 0 {
			lopts = append(lopts, limiter.Host(h.key, min(cfg.Rate, rate.Every(h.delay)), 1))
		}
	}
	// Twice the workers in flight keeps the pool busy while results are
	// parsed; see dispatch for how the window is shared between hosts.
	c.window = 2 * cfg.Concurrency
	c.hostWindow = 2 * hostConc
	c.results = make(chan fetched, c.window)
	c.pool = async.NewPool(c.s,
		async.Workers(cfg.Concurrency),
		async.QueueSize(c.window),
		async.Limiter(limiter.New(lopts...)),
		async.Retry(retry.Policy{MaxAttempts: 4, MaxRetryAfter: 30 * time.Second}),
	)

	start := time.Now()
	for _, it := range seeds {
		c.admit(it)
	}
	err := c.loop(ctx)
	c.pool.Close()
	c.retried = c.pool.Stats().Retried
	return c.report(time.Since(start)), err
}

// readRobots fetches the robots.txt of every host at once, with futures:
// one per host, gathered with AllSettled. A robots.txt that cannot be
// fetched allows everything, except that a 5xx disallows everything, as
// Google does.
func (c *crawler) readRobots(ctx context.Context) error {
	fs := make([]*future.Future[*robotstxt.RobotsData], len(c.order))
	for i, h := range c.order {
		fs[i] = future.Go(ctx, func(ctx context.Context) (*robotstxt.RobotsData, error) {
			resp, err := c.s.Get(ctx, h.name+"/robots.txt", client.MaxRedirects(5), client.Timeout(10*time.Second))
			if err != nil {
				return nil, err
			}
			body, err := resp.Bytes()
			if err != nil {
				return nil, err
			}
			return robotstxt.FromStatusAndBytes(resp.StatusCode, body)
		})
	}
	for i, res := range future.AllSettled(ctx, fs...) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if res.Err != nil || res.Value == nil {
			continue // unreachable or unreadable: no rules
		}
		g := res.Value.FindGroup(userAgent)
		c.order[i].robots, c.order[i].delay = g, g.CrawlDelay
	}
	return nil
}

// countThrottled is session middleware: it sees every attempt, retries
// included, and counts the 429 and 503 answers of each host.
func (c *crawler) countThrottled(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			c.mu.Lock()
			c.throttled[limiter.HostKey(r.URL)]++
			c.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// admit adds a normalised URL to the frontier if it is on a seed host, is
// new, is allowed by the host's robots.txt and fits under MaxPages.
func (c *crawler) admit(it item) {
	u, err := url.Parse(it.url)
	if err != nil {
		return
	}
	h := c.hosts[limiter.HostKey(u)]
	if h == nil || c.seen[it.url] {
		return // off the site, or known
	}
	if h.robots != nil && !h.robots.Test(u.RequestURI()) {
		c.seen[it.url] = true
		h.stats.Disallowed++
		return
	}
	if c.found >= c.cfg.MaxPages {
		return
	}
	c.seen[it.url] = true
	c.found++
	h.stats.Found++
	h.queue = append(h.queue, it)
}

// loop dispatches the frontier into the pool and takes the results in,
// until the frontier is empty and nothing is in flight, or ctx ends.
func (c *crawler) loop(ctx context.Context) error {
	tick := time.NewTicker(c.cfg.Tick)
	defer tick.Stop()
	done, stopping := ctx.Done(), false
	for {
		if !stopping {
			c.dispatch(ctx)
		}
		if c.inflight == 0 {
			break
		}
		select {
		case r := <-c.results:
			c.inflight--
			r.host.inflight--
			c.take(r)
		case <-done:
			// The pool cancels what is in flight; wait for it to settle.
			done, stopping = nil, true
		case <-tick.C:
			c.show()
		}
	}
	c.show()
	if err := c.flush(); err != nil {
		return err
	}
	return ctx.Err()
}

// dispatch hands the pool work from the frontier, one URL per host in
// turn, while the window has room. Each active host gets a share of the
// window, so that a host the server has paused (a 429 with Retry-After)
// holds only its own share while the others go on.
func (c *crawler) dispatch(ctx context.Context) {
	active := 0
	for _, h := range c.order {
		if len(h.queue) > 0 || h.inflight > 0 {
			active++
		}
	}
	share := max(2, (c.window+active-1)/max(active, 1))
	for c.inflight < c.window {
		var h *host
		for i := range c.order {
			cand := c.order[(c.next+i)%len(c.order)]
			if len(cand.queue) > 0 && cand.inflight < min(share, c.hostWindowOf(cand)) {
				h = cand
				c.next = (c.next + i + 1) % len(c.order)
				break
			}
		}
		if h == nil {
			return
		}
		it := h.queue[0]
		h.queue = h.queue[1:]
		if len(h.queue) == 0 {
			h.queue = nil // let the backing array go
		}
		h.inflight++
		c.inflight++
		if h.stats.start.IsZero() {
			h.stats.start = time.Now()
		}
		// The page is parsed on the pool's worker, and the result sent to
		// the crawl loop: the channel holds a whole window, so the send
		// never blocks the worker, and neither does Submit, whose queue is
		// as large as the window.
		c.pool.Submit(ctx, client.NewRequest("GET", it.url), func(r *client.Response, err error) {
			c.results <- parse(h, it, r, err)
		})
	}
}

// hostWindowOf is how many requests of h may be in flight at most: twice
// its concurrency, or two for a host with a crawl delay, which is sent one
// at a time anyway.
func (c *crawler) hostWindowOf(h *host) int {
	if h.delay > 0 {
		return 2
	}
	return c.hostWindow
}

// parse turns a response into a result: its status, size and links.
func parse(h *host, it item, resp *client.Response, err error) fetched {
	r := fetched{item: it, host: h, err: err}
	if err != nil {
		return r
	}
	r.status, r.proto, r.elapsed, r.timings = resp.StatusCode, resp.Proto, resp.Elapsed, resp.Timings
	body, err := resp.Bytes()
	if err != nil {
		r.err = err
		return r
	}
	r.size = len(body)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		if loc := resp.Header.Get("Location"); loc != "" {
			if next, ok := normalize(resp.URL, loc); ok {
				r.location = next
				r.links = []string{next}
			}
		}
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && isHTML(resp.Header.Get("Content-Type")):
		r.links = extractLinks(resp.URL, body)
	}
	return r
}

func isHTML(contentType string) bool {
	if contentType == "" {
		return true // let the tokenizer try
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// take records a result and admits its links.
func (c *crawler) take(r fetched) {
	h := r.host
	st := &h.stats
	rec := record{URL: r.url, Depth: r.depth, Status: r.status, Proto: r.proto, Bytes: r.size, Links: len(r.links), Location: r.location}
	switch {
	case errors.Is(r.err, context.Canceled) || errors.Is(r.err, async.ErrClosed):
		st.Canceled++
		rec.Error = "canceled"
	case r.err != nil:
		st.Errors++
		rec.Error = r.err.Error()
	case r.status >= 400:
		st.Errors++
	case r.status >= 300:
		st.Redirects++
	default:
		st.Pages++
	}
	if r.err == nil {
		rec.ElapsedMS = float64(r.elapsed.Microseconds()) / 1000
		st.latencies = append(st.latencies, r.elapsed)
		st.firstBytes = append(st.firstBytes, r.timings.FirstByte)
		if !r.timings.Reused {
			st.NewConns++
		}
		st.protos = addProto(st.protos, r.proto)
		st.last = time.Now()
	}
	if err := c.out.Encode(rec); err != nil {
		c.cfg.Progress.warn(fmt.Sprintf("crawler: writing results: %v", err))
	}
	for _, l := range r.links {
		c.admit(item{url: l, depth: r.depth + 1})
	}
}

func addProto(ps []string, p string) []string {
	for _, q := range ps {
		if q == p {
			return ps
		}
	}
	return append(ps, p)
}

// show updates the progress display and flushes the output.
func (c *crawler) show() {
	var st progressState
	for _, h := range c.order {
		st.Found += h.stats.Found
		st.Done += h.stats.Pages + h.stats.Redirects + h.stats.Errors + h.stats.Canceled
		st.Queued += len(h.queue)
	}
	st.InFlight = c.inflight
	c.cfg.Progress.show(st)
	c.flush()
}

// flush writes out the buffered JSON lines.
func (c *crawler) flush() error { return c.w.Flush() }

// report gathers the hosts' counters.
func (c *crawler) report(elapsed time.Duration) *report {
	rep := &report{Elapsed: elapsed, Retried: c.retried}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range c.order {
		st := h.stats
		st.Host = h.name
		st.CrawlDelay = h.delay
		st.Throttled = c.throttled[h.key]
		st.Left = len(h.queue)
		rep.Hosts = append(rep.Hosts, st)
	}
	return rep
}

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// hostStats are the counters of one host.
type hostStats struct {
	Host       string
	Found      int // URLs admitted to the frontier
	Pages      int // 2xx
	Redirects  int // 3xx; their Location is followed as a link
	Errors     int // 4xx, 5xx and failed requests
	Canceled   int // stopped by Ctrl-C
	Left       int // still in the frontier when the crawl stopped
	Disallowed int // links refused by robots.txt
	Throttled  int // 429 and 503 answers, each retried after its Retry-After
	CrawlDelay time.Duration
	NewConns   int // answers that came over a new connection, not a reused one

	latencies   []time.Duration
	firstBytes  []time.Duration // time to first byte of each answer
	protos      []string
	start, last time.Time // first dispatch, last answer
}

// Fetched counts the requests that got an answer.
func (h hostStats) Fetched() int { return h.Pages + h.Redirects + h.Errors }

// Rate is the host's achieved rate, in answers a second, from its first
// request to its last answer.
func (h hostStats) Rate() float64 {
	d := h.last.Sub(h.start)
	if d <= 0 {
		return 0
	}
	return float64(len(h.latencies)) / d.Seconds()
}

// Latency returns the q-quantile (0 < q ≤ 1) of the answers' latencies, by
// the nearest-rank method.
func (h hostStats) Latency(q float64) time.Duration { return quantile(h.latencies, q) }

// FirstByte returns the q-quantile of the answers' times to first byte.
func (h hostStats) FirstByte(q float64) time.Duration { return quantile(h.firstBytes, q) }

// quantile returns the q-quantile of ds by the nearest-rank method.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	l := slices.Clone(ds)
	slices.Sort(l)
	i := int(math.Ceil(q*float64(len(l)))) - 1
	return l[max(0, min(i, len(l)-1))]
}

// report is the outcome of a crawl.
type report struct {
	Hosts   []hostStats
	Elapsed time.Duration
	Retried uint64 // retries the pool scheduled, over all hosts
}

// Host returns the stats of the host named scheme://host:port.
func (r *report) Host(name string) (hostStats, bool) {
	for _, h := range r.Hosts {
		if h.Host == name {
			return h, true
		}
	}
	return hostStats{}, false
}

// write prints the closing summary, a table with a line per host.
func (r *report) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "host\tpages\tredirects\terrors\tthrottled\trobots-disallowed\trate/s\tp50\tp99\tttfb p50\tnew conns\tprotocol\t")
	var total hostStats
	for _, h := range r.Hosts {
		name := h.Host
		if h.CrawlDelay > 0 {
			name += fmt.Sprintf(" (crawl-delay %s)", h.CrawlDelay)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t%s\t\n",
			name, h.Pages, h.Redirects, h.Errors, h.Throttled, h.Disallowed, h.Rate(),
			round(h.Latency(0.50)), round(h.Latency(0.99)), round(h.FirstByte(0.50)), h.NewConns, strings.Join(h.protos, ","))
		total.Pages += h.Pages
		total.Redirects += h.Redirects
		total.Errors += h.Errors
		total.Throttled += h.Throttled
		total.Disallowed += h.Disallowed
		total.Canceled += h.Canceled
		total.Left += h.Left
		total.latencies = append(total.latencies, h.latencies...)
		total.firstBytes = append(total.firstBytes, h.firstBytes...)
		total.NewConns += h.NewConns
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t\t\n",
		total.Pages, total.Redirects, total.Errors, total.Throttled, total.Disallowed,
		float64(total.Fetched())/r.Elapsed.Seconds(), round(total.Latency(0.50)), round(total.Latency(0.99)),
		round(total.FirstByte(0.50)), total.NewConns)
	tw.Flush()
	fmt.Fprintf(w, "%d fetched in %s, %d retries", total.Fetched(), r.Elapsed.Round(time.Millisecond), r.Retried)
	if total.Canceled > 0 || total.Left > 0 {
		fmt.Fprintf(w, "; stopped early: %d canceled in flight, %d never sent", total.Canceled, total.Left)
	}
	fmt.Fprintln(w)
}

// round shortens a latency for display.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

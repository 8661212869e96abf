// Command crawler crawls web sites through an [async.Pool]: per-host rate
// limits, retries of 429s and 503s after their Retry-After, robots.txt
// obeyed (Disallow and Crawl-delay), a progress bar on stderr, a JSON line
// per fetch on stdout, and a closing summary per host.
//
// With no -seed it starts a demo site of its own and crawls that, so it
// needs no internet: four hosts on 127.0.0.1 to 127.0.0.4 with a few
// thousand linked pages, some slow, some moved (301), some answering 429
// first, one with a robots.txt that disallows a directory and sets a crawl
// delay.
//
//	go run ./examples/crawler
//	go run ./examples/crawler -out crawl.jsonl
//	go run ./examples/crawler -seed https://go.dev/ -max-pages 50
//
// The crawl stays on the seed URLs' hosts and fetches each normalised URL
// once, breadth first. Ctrl-C stops it: requests in flight are canceled,
// and the results so far are written, with the summary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Default rates, in requests a second to each host.
const (
	demoRate = 250 // the demo site is local and built for it
	siteRate = 2   // someone else's site
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command: it parses args, crawls, and returns the exit code:
// 0 when the crawl finished, 1 on an error, 2 for bad flags and 130 when
// ctx ended (Ctrl-C) first.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crawler", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.String("seed", "", "crawl the host of this URL instead of the built-in demo site")
	maxPages := fs.Int("max-pages", 10000, "fetch at most this many URLs")
	perHost := fs.Float64("rate", 0, fmt.Sprintf("requests a second to each host (default %d on the demo site, %d with -seed)", demoRate, siteRate))
	concurrency := fs.Int("concurrency", 16, "requests in flight at once, over all hosts")
	out := fs.String("out", "", "write the JSON lines to this file instead of stdout")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: crawler [flags]\n\nCrawls the demo site, or the host of -seed, and writes a JSON line per fetch.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "crawler: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *maxPages < 1, *concurrency < 1, *perHost < 0:
		fmt.Fprintln(stderr, "crawler: -max-pages and -concurrency must be positive, -rate not negative")
		return 2
	}

	cfg := config{
		MaxPages:    *maxPages,
		Rate:        rate.Limit(*perHost),
		Concurrency: *concurrency,
		Tick:        100 * time.Millisecond,
	}
	if *seed == "" {
		s, err := startSite(defaultSite)
		if err != nil {
			fmt.Fprintln(stderr, "crawler: starting the demo site:", err)
			return 1
		}
		defer s.Close()
		cfg.Seeds, cfg.TLS = s.Roots(), s.TLSConfig()
		if cfg.Rate == 0 {
			cfg.Rate = demoRate
		}
		fmt.Fprintln(stderr, "demo site:", strings.Join(cfg.Seeds, " "))
	} else {
		cfg.Seeds = []string{*seed}
		if cfg.Rate == 0 {
			cfg.Rate = siteRate
		}
	}

	cfg.Out = stdout
	var file *os.File
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "crawler:", err)
			return 1
		}
		file, cfg.Out = f, f
	}
	p := newProgress(stderr)
	cfg.Progress = p

	rep, err := crawl(ctx, cfg)
	p.finish()
	if rep != nil {
		rep.write(stderr)
	}
	if file != nil {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	switch {
	case err == nil:
		return 0
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintln(stderr, "crawler: interrupted; the results so far are written")
		return 130
	}
	fmt.Fprintln(stderr, "crawler:", err)
	return 1
}

package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressState is what the crawl loop reports while it runs.
type progressState struct {
	Found    int // URLs admitted to the frontier so far
	Done     int // fetches finished, successful or not
	Queued   int // in the frontier, not yet handed to the pool
	InFlight int // handed to the pool, not yet finished
}

// progress shows how a crawl is going. Only the crawl loop calls it.
type progress interface {
	show(progressState)
	warn(msg string)
	finish()
}

// newProgress returns a progress bar on w when w is a terminal, and plain
// lines otherwise (a log file, a pipe, CI).
func newProgress(w io.Writer) progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{w: w, bar: progressbar.NewOptions(1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("crawling"),
			progressbar.OptionSetItsString("pages"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
		)}
	}
	return &lineProgress{w: w, start: time.Now()}
}

// barProgress draws a bar whose length is the URLs found so far: it grows
// as the crawl discovers pages.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barProgress) show(st progressState) {
	p.bar.ChangeMax(max(st.Found, 1))
	p.bar.Describe(fmt.Sprintf("crawling (%d in flight)", st.InFlight))
	p.bar.Set(st.Done)
}

func (p *barProgress) warn(msg string) {
	p.bar.Clear()
	fmt.Fprintln(p.w, msg)
}

func (p *barProgress) finish() { p.bar.Clear() }

// lineProgress writes a line at most once a second.
type lineProgress struct {
	w     io.Writer
	start time.Time
	last  time.Time
}

func (p *lineProgress) show(st progressState) {
	now := time.Now()
	if now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	fmt.Fprintf(p.w, "crawl: %d/%d fetched, %d queued, %d in flight, %.0f/s, %s\n",
		st.Done, st.Found, st.Queued, st.InFlight, float64(st.Done)/elapsed.Seconds(), elapsed.Round(100*time.Millisecond))
}

func (p *lineProgress) warn(msg string) { fmt.Fprintln(p.w, msg) }
func (p *lineProgress) finish()         {}

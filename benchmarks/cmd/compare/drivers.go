package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/imroc/req/v3"
	"github.com/valyala/fasthttp"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// workload is what one child process measures.
type workload struct {
	urls    []string // one per host; request i goes to urls[i%len(urls)]
	n       int      // requests measured
	c       int      // concurrency
	size    int      // expected body size
	batch   int      // requests per Gather call
	cert    string   // PEM file of the server's certificate
	roots   *x509.CertPool
	proto   string // "h1" or "h2"
	warmup  int
	profile string // directory for profiles, or ""
	memRate int    // runtime.MemProfileRate while profiling, if not 0
}

// A driver sends a workload with one client library.
type driver struct {
	name string
	// base names the net/http driver that this one is compared with.
	base string
	h1   bool // HTTP/1.1 only
	// exe is the binary whose child process runs the driver, named child
	// there; empty for this one and name. A driver run from a baseline
	// build (-baseline) has both.
	exe, child string
	// doer returns a function sending one GET and reading the body the
	// way the driver's users would, and a func releasing the client.
	doer func(w *workload) (do func(ctx context.Context, url string) error, close func())
	// run sends requests [from, to) itself, recording latencies, for
	// drivers that own their concurrency (the pool).
	run func(w *workload) (run func(ctx context.Context, from, to int, lat []time.Duration) error, close func())
}

var drivers = []driver{
	{name: "net/http", base: "net/http", doer: netHTTP(false, false)},
	{name: "net/http-discard", base: "net/http-discard", doer: netHTTP(true, false)},
	{name: "net/http-defaults", base: "net/http", doer: netHTTP(false, true)},
	{name: "net/http-defaults-discard", base: "net/http-discard", doer: netHTTP(true, true)},
	{name: "session", base: "net/http", doer: session(false)},
	{name: "session-stream", base: "net/http-discard", doer: session(true)},
	{name: "net/http-batch", base: "net/http", run: batched(netHTTP(false, false))},
	{name: "pool-gather", base: "net/http-batch", run: poolGather},
	{name: "pool-map", base: "net/http", run: poolMap},
	{name: "resty", base: "net/http", doer: restyDriver(false)},
	{name: "resty-discard", base: "net/http-discard", doer: restyDriver(true)},
	{name: "req", base: "net/http", doer: reqDriver(false)},
	{name: "req-discard", base: "net/http-discard", doer: reqDriver(true)},
	{name: "retryablehttp", base: "net/http", doer: retryableDriver(false)},
	{name: "retryablehttp-discard", base: "net/http-discard", doer: retryableDriver(true)},
	{name: "resty-batch", base: "net/http-batch", run: batched(restyDriver(false))},
	{name: "req-batch", base: "net/http-batch", run: batched(reqDriver(false))},
	{name: "retryablehttp-batch", base: "net/http-batch", run: batched(retryableDriver(false))},
	{name: "fasthttp", base: "net/http", h1: true, doer: fasthttpDriver},
	{name: "session-over-fasthttp", base: "net/http", h1: true, doer: sessionOverFasthttp},
}

func driverNamed(name string) (driver, bool) {
	for _, d := range drivers {
		if d.name == name {
			return d, true
		}
	}
	return driver{}, false
}

func (w *workload) checkBody(n int) error {
	if n != w.size {
		return fmt.Errorf("got a body of %d bytes, want %d", n, w.size)
	}
	return nil
}

func (w *workload) tlsConfig() *tls.Config { return &tls.Config{RootCAs: w.roots} }

// readSized reads a body into one buffer sized by Content-Length: what a
// careful net/http user does to keep a body in memory.
func readSized(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.ContentLength < 0 {
		return io.ReadAll(resp.Body)
	}
	buf := make([]byte, resp.ContentLength)
	n, err := io.ReadFull(resp.Body, buf)
	return buf[:n], err
}

// netHTTP is the floor: a Transport tuned for the concurrency, the body
// read into a buffer sized by Content-Length (or copied to io.Discard).
//
// With defaults, it also does per request what requests3's defaults do: a
// deadline of its own (the session's 30 s total timeout) and Requests'
// default headers. Those drivers are references held to no target: their
// distance from the floor is what the defaults cost on net/http itself,
// before any library code runs.
func netHTTP(discard, defaults bool) func(w *workload) (func(context.Context, string) error, func()) {
	return func(w *workload) (func(context.Context, string) error, func()) {
		t := tunedTransport(w)
		hc := &http.Client{Transport: t}
		do := func(ctx context.Context, url string) error {
			if defaults {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, client.DefaultTotalTimeout)
				defer cancel()
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			if defaults {
				// The headers a default session sends (client/prepare.go).
				req.Header["User-Agent"] = []string{client.UserAgent}
				req.Header["Accept"] = []string{"*/*"}
				req.Header["Accept-Encoding"] = []string{"gzip, deflate, br, zstd"}
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			if discard {
				return w.discardBody(resp.StatusCode, resp.Body)
			}
			b, err := readSized(resp)
			if err != nil {
				return err
			}
			keep(ctx, resp, b)
			return w.checkBody(len(b))
		}
		return do, t.CloseIdleConnections
	}
}

// tunedTransport is net/http's transport tuned for the workload's
// concurrency: the floor's.
func tunedTransport(w *workload) *http.Transport {
	return &http.Transport{
		ForceAttemptHTTP2:   true,
		TLSClientConfig:     w.tlsConfig(),
		MaxIdleConns:        w.c * len(w.urls),
		MaxIdleConnsPerHost: w.c,
		IdleConnTimeout:     90 * time.Second,
	}
}

// A batch holds the responses of the requests sent in it, with their
// bodies, until the last of them is in: what a program holds that sends
// its requests in batches and wants each batch's responses together, as
// async.Gather hands them back. A driver sending in a batch hands it its
// responses with keep.
type batch struct {
	n    atomic.Int64
	kept []kept
}

type kept struct {
	resp any // the client library's response
	body []byte
}

type batchKey struct{}

// keep holds resp and its body until the batch ctx is sending, if any, is
// done.
func keep(ctx context.Context, resp any, body []byte) {
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		b.kept[b.n.Add(1)-1] = kept{resp, body}
	}
}

// batched sends the requests of a driver reading bodies into memory the
// way poolGather does: in batches of w.batch, w.c at a time, each batch's
// responses kept until the last of them arrives. net/http sending so is
// the counterpart async.Gather is held to, and the peers sending so are
// those it must beat.
func batched(doer func(w *workload) (func(context.Context, string) error, func())) func(w *workload) (func(context.Context, int, int, []time.Duration) error, func()) {
	return func(w *workload) (func(context.Context, int, int, []time.Duration) error, func()) {
		do, closer := doer(w)
		b := &batch{kept: make([]kept, w.batch)}
		return func(ctx context.Context, from, to int, lat []time.Duration) error {
			ctx = context.WithValue(ctx, batchKey{}, b)
			for i := from; i < to; i += w.batch {
				end := min(i+w.batch, to)
				var batchLat []time.Duration
				if lat != nil {
					batchLat = lat[i-from : end-from]
				}
				b.n.Store(0)
				err := loop(ctx, w, do, i, end, batchLat)
				clear(b.kept) // the batch is done with, as poolGather's is
				if err != nil {
					return err
				}
			}
			return nil
		}, closer
	}
}

// newSession is a session with default settings that trusts the server.
func newSession(w *workload) *client.Session {
	return client.NewSession(client.WithTLSConfig(w.tlsConfig()))
}

func session(stream bool) func(w *workload) (func(context.Context, string) error, func()) {
	return func(w *workload) (func(context.Context, string) error, func()) {
		s := newSession(w)
		if stream {
			opt := client.Stream(true)
			return func(ctx context.Context, url string) error {
				resp, err := s.Get(ctx, url, opt)
				if err != nil {
					return err
				}
				n, err := resp.WriteTo(io.Discard)
				if err != nil {
					return err
				}
				return w.checkBody(int(n))
			}, s.Close
		}
		return sessionGet(w, s), s.Close
	}
}

// sessionGet sends a GET with s and takes the body in memory
// (Response.Bytes).
func sessionGet(w *workload, s *client.Session) func(context.Context, string) error {
	return func(ctx context.Context, url string) error {
		resp, err := s.Get(ctx, url)
		if err != nil {
			return err
		}
		b, err := resp.Bytes()
		if err != nil {
			return err
		}
		return w.checkBody(len(b))
	}
}

func newPool(w *workload) (*async.Pool, func()) {
	s := newSession(w)
	p := async.NewPool(s, async.Workers(w.c))
	return p, func() {
		p.Close()
		s.Close()
	}
}

// poolGather sends the requests through the pool in Gather calls of
// w.batch requests, keeping one batch of responses in memory at a time.
// A request's latency is its Response.Elapsed: from the session starting
// it to its body read, queueing in the pool excluded, as for the drivers
// timed around one call.
func poolGather(w *workload) (func(context.Context, int, int, []time.Duration) error, func()) {
	p, closer := newPool(w)
	reqs := make([]*client.Request, 0, w.batch)
	return func(ctx context.Context, from, to int, lat []time.Duration) error {
		for i := from; i < to; i += w.batch {
			reqs = reqs[:0]
			for j := i; j < min(i+w.batch, to); j++ {
				reqs = append(reqs, client.NewRequest(http.MethodGet, w.urls[j%len(w.urls)]))
			}
			resps, err := async.Gather(ctx, p, reqs)
			if err != nil {
				return err
			}
			for k, r := range resps {
				b, err := r.Bytes()
				if err != nil {
					return err
				}
				if err := w.checkBody(len(b)); err != nil {
					return err
				}
				if lat != nil {
					lat[i+k-from] = r.Elapsed
				}
			}
		}
		return nil
	}, closer
}

// poolMap sends the requests through async.Map, which reads the input
// lazily and keeps a bounded window in flight.
func poolMap(w *workload) (func(context.Context, int, int, []time.Duration) error, func()) {
	p, closer := newPool(w)
	return func(ctx context.Context, from, to int, lat []time.Duration) error {
		var reqs iter.Seq[*client.Request] = func(yield func(*client.Request) bool) {
			for i := from; i < to; i++ {
				if !yield(client.NewRequest(http.MethodGet, w.urls[i%len(w.urls)])) {
					return
				}
			}
		}
		check := func(r *client.Response) (time.Duration, error) {
			b, err := r.Bytes()
			if err != nil {
				return 0, err
			}
			return r.Elapsed, w.checkBody(len(b))
		}
		k := 0
		for d, err := range async.Map(ctx, p, reqs, check) {
			if err != nil {
				return err
			}
			if lat != nil {
				lat[k] = d
			}
			k++
		}
		if k != to-from {
			return fmt.Errorf("map yielded %d results, want %d", k, to-from)
		}
		return nil
	}, closer
}

// discardBody checks the status, copies a streamed body to io.Discard, as
// net/http-discard does, and closes it.
func (w *workload) discardBody(status int, body io.ReadCloser) error {
	defer body.Close()
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		return err
	}
	return w.checkBody(int(n))
}

// restyDriver reads the body as resty does by default, or, with discard,
// takes it unread (SetDoNotParseResponse) and copies it to io.Discard.
func restyDriver(discard bool) func(w *workload) (func(context.Context, string) error, func()) {
	return func(w *workload) (func(context.Context, string) error, func()) {
		c := resty.New().SetTLSClientConfig(w.tlsConfig())
		return func(ctx context.Context, url string) error {
			resp, err := c.R().SetContext(ctx).SetDoNotParseResponse(discard).Get(url)
			if err != nil {
				return err
			}
			if discard {
				return w.discardBody(resp.StatusCode(), resp.RawBody())
			}
			if resp.StatusCode() != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode())
			}
			keep(ctx, resp, resp.Body())
			return w.checkBody(len(resp.Body()))
		}, func() {}
	}
}

// reqDriver reads the body as req does by default, or, with discard, takes
// it unread (DisableAutoReadResponse) and copies it to io.Discard.
func reqDriver(discard bool) func(w *workload) (func(context.Context, string) error, func()) {
	return func(w *workload) (func(context.Context, string) error, func()) {
		c := req.C().SetRootCertsFromFile(w.cert)
		return func(ctx context.Context, url string) error {
			r := c.R().SetContext(ctx)
			if discard {
				r.DisableAutoReadResponse()
			}
			resp, err := r.Get(url)
			if err != nil {
				return err
			}
			if discard {
				return w.discardBody(resp.StatusCode, resp.Body)
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			b, err := resp.ToBytes()
			if err != nil {
				return err
			}
			keep(ctx, resp, b)
			return w.checkBody(len(b))
		}, func() { c.CloseIdleConnections() }
	}
}

// retryableDriver reads the body as net/http's driver does, or copies it to
// io.Discard. It turns off the library's default logger, which prints a
// line per request to stderr.
func retryableDriver(discard bool) func(w *workload) (func(context.Context, string) error, func()) {
	return func(w *workload) (func(context.Context, string) error, func()) {
		c := retryablehttp.NewClient()
		c.Logger = nil
		t := c.HTTPClient.Transport.(*http.Transport)
		t.TLSClientConfig = w.tlsConfig()
		return func(ctx context.Context, url string) error {
			r, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			resp, err := c.Do(r)
			if err != nil {
				return err
			}
			if discard {
				return w.discardBody(resp.StatusCode, resp.Body)
			}
			b, err := readSized(resp)
			if err != nil {
				return err
			}
			keep(ctx, resp, b)
			return w.checkBody(len(b))
		}, t.CloseIdleConnections
	}
}

func fasthttpDriver(w *workload) (func(context.Context, string) error, func()) {
	c := &fasthttp.Client{}
	return func(_ context.Context, url string) error {
		req := fasthttp.AcquireRequest()
		resp := fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(url)
		if err := c.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode())
		}
		return w.checkBody(len(resp.Body()))
	}, c.CloseIdleConnections
}

// loop runs do from w.c goroutines for requests [from, to), recording each
// latency into lat (when not nil).
func loop(ctx context.Context, w *workload, do func(context.Context, string) error, from, to int, lat []time.Duration) error {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range w.c {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= to || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := do(ctx, w.urls[i%len(w.urls)])
				if lat != nil {
					lat[i-from] = time.Since(t0)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("request %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}

func loadRoots(certFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no certificate in " + certFile)
	}
	return pool, nil
}

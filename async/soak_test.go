package async_test

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
	"github.com/requests3/requests/retry"
)

var soak = flag.Bool("soak", false, "run TestSoak at full size: 200,000 requests")

// soakServer answers GET /obj?id=N with the body of object N, failing a
// fifth of the requests at random: resets before and after the headers,
// 503 with Retry-After: 0, and bodies that stall until the client gives
// up. It counts what it did and the connections open to it.
type soakServer struct {
	*httptest.Server
	open                         atomic.Int64
	ok, slow, reset, midBody     atomic.Int64
	unavailable, stalled, served atomic.Int64
}

func newSoakServer(t *testing.T, host string, h2 bool) *soakServer {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	ss := &soakServer{}
	srv := httptest.NewUnstartedServer(ss)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			ss.open.Add(1)
		case http.StateClosed, http.StateHijacked: // a hijacked one is closed at once
			ss.open.Add(-1)
		}
	}
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	ss.Server = srv
	return ss
}

// soakBody is the body of object id: 1 to 16 KiB of bytes from a generator
// seeded by id.
func soakBody(id int) []byte {
	r := rand.New(rand.NewPCG(uint64(id), 0x50a1c))
	b := make([]byte, 1024+r.IntN(15*1024))
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (ss *soakServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ss.served.Add(1)
	id, _ := strconv.Atoi(r.URL.Query().Get("id"))
	body := soakBody(id)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Checksum", strconv.FormatUint(uint64(crc32.Checksum(body, castagnoli)), 16))
	rc := http.NewResponseController(w)
	half := len(body) / 2
	switch n := rand.IntN(40); {
	case n < 3: // reset before the headers
		ss.reset.Add(1)
		abort(w)
	case n < 5: // reset in the middle of the body
		ss.midBody.Add(1)
		w.Write(body[:half])
		rc.Flush()
		abort(w)
	case n < 7:
		ss.unavailable.Add(1)
		w.Header().Del("Content-Length")
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	case n < 8: // stall until the client's attempt times out
		ss.stalled.Add(1)
		w.Write(body[:half])
		rc.Flush()
		<-r.Context().Done()
		panic(http.ErrAbortHandler)
	case n < 10: // slow, but whole
		ss.slow.Add(1)
		w.Write(body[:half])
		rc.Flush()
		time.Sleep(time.Millisecond)
		w.Write(body[half:])
		ss.ok.Add(1)
	default:
		w.Write(body)
		ss.ok.Add(1)
	}
}

// abort resets the connection (HTTP/1.1) or the stream (HTTP/2).
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
	panic(http.ErrAbortHandler)
}

// TestSoak sends many requests through a pool with retries to servers
// that fail a fifth of them, and checks that every future settles once,
// that every body that arrives is whole (by checksum), that nothing leaks
// (goroutines, connections) and that the heap does not grow past 10% of
// its size after warm-up. It runs 200,000 requests with -soak, and a few
// thousand otherwise (CI).
//
// The servers answer 503 with Retry-After: 0. The pool pauses a whole host
// for a Retry-After; with a fifth of requests failing, any real pause would
// keep every host paused most of the time and the test would measure the
// pauses. TestRetryAfterPausesHost covers pauses.
func TestSoak(t *testing.T) {
	n, workers, attemptTimeout := 10_000, 64, 250*time.Millisecond
	if raceEnabled {
		n = 5000
	}
	if *soak {
		n, workers, attemptTimeout = 200_000, 128, 200*time.Millisecond
	}
	defer goleak.VerifyNone(t)

	// Ten hosts: HTTP/1.1 on two ports of each of 127.0.0.1 to 127.0.0.4,
	// HTTP/2 on two ports of 127.0.0.1 (the test certificate's address).
	var servers []*soakServer
	for i := range 10 {
		var ss *soakServer
		if i < 8 {
			ss = newSoakServer(t, "127.0.0."+strconv.Itoa(1+i%4), false)
		} else {
			ss = newSoakServer(t, "127.0.0.1", true)
		}
		defer ss.Close()
		servers = append(servers, ss)
	}
	pool := servers[8].Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	s := client.NewSession(client.WithTLSConfig(&tls.Config{RootCAs: pool}))
	defer s.Close()
	p := async.NewPool(s, async.Workers(workers), async.Retry(retry.Policy{
		MaxAttempts: 12, // a fifth failing 12 times in a row: 4e-9 per request
		Backoff:     retry.Exponential(time.Millisecond, 20*time.Millisecond),
	}))
	defer p.Close()

	type pending struct {
		id int
		f  *future.Future[*client.Response]
	}
	var (
		ctx       = context.Background()
		window    = make([]pending, 0, 4*workers)
		succeeded int
		failures  = map[string]int{}
	)
	settle := func(pd pending) {
		resp, err := pd.f.Await(ctx)
		res, ok := pd.f.Peek()
		if !ok || res.Value != resp || res.Err != err {
			t.Fatalf("object %d: Peek after Await gave %v, %v", pd.id, res, ok)
		}
		if err != nil {
			failures[fmt.Sprintf("%T", errors.Unwrap(err))]++
			return
		}
		body, err := resp.Bytes()
		want := soakBody(pd.id)
		sum := strconv.FormatUint(uint64(crc32.Checksum(body, castagnoli)), 16)
		if err != nil || resp.StatusCode != 200 || sum != resp.Header.Get("X-Checksum") ||
			sum != strconv.FormatUint(uint64(crc32.Checksum(want, castagnoli)), 16) {
			t.Fatalf("object %d: %d, %d bytes (want %d), checksum %s (header %s), %v",
				pd.id, resp.StatusCode, len(body), len(want), sum, resp.Header.Get("X-Checksum"), err)
		}
		succeeded++
	}
	drain := func() {
		for _, pd := range window {
			settle(pd)
		}
		clear(window) // let the responses go, for the heap figures
		window = window[:0]
	}
	// quiesce closes every connection and waits for the servers to see
	// them closed, so that the heap is measured without connection
	// buffers (which are not leaks and vary with how many are open).
	quiesce := func() {
		deadline := time.Now().Add(5 * time.Second)
		for _, ss := range servers {
			for ss.open.Load() != 0 && time.Now().Before(deadline) {
				s.Close()
				time.Sleep(10 * time.Millisecond)
			}
			if open := ss.open.Load(); open != 0 {
				t.Errorf("%s: %d connections still open", ss.URL, open)
			}
		}
	}
	heap := func() uint64 {
		quiesce()
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}

	warmup := n / 10
	var heapWarm uint64
	var goroutinesWarm int
	start := time.Now()
	for id := range n {
		if id == warmup {
			drain()
			heapWarm, goroutinesWarm = heap(), runtime.NumGoroutine()
		}
		if len(window) == cap(window) {
			settle(window[0])
			window = append(window[:0], window[1:]...)
			window[len(window):cap(window)][0] = pending{}
		}
		u := servers[id%len(servers)].URL + "/obj?id=" + strconv.Itoa(id)
		window = append(window, pending{id, p.Get(ctx, u, client.Timeout(attemptTimeout))})
	}
	drain()
	elapsed := time.Since(start)
	heapEnd, goroutinesEnd := heap(), runtime.NumGoroutine()

	st := p.Stats()
	if st.Done+st.Failed != uint64(n) || st.Queued != 0 || st.InFlight != 0 {
		t.Errorf("pool stats %+v, want %d settled and nothing left", st, n)
	}
	if succeeded+sum(failures) != n {
		t.Errorf("%d succeeded and %d failed, want %d in all", succeeded, sum(failures), n)
	}
	if failed := sum(failures); failed > n/10_000+1 {
		t.Errorf("%d requests failed after retries: %v", failed, failures)
	}
	var served, ok, reset, midBody, unavailable, stalled, slow int64
	for _, ss := range servers {
		served += ss.served.Load()
		ok += ss.ok.Load()
		reset += ss.reset.Load()
		midBody += ss.midBody.Load()
		unavailable += ss.unavailable.Load()
		stalled += ss.stalled.Load()
		slow += ss.slow.Load()
	}
	t.Logf("%d requests in %v (%.0f/s), %d workers, race %v: %d succeeded, %d failed %v",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), workers, raceEnabled, succeeded, sum(failures), failures)
	t.Logf("server: %d attempts served: %d whole (%d slow), %d reset before headers, %d reset mid-body, %d 503, %d stalled; pool retried %d",
		served, ok, slow, reset, midBody, unavailable, stalled, st.Retried)
	t.Logf("heap after warm-up %d KiB, at the end %d KiB (%+.1f%%); goroutines %d then %d",
		heapWarm>>10, heapEnd>>10, 100*(float64(heapEnd)/float64(heapWarm)-1), goroutinesWarm, goroutinesEnd)
	if heapEnd > heapWarm+heapWarm/10 {
		t.Errorf("heap grew from %d to %d bytes, over 10%%", heapWarm, heapEnd)
	}

	p.Close()
	quiesce()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

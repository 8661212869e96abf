package async_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// h2Server is an HTTP/2 server that counts its connections and holds the
// first requests until `together` of them are in its handlers at once.
type h2Server struct {
	*httptest.Server
	conns atomic.Int64
	peak  atomic.Int64 // most requests in the handlers at once
}

func startH2(t *testing.T, maxStreams, together int) *h2Server {
	t.Helper()
	hs := &h2Server{}
	var inFlight, arrived atomic.Int64
	release := make(chan struct{})
	hs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := hs.peak.Load(); n > p && !hs.peak.CompareAndSwap(p, n); p = hs.peak.Load() {
		}
		if a := arrived.Add(1); a == int64(together) {
			close(release)
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, r.Proto)
	}))
	hs.EnableHTTP2 = true
	if maxStreams > 0 {
		hs.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	}
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			hs.conns.Add(1)
		}
	}
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs
}

func (hs *h2Server) session(t *testing.T) *client.Session {
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	s := client.NewSession(client.WithTLSConfig(&tls.Config{RootCAs: pool}))
	t.Cleanup(s.Close)
	return s
}

func gatherN(t *testing.T, p *async.Pool, url string, n int) {
	t.Helper()
	reqs := make([]*client.Request, n)
	for i := range reqs {
		reqs[i] = client.NewRequest("GET", url)
	}
	resps, err := async.Gather(context.Background(), p, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.Proto != "HTTP/2.0" {
			t.Fatalf("got %s, want HTTP/2.0", r.Proto)
		}
	}
}

// TestPoolMultiplexes checks that the pool's per-host concurrency runs as
// streams of one HTTP/2 connection, not as connections.
func TestPoolMultiplexes(t *testing.T) {
	hs := startH2(t, 0, 32)
	p := async.NewPool(hs.session(t), async.Workers(32), async.HostConcurrency(32))
	defer p.Close()
	gatherN(t, p, hs.URL, 96)
	if n := hs.conns.Load(); n != 1 {
		t.Errorf("server saw %d connections, want 1", n)
	}
	if n := hs.peak.Load(); n != 32 {
		t.Errorf("at most %d requests at once, want 32", n)
	}
}

// TestPoolMaxConcurrentStreams shows what happens when the pool lets more
// requests to a host run at once than the server's
// SETTINGS_MAX_CONCURRENT_STREAMS: net/http opens more connections. Within
// the limit, one connection carries them all.
func TestPoolMaxConcurrentStreams(t *testing.T) {
	t.Run("within the limit", func(t *testing.T) {
		// Below the limit, with a margin: net/http frees a stream a moment
		// after its response body ends (see docs/async.md).
		hs := startH2(t, 4, 2)
		p := async.NewPool(hs.session(t), async.Workers(16), async.HostConcurrency(2))
		defer p.Close()
		gatherN(t, p, hs.URL, 32)
		if n := hs.conns.Load(); n != 1 {
			t.Errorf("server saw %d connections, want 1", n)
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		// Eight requests in the handlers at once cannot fit in one
		// connection of four streams.
		hs := startH2(t, 4, 8)
		p := async.NewPool(hs.session(t), async.Workers(16), async.HostConcurrency(8))
		defer p.Close()
		gatherN(t, p, hs.URL, 32)
		if n := hs.conns.Load(); n < 2 {
			t.Errorf("server saw %d connections, want at least 2", n)
		}
		if n := hs.peak.Load(); n != 8 {
			t.Errorf("at most %d requests at once, want 8", n)
		}
	})
}

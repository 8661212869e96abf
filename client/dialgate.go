package client

import (
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// idleConnTimeout is how long the session's transports keep an idle
// connection open.
const idleConnTimeout = 90 * time.Second

// dialGate keeps a burst of requests to a new origin that may speak HTTP/2
// from opening one connection each.
//
// net/http starts a dial for every request that finds no connection ready,
// and only learns whether the origin speaks HTTP/2 once the TLS handshake is
// over; so 64 concurrent requests to a new HTTP/2 origin open up to 64
// connections, and all but one are closed again (golang/go#13957,
// golang/go#27753). The gate lets the first request to an origin whose
// protocol is not known connect alone, and holds the others until it has a
// connection: then an HTTP/2 connection is in the pool for all of them to
// share, and for an HTTP/1.1 origin they dial their own, one handshake late.
// What was learned is kept while the origin is in use, and forgotten once it
// has been idle as long as an idle connection is kept.
//
// The zero dialGate is ready to use once idle is set.
type dialGate struct {
	idle time.Duration // how long an origin's protocol is trusted after its last request

	mu    sync.Mutex // guards hosts, prune and the entries' fields
	hosts map[gateKey]*gateHost
	prune int // the size of hosts at which stale entries are dropped next
}

type gateKey struct{ scheme, host string }

type gateHost struct {
	ready chan struct{} // non-nil while the first request connects; closed when it has a connection or has failed
	known bool          // a connection was made: no request needs to wait
	last  time.Time     // the origin's last request
}

// roundTrip sends req through rt, first waiting for a request to the same
// origin that is connecting, if any. A wait ends with req's context.
func (g *dialGate) roundTrip(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	key := gateKey{req.URL.Scheme, req.URL.Host}
	now := time.Now()
	g.mu.Lock()
	h := g.hosts[key]
	switch {
	case h != nil && h.ready != nil:
		ready := h.ready
		g.mu.Unlock()
		select {
		case <-ready:
		case <-req.Context().Done():
			closeBody(req)
			return nil, req.Context().Err()
		}
		// The first request has a connection, which an HTTP/2 request can
		// share, or it failed, and each request tries on its own.
		return rt.RoundTrip(req)
	case h != nil && h.known && now.Sub(h.last) < g.idle:
		h.last = now
		g.mu.Unlock()
		return rt.RoundTrip(req)
	}
	if h == nil {
		h = new(gateHost)
		g.add(key, h, now)
	}
	h.known, h.ready = false, make(chan struct{})
	g.mu.Unlock()
	return g.lead(rt, req, h)
}

// lead sends the first request to an origin and opens the gate once it has
// a connection, or has failed to get one.
//
// Over TLS that is when the request gets its connection: net/http adds an
// HTTP/2 connection to its pool before it hands it to the request that
// dialed it, so the requests let through find it there. An HTTP/2
// connection in the clear (h2c) is added to the pool only after it has been
// handed over, by the dial's goroutine, with nothing to wait on: for h2c the
// gate opens when the first response arrives, by which time it is almost
// always pooled.
func (g *dialGate) lead(rt http.RoundTripper, req *http.Request, h *gateHost) (*http.Response, error) {
	var once sync.Once
	open := func(connected bool) {
		once.Do(func() {
			g.mu.Lock()
			h.known, h.last = connected, time.Now()
			close(h.ready)
			h.ready = nil
			g.mu.Unlock()
		})
	}
	sent := req
	if req.URL.Scheme == "https" {
		// This trace is added to the first request to an origin only;
		// the attempt's own trace (conntrace.go) stays in the context
		// beneath it.
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { open(true) }}
		sent = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	resp, err := rt.RoundTrip(sent)
	open(err == nil)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// add records a new origin, first dropping the origins that have been idle
// too long once the map has doubled in size since the last time.
func (g *dialGate) add(key gateKey, h *gateHost, now time.Time) {
	if g.hosts == nil {
		g.hosts = make(map[gateKey]*gateHost)
	}
	if len(g.hosts) >= g.prune {
		for k, o := range g.hosts {
			if o.ready == nil && now.Sub(o.last) >= g.idle {
				delete(g.hosts, k)
			}
		}
		g.prune = max(2*len(g.hosts), 256)
	}
	h.last = now
	g.hosts[key] = h
}

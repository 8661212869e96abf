package client

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// connState follows the round trips of a call through net/http/httptrace:
// whether a round trip asked its transport for a connection and whether it
// got one, and the [Timings] of the round trip. A round trip that failed in
// between failed while connecting (dialing, in the TLS handshake, or in a
// proxy's CONNECT), whatever the type of its error: net/http reports a TLS
// handshake timeout with an unexported type, for one.
//
// Transports that do not report to httptrace leave it empty; their errors
// are classified by type alone, and their Timings hold Total only.
//
// Every hook is a closure, an allocation of each call, so the hooks that
// only timings need, and the phases they record, are added when the call
// asks for them (TraceTimings). Hooks may run concurrently (net/http races
// dials) and after the round trip has returned; phases.mu guards what they
// record.
type connState struct {
	flags  atomic.Uint32 // connAsked, connGot, connReused
	start  time.Time     // of the round trip under way, set and read by the call
	hooks  httptrace.ClientTrace
	phases *connPhases // nil unless the call asked for timings
	ctx    traceCtx    // the call's context carrying hooks, if traceKey is known
}

// connPhases is what the timing hooks of a call record.
type connPhases struct {
	mu    sync.Mutex // guards the fields below
	start time.Time  // of the round trip under way, for the hooks
	// When the phases started, as offsets from start (0: not yet), and how
	// long they took.
	dnsStart  time.Duration
	connStart time.Duration
	tlsStart  time.Duration
	dns       time.Duration
	connect   time.Duration
	tls       time.Duration
	firstByte time.Duration
}

// failed reports whether the round trip asked for a connection and never
// got one.
func (s *connState) failed() bool { return s.flags.Load()&(connAsked|connGot) == connAsked }

// The flags of a round trip.
const (
	connAsked  = 1 << iota // it asked for a connection
	connGot                // it got one
	connReused             // the one it got had carried requests before
)

// got reports whether the round trip under way has its connection.
func (s *connState) got() bool { return s.flags.Load()&connGot != 0 }

// reset clears the state before a round trip. The round trips of a call
// run one after another, so one state serves them all.
func (s *connState) reset() {
	s.flags.Store(0)
	s.start = time.Now()
	if p := s.phases; p != nil {
		p.mu.Lock()
		p.start = s.start
		p.dnsStart, p.connStart, p.tlsStart = 0, 0, 0
		p.dns, p.connect, p.tls, p.firstByte = 0, 0, 0, 0
		p.mu.Unlock()
	}
}

// trace returns ctx reporting to s the connections that the transports of
// requests made with it get, and with timings also the phases of their
// round trips. It is done once per call rather than per round trip, since
// it costs a context and a copy of the request. Traces already in ctx keep
// working.
func (s *connState) trace(ctx context.Context, timings bool) context.Context {
	s.hooks = httptrace.ClientTrace{
		GetConn: func(string) { s.flags.Or(connAsked) },
		GotConn: func(info httptrace.GotConnInfo) {
			if s.flags.Or(connGot)&connGot == 0 && info.Reused {
				s.flags.Or(connReused)
			}
		},
	}
	if timings {
		s.phases = new(connPhases)
		s.hooks.DNSStart = s.dnsStarted
		s.hooks.DNSDone = s.dnsDone
		s.hooks.ConnectStart = s.connectStarted
		s.hooks.ConnectDone = s.connectDone
		s.hooks.TLSHandshakeStart = s.tlsStarted
		s.hooks.TLSHandshakeDone = s.tlsDone
		s.hooks.GotFirstResponseByte = s.gotFirstByte
	}
	if timings || traceKey == nil || httptrace.ContextClientTrace(ctx) != nil {
		// Timings add hooks of the net package, which httptrace keeps
		// under a key of its own, and a trace already in ctx must be
		// composed with: httptrace does both.
		return httptrace.WithClientTrace(ctx, &s.hooks)
	}
	s.ctx = traceCtx{ctx, &s.hooks}
	return &s.ctx
}

// traceKey is the key under which httptrace keeps a ClientTrace in a
// context, learned by watching ContextClientTrace look one up, or nil if
// it could not be learned. With it a call's trace is carried by a
// traceCtx in the call's own memory: httptrace.WithClientTrace would cost
// an allocation per call.
var traceKey = probeTraceKey()

func probeTraceKey() any {
	p := &keyProbe{Context: context.Background()}
	httptrace.ContextClientTrace(p)
	if p.key == nil || p.n != 1 || !reflect.TypeOf(p.key).Comparable() {
		return nil
	}
	return p.key
}

// keyProbe is a context that records the keys it is asked for.
type keyProbe struct {
	context.Context
	key any
	n   int
}

func (p *keyProbe) Value(k any) any {
	p.key, p.n = k, p.n+1
	return nil
}

// traceCtx is a context carrying a ClientTrace, as httptrace.WithClientTrace
// makes one when the context has none yet and no hooks of the net package
// are set.
type traceCtx struct {
	context.Context
	trace *httptrace.ClientTrace
}

func (c *traceCtx) Value(k any) any {
	if k == traceKey {
		return c.trace
	}
	return c.Context.Value(k)
}

// The dial hooks ignore what comes once the round trip has its connection:
// a dial it started may finish for another request, after losing the race
// to an idle connection.

func (s *connState) dnsStarted(httptrace.DNSStartInfo) { s.began(&s.phases.dnsStart) }

func (s *connState) dnsDone(httptrace.DNSDoneInfo) { s.ended(&s.phases.dnsStart, &s.phases.dns, nil) }

func (s *connState) connectStarted(string, string) { s.began(&s.phases.connStart) }

func (s *connState) connectDone(_, _ string, err error) {
	s.ended(&s.phases.connStart, &s.phases.connect, err)
}

func (s *connState) tlsStarted() { s.began(&s.phases.tlsStart) }

func (s *connState) tlsDone(_ tls.ConnectionState, err error) {
	s.ended(&s.phases.tlsStart, &s.phases.tls, err)
}

func (s *connState) gotFirstByte() {
	p := s.phases
	p.mu.Lock()
	if p.firstByte == 0 {
		p.firstByte = time.Since(p.start)
	}
	p.mu.Unlock()
}

// began records in *at that a phase started now.
func (s *connState) began(at *time.Duration) {
	p := s.phases
	p.mu.Lock()
	if !s.got() {
		*at = time.Since(p.start)
	}
	p.mu.Unlock()
}

// ended records in *took how long the phase that began at *began took,
// unless it failed.
func (s *connState) ended(began, took *time.Duration, err error) {
	p := s.phases
	p.mu.Lock()
	if !s.got() && err == nil && *began > 0 {
		*took = time.Since(p.start) - *began
	}
	p.mu.Unlock()
}

// timings returns what the round trip under way recorded, with Total
// measured to end. On a reused connection nothing was resolved, dialed or
// negotiated: a dial the round trip started and lost is not reported.
func (s *connState) timings(end time.Time) Timings {
	t := Timings{Total: end.Sub(s.start), Reused: s.flags.Load()&connReused != 0}
	if p := s.phases; p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		t.FirstByte = p.firstByte
		if !t.Reused {
			t.DNS, t.Connect, t.TLS = p.dns, p.connect, p.tls
		}
	}
	return t
}

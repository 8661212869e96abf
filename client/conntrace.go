package client

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
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
// only timings need are added when the call asks for them (TraceTimings).
// Hooks may run concurrently (net/http races dials) and after the round
// trip has returned; mu guards what they record.
type connState struct {
	asked  atomic.Bool
	got    atomic.Bool
	reused atomic.Bool
	hooks  httptrace.ClientTrace

	mu    sync.Mutex // guards the fields below
	start time.Time  // of the round trip under way
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
func (s *connState) failed() bool { return s.asked.Load() && !s.got.Load() }

// reset clears the state before a round trip. The round trips of a call
// run one after another, so one state serves them all.
func (s *connState) reset() {
	s.asked.Store(false)
	s.got.Store(false)
	s.reused.Store(false)
	s.mu.Lock()
	s.start = time.Now()
	s.dnsStart, s.connStart, s.tlsStart = 0, 0, 0
	s.dns, s.connect, s.tls, s.firstByte = 0, 0, 0, 0
	s.mu.Unlock()
}

// trace returns ctx reporting to s the connections that the transports of
// requests made with it get, and with timings also the phases of their
// round trips. It is done once per call rather than per round trip, since
// it costs a context and a copy of the request. Traces already in ctx keep
// working.
func (s *connState) trace(ctx context.Context, timings bool) context.Context {
	s.hooks = httptrace.ClientTrace{
		GetConn: func(string) { s.asked.Store(true) },
		GotConn: func(info httptrace.GotConnInfo) {
			if !s.got.Swap(true) {
				s.reused.Store(info.Reused)
			}
		},
	}
	if timings {
		s.hooks.DNSStart = s.dnsStarted
		s.hooks.DNSDone = s.dnsDone
		s.hooks.ConnectStart = s.connectStarted
		s.hooks.ConnectDone = s.connectDone
		s.hooks.TLSHandshakeStart = s.tlsStarted
		s.hooks.TLSHandshakeDone = s.tlsDone
		s.hooks.GotFirstResponseByte = s.gotFirstByte
	}
	return httptrace.WithClientTrace(ctx, &s.hooks)
}

// The dial hooks ignore what comes once the round trip has its connection:
// a dial it started may finish for another request, after losing the race
// to an idle connection.

func (s *connState) dnsStarted(httptrace.DNSStartInfo) { s.began(&s.dnsStart) }

func (s *connState) dnsDone(httptrace.DNSDoneInfo) { s.ended(&s.dnsStart, &s.dns, nil) }

func (s *connState) connectStarted(string, string) { s.began(&s.connStart) }

func (s *connState) connectDone(_, _ string, err error) { s.ended(&s.connStart, &s.connect, err) }

func (s *connState) tlsStarted() { s.began(&s.tlsStart) }

func (s *connState) tlsDone(_ tls.ConnectionState, err error) { s.ended(&s.tlsStart, &s.tls, err) }

func (s *connState) gotFirstByte() {
	s.mu.Lock()
	if s.firstByte == 0 {
		s.firstByte = time.Since(s.start)
	}
	s.mu.Unlock()
}

// began records in *at that a phase started now.
func (s *connState) began(at *time.Duration) {
	s.mu.Lock()
	if !s.got.Load() {
		*at = time.Since(s.start)
	}
	s.mu.Unlock()
}

// ended records in *took how long the phase that began at *began took,
// unless it failed.
func (s *connState) ended(began, took *time.Duration, err error) {
	s.mu.Lock()
	if !s.got.Load() && err == nil && *began > 0 {
		*took = time.Since(s.start) - *began
	}
	s.mu.Unlock()
}

// timings returns what the round trip under way recorded, with Total
// measured to end. On a reused connection nothing was resolved, dialed or
// negotiated: a dial the round trip started and lost is not reported.
func (s *connState) timings(end time.Time) Timings {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Timings{FirstByte: s.firstByte, Total: end.Sub(s.start), Reused: s.reused.Load()}
	if !t.Reused {
		t.DNS, t.Connect, t.TLS = s.dns, s.connect, s.tls
	}
	return t
}

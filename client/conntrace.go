package client

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
)

// connState records whether a round trip asked its transport for a
// connection and whether it got one. A round trip that failed in between
// failed while connecting (dialing, in the TLS handshake, or in a proxy's
// CONNECT), whatever the type of its error: net/http reports a TLS
// handshake timeout with an unexported type, for one.
//
// Transports that do not report to httptrace leave both flags unset; their
// errors are classified by type alone.
type connState struct {
	asked atomic.Bool
	got   atomic.Bool
	hooks httptrace.ClientTrace
}

// failed reports whether the round trip asked for a connection and never
// got one.
func (s *connState) failed() bool { return s.asked.Load() && !s.got.Load() }

// reset clears the state before a round trip. The round trips of a call
// run one after another, so one state serves them all.
func (s *connState) reset() {
	s.asked.Store(false)
	s.got.Store(false)
}

// trace returns ctx reporting to s the connections that the transports of
// requests made with it get. It is done once per call rather than per
// round trip, since it costs a context and a copy of the request. Traces
// already in ctx keep working.
func (s *connState) trace(ctx context.Context) context.Context {
	s.hooks = httptrace.ClientTrace{
		GetConn: func(string) { s.asked.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { s.got.Store(true) },
	}
	return httptrace.WithClientTrace(ctx, &s.hooks)
}

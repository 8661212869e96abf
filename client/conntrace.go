package client

import (
	"net/http"
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
}

// failed reports whether the round trip asked for a connection and never
// got one.
func (s *connState) failed() bool { return s.asked.Load() && !s.got.Load() }

// traceConn returns a shallow copy of req whose context reports the
// connection the transport gets, and the state it reports to. Traces already
// in the context keep working.
func traceConn(req *http.Request) (*http.Request, *connState) {
	s := new(connState)
	trace := &httptrace.ClientTrace{
		GetConn: func(string) { s.asked.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { s.got.Store(true) },
	}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace)), s
}

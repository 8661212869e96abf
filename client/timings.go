package client

import "time"

// Timings break down where the time of a request went, as net/http/httptrace
// reports it. They describe the request that produced the response: the
// last redirect hop, and of that hop the last attempt if it was retried.
// Each response in [Response.History] has the timings of its own hop.
//
// Total and Reused are always there. DNS, Connect, TLS and FirstByte are
// recorded when the request asks with [TraceTimings]: each phase needs an
// httptrace hook, which costs every call an allocation, so they are off by
// default and zero without it.
//
// On a connection that was reused (Reused is true) nothing was resolved,
// dialed or negotiated, so DNS, Connect and TLS are zero; so is TLS for an
// http:// URL, and DNS for an IP address. Over HTTP/2 and HTTP/3 every
// request after the first on a connection is a reused one, including those
// sent at the same time as the first, which waited for its connection.
//
// Over HTTP/3, Connect and TLS both cover the QUIC handshake, which sets up
// the connection and TLS 1.3 at once. When the QUIC handshake fails and the
// request falls back to TCP, DNS, Connect and TLS are those of the TCP
// connection, while FirstByte and Total include the failed handshake.
//
// A transport that does not report to httptrace (one given with
// [WithTransport] or [Mount], say) leaves DNS, Connect, TLS and Reused
// zero, and FirstByte too unless it reports the first response byte.
type Timings struct {
	// DNS is the time spent resolving the host name.
	DNS time.Duration
	// Connect is the time spent opening the TCP connection (to the proxy,
	// if one is used).
	Connect time.Duration
	// TLS is the time spent in the TLS handshake.
	TLS time.Duration
	// FirstByte is the time from the start of the request to the first
	// byte of the response: connecting, sending the request and waiting
	// for the server.
	FirstByte time.Duration
	// Total is the time from the start of the request to the end of the
	// response body, read into memory; for a streamed response (see
	// [Stream]), to the response headers.
	Total time.Duration
	// Reused reports whether the request was sent on a connection that
	// was already open.
	Reused bool
}

// TraceTimings records all of [Response.Timings]: DNS, connect, TLS and
// first byte as well as the total and whether the connection was reused,
// which are always recorded. Given to [NewSession] it applies to every
// request of the session; given to a request it applies to that request,
// and TraceTimings(false) turns it off for a request of a session that has
// it on.
func TraceTimings(on bool) TimingsOption { return TimingsOption{on} }

// TimingsOption is a session [Option] and a [RequestOption]; see
// [TraceTimings].
type TimingsOption struct{ on bool }

func (o TimingsOption) applySession(c *config) { c.timings = o.on }

func (o TimingsOption) applyRequest(r *Request) { r.timings, r.timingsSet = o.on, true }

// traceTimings reports whether a call of r on s records all its timings.
func (r *Request) traceTimings(s *Session) bool {
	if r.timingsSet {
		return r.timings
	}
	return s.cfg.timings
}

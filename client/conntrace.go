package client

import (
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// attemptTrace follows one attempt (one request sent) through
// net/http/httptrace. It records whether the attempt asked its transport
// for a connection and whether it got one: an attempt that failed in
// between failed while connecting (dialing, in the TLS handshake, or in a
// proxy's CONNECT), whatever the type of its error; net/http reports a TLS
// handshake timeout with an unexported type, for one. It also records the
// [Timings] of the attempt.
//
// Transports that do not report to httptrace leave it empty; their errors
// are classified by type alone, and their Timings hold only FirstByte (if
// they report it) and Total.
//
// Hooks may run concurrently (net/http races dials) and after the round
// trip has returned; mu guards what they record.
type attemptTrace struct {
	trace httptrace.ClientTrace
	start time.Time

	mu        sync.Mutex
	asked     bool // the transport was asked for a connection
	got       bool // and got one; later dial events belong to other requests
	reused    bool
	dnsStart  time.Time
	connStart time.Time
	tlsStart  time.Time
	dns       time.Duration
	connect   time.Duration
	tls       time.Duration
	firstByte time.Duration
}

// traceAttempt returns a shallow copy of req whose context reports to a new
// attemptTrace, and that trace. Traces already in the context keep working.
func traceAttempt(req *http.Request) (*http.Request, *attemptTrace) {
	t := &attemptTrace{start: time.Now()}
	t.trace = httptrace.ClientTrace{
		GetConn:              t.getConn,
		GotConn:              t.gotConn,
		DNSStart:             t.dnsStarted,
		DNSDone:              t.dnsDone,
		ConnectStart:         t.connectStarted,
		ConnectDone:          t.connectDone,
		TLSHandshakeStart:    t.tlsStarted,
		TLSHandshakeDone:     t.tlsDone,
		GotFirstResponseByte: t.gotFirstByte,
	}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), &t.trace)), t
}

// failed reports whether the attempt asked for a connection and never got
// one.
func (t *attemptTrace) failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.asked && !t.got
}

func (t *attemptTrace) getConn(string) {
	t.mu.Lock()
	t.asked = true
	t.mu.Unlock()
}

func (t *attemptTrace) gotConn(info httptrace.GotConnInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.got {
		return
	}
	t.got, t.reused = true, info.Reused
	if info.Reused {
		// A dial this request started may have lost the race to an idle
		// connection: its timings are not this request's.
		t.dns, t.connect, t.tls = 0, 0, 0
	}
}

func (t *attemptTrace) dnsStarted(httptrace.DNSStartInfo) {
	now := time.Now()
	t.mu.Lock()
	if !t.got {
		t.dnsStart = now
	}
	t.mu.Unlock()
}

func (t *attemptTrace) dnsDone(httptrace.DNSDoneInfo) {
	now := time.Now()
	t.mu.Lock()
	if !t.got && !t.dnsStart.IsZero() {
		t.dns = now.Sub(t.dnsStart)
	}
	t.mu.Unlock()
}

func (t *attemptTrace) connectStarted(string, string) {
	now := time.Now()
	t.mu.Lock()
	if !t.got {
		t.connStart = now
	}
	t.mu.Unlock()
}

func (t *attemptTrace) connectDone(_, _ string, err error) {
	now := time.Now()
	t.mu.Lock()
	if !t.got && err == nil && !t.connStart.IsZero() {
		t.connect = now.Sub(t.connStart)
	}
	t.mu.Unlock()
}

func (t *attemptTrace) tlsStarted() {
	now := time.Now()
	t.mu.Lock()
	if !t.got {
		t.tlsStart = now
	}
	t.mu.Unlock()
}

func (t *attemptTrace) tlsDone(_ tls.ConnectionState, err error) {
	now := time.Now()
	t.mu.Lock()
	if !t.got && err == nil && !t.tlsStart.IsZero() {
		t.tls = now.Sub(t.tlsStart)
	}
	t.mu.Unlock()
}

func (t *attemptTrace) gotFirstByte() {
	now := time.Now()
	t.mu.Lock()
	if t.firstByte == 0 {
		t.firstByte = now.Sub(t.start)
	}
	t.mu.Unlock()
}

// timings returns what the trace recorded, with Total measured to end.
func (t *attemptTrace) timings(end time.Time) Timings {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Timings{
		DNS:       t.dns,
		Connect:   t.connect,
		TLS:       t.tls,
		FirstByte: t.firstByte,
		Total:     end.Sub(t.start),
		Reused:    t.reused,
	}
}

package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// Defaults of [HTTP3Config].
const (
	DefaultHandshakeTimeout = time.Second
	DefaultFallbackFor      = 5 * time.Minute
)

// HTTP3Config sets how a session uses HTTP/3. The zero value takes the
// defaults: every https:// request tries HTTP/3 first, a QUIC handshake may
// take a second, and an origin that failed one is reached over TCP for five
// minutes.
//
// When the QUIC handshake with an origin fails or times out (UDP blocked on
// the way, no HTTP/3 server on the port, a certificate QUIC cannot verify),
// the request is sent over TCP instead, with HTTP/2 or HTTP/1.1 as the
// session's protocols allow, and the origin is reached over TCP only for
// FallbackFor. Nothing of the request has been sent at that point, so the
// fallback is safe for any method. Without HTTP1 or HTTP2 in the protocols
// there is no fallback: the request fails with [ErrConnect].
//
// HTTP/3 is never used through a proxy: requests the session's proxy
// settings send to a proxy go over TCP, or fail with [ErrProxy] and
// [ErrConnect] if the session has no TCP protocol.
// [WithDialer] does not apply to QUIC, which opens a UDP socket of its own.
type HTTP3Config struct {
	// AltSvc turns on discovery: HTTP/3 is used for an origin only once a
	// response from it has advertised HTTP/3 in an Alt-Svc header (RFC
	// 7838), such as `Alt-Svc: h3=":443"; ma=3600`, and until the
	// advertisement expires (its ma parameter, 24 hours by default). Only
	// alternatives on the origin's own host are used, on the port given.
	// A later Alt-Svc header replaces what an earlier one said, and
	// "clear" forgets it. Without AltSvc, every https:// request tries
	// HTTP/3 on the origin's own port first. AltSvc has no effect when the
	// session has no TCP protocol to learn from.
	AltSvc bool
	// HandshakeTimeout bounds the QUIC handshake before the request falls
	// back to TCP. Default [DefaultHandshakeTimeout]; never more than the
	// session's connect timeout.
	HandshakeTimeout time.Duration
	// FallbackFor is how long an origin whose QUIC handshake failed is
	// reached over TCP only, before HTTP/3 is tried again. Default
	// [DefaultFallbackFor].
	FallbackFor time.Duration
}

// WithHTTP3 adds [HTTP3] to the session's protocols ([DefaultProtocols] if
// none were set) and configures it with cfg. Options apply in order: a
// later [WithProtocols] replaces the set, HTTP3 included.
func WithHTTP3(cfg HTTP3Config) Option {
	return optionFunc(func(c *config) {
		c.http3 = cfg
		c.protocols = c.protocols.orDefault() | HTTP3
	})
}

// h3Transport sends https:// requests over HTTP/3, and over the session's
// TCP transport when QUIC is not available. It owns its QUIC connections and
// their UDP socket, which it opens at the first HTTP/3 request: a session
// that never sends one never opens a socket nor starts a goroutine.
type h3Transport struct {
	cfg           HTTP3Config   // defaults filled in
	tls           *tls.Config   // the session's, for QUIC
	headerTimeout time.Duration // the session's Timeouts.Header; 0 for none
	quic          *quic.Config
	fallback      http.RoundTripper // TCP for https:// URLs; nil if the session has none
	conns         *http3.Transport  // makes HTTP/3 client connections; never dials nor listens itself

	mu     sync.Mutex           // guards the fields below and the fields of pool
	pool   *h3Pool              // the current pool; nil until the first dial and after closeIdle
	broken hostTimes            // origin → reached over TCP only until then
	alt    map[string]altRecord // origin → where it offers HTTP/3 (AltSvc only)
}

// h3Pool is a UDP socket and the QUIC connections over it. A pool retired
// by closeIdle is shut down once the requests in flight over it are done.
type h3Pool struct {
	udp     net.PacketConn // nil until the first dial
	tr      *quic.Transport
	conns   map[string]*h3Conn // by origin
	users   int                // requests in flight, until their response bodies are closed
	retired bool
}

// h3Conn is a QUIC connection to one origin, or the dial of one, which the
// requests that want it wait for.
type h3Conn struct {
	ready    chan struct{} // closed when the dial has ended; the fields below are set before
	qc       *quic.Conn
	cc       *http3.ClientConn
	err      error
	canceled bool // the dial ended because the request that made it did
}

// altRecord is an HTTP/3 endpoint an origin advertised.
type altRecord struct {
	addr  string // host:port to dial
	until time.Time
}

func newH3Transport(c *config, fallback http.RoundTripper) *h3Transport {
	cfg := c.http3
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if ct := c.timeouts.Connect; ct > 0 && ct < cfg.HandshakeTimeout {
		cfg.HandshakeTimeout = ct
	}
	if cfg.FallbackFor <= 0 {
		cfg.FallbackFor = DefaultFallbackFor
	}
	tlsConfig := c.tlsClientConfig()
	tlsConfig.NextProtos = []string{http3.NextProtoH3}
	return &h3Transport{
		cfg:           cfg,
		tls:           tlsConfig,
		headerTimeout: c.timeouts.Header,
		quic: &quic.Config{
			Versions:             []quic.Version{quic.Version1},
			HandshakeIdleTimeout: cfg.HandshakeTimeout,
			MaxIdleTimeout:       idleConnTimeout,
			MaxIncomingStreams:   -1, // servers open no request streams
		},
		fallback: fallback,
		conns:    &http3.Transport{DisableCompression: true},
		broken:   make(hostTimes),
		alt:      make(map[string]altRecord),
	}
}

// quicDialError is a failed QUIC handshake: nothing of the request was
// sent, so it may go over TCP instead.
type quicDialError struct{ err error }

func (e *quicDialError) Error() string { return "client: HTTP/3: " + e.err.Error() }
func (e *quicDialError) Unwrap() error { return e.err }

// RoundTrip sends an https:// request over HTTP/3 if the origin is known or
// believed to offer it, and over TCP otherwise.
func (t *h3Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	origin := authority(req.URL)
	addr, ok := t.route(req, origin)
	if !ok {
		return t.overTCP(req, origin)
	}
	resp, err := t.overQUIC(req, origin, addr)
	var de *quicDialError
	if errors.As(err, &de) {
		t.markBroken(origin)
		if t.fallback != nil {
			return t.overTCP(req, origin)
		}
	}
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if t.cfg.AltSvc {
		t.learn(origin, req.URL.Hostname(), resp.Header)
	}
	return resp, nil
}

// route returns the UDP address to send req to over HTTP/3, or false if
// it goes over TCP.
func (t *h3Transport) route(req *http.Request, origin string) (string, bool) {
	if u, _ := proxyFromContext(req); u != nil {
		return "", false // the proxy ownTransport chose: over TCP
	}
	if t.fallback == nil {
		return origin, true
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if until, ok := t.broken[origin]; ok {
		if now.Before(until) {
			return "", false
		}
		delete(t.broken, origin)
	}
	if !t.cfg.AltSvc {
		return origin, true
	}
	a, ok := t.alt[origin]
	if !ok {
		return "", false
	}
	if !now.Before(a.until) {
		delete(t.alt, origin)
		return "", false
	}
	return a.addr, true
}

// overTCP sends req over the session's TCP transport, and learns from
// Alt-Svc.
func (t *h3Transport) overTCP(req *http.Request, origin string) (*http.Response, error) {
	if t.fallback == nil {
		closeBody(req)
		u, _ := proxyFromContext(req)
		return nil, fmt.Errorf("%w: %w: HTTP/3 cannot go through %s, and the session has no TCP protocol", ErrConnect, ErrProxy, proxyName(u))
	}
	resp, err := t.fallback.RoundTrip(req)
	if err == nil && t.cfg.AltSvc {
		t.learn(origin, req.URL.Hostname(), resp.Header)
	}
	return resp, err
}

// markBroken sends origin over TCP for a while.
func (t *h3Transport) markBroken(origin string) {
	now := time.Now()
	t.mu.Lock()
	t.broken.set(origin, now.Add(t.cfg.FallbackFor), now)
	t.mu.Unlock()
}

// learn records what an Alt-Svc header of a response from origin says
// about HTTP/3. A response without one changes nothing.
func (t *h3Transport) learn(origin, host string, h http.Header) {
	values := h.Values("Alt-Svc")
	if len(values) == 0 {
		return
	}
	port, maxAge, ok := parseAltSvc(values, host)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !ok || maxAge <= 0 {
		delete(t.alt, origin)
		return
	}
	if len(t.alt) >= maxRemembered {
		now := time.Now()
		for k, a := range t.alt {
			if !now.Before(a.until) {
				delete(t.alt, k)
			}
		}
		if len(t.alt) >= maxRemembered {
			return // too many live entries: forget nothing, learn nothing new
		}
	}
	t.alt[origin] = altRecord{addr: net.JoinHostPort(host, port), until: time.Now().Add(maxAge)}
}

// overQUIC sends req over a QUIC connection to addr, made for origin. A
// failed handshake is a *quicDialError, with req's body untouched.
func (t *h3Transport) overQUIC(req *http.Request, origin, addr string) (*http.Response, error) {
	orig, ctx := req, req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(origin)
	}
	p := t.acquire()
	c, reused, err := t.conn(ctx, p, origin, addr)
	if err != nil {
		t.release(p)
		return nil, err
	}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: quicNetConn{c.qc}, Reused: reused})
	}
	// The header timeout is net/http's ResponseHeaderTimeout for HTTP/3:
	// it runs from the end of the request body to the response headers.
	// Its context lives until the response body is closed.
	var ht *headerTimer
	cancel := func() {}
	if d := t.headerTimeout; d > 0 {
		var hctx context.Context
		hctx, cancel = context.WithCancel(ctx)
		ht = &headerTimer{d: d, cancel: cancel}
		req = req.WithContext(hctx)
	}
	sent := req
	var body *sendBody
	if req.Body != nil && req.Body != http.NoBody {
		body = &sendBody{ReadCloser: req.Body, sent: ht.start}
		r := *req
		r.Body = body
		sent = &r
	} else {
		ht.start()
	}
	done := func() {
		cancel()
		t.release(p)
	}
	resp, err := c.cc.RoundTrip(sent)
	if ht.stop() {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		done()
		if ctx.Err() != nil {
			return nil, ctx.Err() // the caller's deadline or cancellation came first
		}
		return nil, fmt.Errorf("%w: no response headers within %v", ErrTimeout, t.headerTimeout)
	}
	if err == nil {
		if berr := body.failure(); berr != nil {
			// The body failed before the response came: the server
			// answered a request it did not get whole, as a reset stream
			// told it.
			if resp.Body != nil {
				resp.Body.Close()
			}
			resp, err = nil, berr
		}
	}
	if err != nil {
		if c.qc.Context().Err() != nil {
			t.drop(p, origin, c)
		}
		done()
		if berr := body.failure(); berr != nil {
			// The request stream was reset because the body failed: that
			// is the cause, as net/http reports it.
			err = berr
		}
		return nil, err
	}
	if resp.Body == nil {
		done()
		resp.Body = http.NoBody
	} else {
		resp.Body = &h3Body{ReadCloser: resp.Body, release: done}
	}
	resp.Request = orig
	return resp, nil
}

// acquire returns the current pool, counting one more request in flight.
func (t *h3Transport) acquire() *h3Pool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pool == nil {
		t.pool = &h3Pool{conns: make(map[string]*h3Conn)}
	}
	t.pool.users++
	return t.pool
}

// release counts one request of p done, and shuts p down if it is retired
// and that was the last.
func (t *h3Transport) release(p *h3Pool) {
	t.mu.Lock()
	p.users--
	last := p.retired && p.users == 0
	t.mu.Unlock()
	if last {
		p.shutdown()
	}
}

// closeIdle retires the current pool: new requests get a new one, and the
// old one is shut down once its requests are done.
func (t *h3Transport) closeIdle() {
	t.mu.Lock()
	p := t.pool
	t.pool = nil
	idle := p != nil && p.users == 0
	if p != nil {
		p.retired = true
	}
	t.mu.Unlock()
	if idle {
		p.shutdown()
	}
}

// shutdown closes the connections of a retired pool that nobody uses, and
// its socket.
func (p *h3Pool) shutdown() {
	for _, c := range p.conns {
		if c.qc != nil {
			c.qc.CloseWithError(0, "")
		}
	}
	if p.tr != nil {
		p.tr.Close() // waits for the socket's reader to return
		p.udp.Close()
	}
}

// conn returns a connection of p to origin, dialing addr if there is none.
// Requests that want a connection being dialed wait for that dial; reused
// reports that this request did not dial it.
func (t *h3Transport) conn(ctx context.Context, p *h3Pool, origin, addr string) (c *h3Conn, reused bool, err error) {
	for {
		t.mu.Lock()
		c = p.conns[origin]
		if c == nil {
			c = &h3Conn{ready: make(chan struct{})}
			p.conns[origin] = c
			t.mu.Unlock()
			t.dial(ctx, p, c, origin, addr)
			if c.err != nil {
				return nil, false, c.err
			}
			return c, false, nil
		}
		t.mu.Unlock()
		select {
		case <-c.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		switch {
		case c.err == nil && c.qc.Context().Err() == nil:
			return c, true, nil
		case c.err != nil && !c.canceled:
			return nil, false, c.err // the handshake failed for everyone
		}
		// The connection is gone, or its dial ended with the request that
		// made it: start again.
		t.drop(p, origin, c)
	}
}

// drop forgets c if it is still p's connection to origin.
func (t *h3Transport) drop(p *h3Pool, origin string, c *h3Conn) {
	t.mu.Lock()
	if p.conns[origin] == c {
		delete(p.conns, origin)
	}
	t.mu.Unlock()
}

// dial makes the QUIC connection c to addr for origin, within the
// handshake timeout, and reports the steps to ctx's trace. It closes
// c.ready when done; on failure it forgets c.
func (t *h3Transport) dial(ctx context.Context, p *h3Pool, c *h3Conn, origin, addr string) {
	defer close(c.ready)
	err := t.handshake(ctx, p, c, addr)
	if err == nil {
		c.cc = t.conns.NewClientConn(c.qc)
		return
	}
	if ctx.Err() != nil {
		c.err, c.canceled = ctx.Err(), true // the request ended, not the handshake
	} else {
		c.err = &quicDialError{err}
	}
	t.drop(p, origin, c)
}

func (t *h3Transport) handshake(ctx context.Context, p *h3Pool, c *h3Conn, addr string) error {
	tr, err := t.transport(p)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	udpAddr, err := resolveUDP(dctx, host, port)
	if err != nil {
		return err
	}
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.ConnectStart != nil {
		trace.ConnectStart("udp", udpAddr.String())
	}
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	tlsConfig := t.tls.Clone()
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	qc, err := tr.Dial(dctx, udpAddr, tlsConfig, t.quic)
	if trace != nil && trace.TLSHandshakeDone != nil {
		var state tls.ConnectionState
		if qc != nil {
			state = qc.ConnectionState().TLS
		}
		trace.TLSHandshakeDone(state, err)
	}
	if trace != nil && trace.ConnectDone != nil {
		trace.ConnectDone("udp", udpAddr.String(), err)
	}
	if err != nil {
		return err
	}
	c.qc = qc
	return nil
}

// transport returns p's QUIC transport, opening its UDP socket at the
// first call.
func (t *h3Transport) transport(p *h3Pool) (*quic.Transport, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.tr == nil {
		udp, err := net.ListenUDP("udp", nil)
		if err != nil {
			return nil, err
		}
		p.udp, p.tr = udp, &quic.Transport{Conn: udp}
	}
	return p.tr, nil
}

// resolveUDP resolves host with the default resolver, which reports to the
// context's trace, and prefers an IPv4 address as net.Dial does.
func resolveUDP(ctx context.Context, host, port string) (*net.UDPAddr, error) {
	portNum, err := net.DefaultResolver.LookupPort(ctx, "udp", port)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return &net.UDPAddr{IP: ip, Port: portNum}, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	best := addrs[0]
	for _, a := range addrs {
		if a.IP.To4() != nil {
			best = a
			break
		}
	}
	return &net.UDPAddr{IP: best.IP, Port: portNum, Zone: best.Zone}, nil
}

// authority returns u's host and port, with the scheme's default port if
// u has none: the key of an origin.
func authority(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), portOf(u))
}

// h3Body is the body of an HTTP/3 response: closing it ends the request's
// hold on its connection pool.
type h3Body struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *h3Body) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// sendBody is the body of a request sent over HTTP/3. It records the
// error that ended reading it, if any: quic-go sends the body on a
// goroutine of its own, resets the stream when reading fails, and reports
// only what the server made of that (an error, or a response to a request
// it did not get whole).
type sendBody struct {
	io.ReadCloser
	sent func()     // called once the body has been read to its end
	mu   sync.Mutex // guards err
	err  error
}

func (b *sendBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.sent()
	case err != nil:
		b.mu.Lock()
		b.err = err
		b.mu.Unlock()
	}
	return n, err
}

// failure returns the error that ended reading the body; nil for a nil
// sendBody.
func (b *sendBody) failure() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// headerTimer cancels a request whose response headers have not come d
// after start. Its methods do nothing on a nil headerTimer.
type headerTimer struct {
	d      time.Duration
	cancel func()

	mu      sync.Mutex // guards the fields below
	t       *time.Timer
	fired   bool
	stopped bool
}

// start starts the timer, once.
func (h *headerTimer) start() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.t == nil && !h.stopped {
		h.t = time.AfterFunc(h.d, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if !h.stopped {
				h.fired = true
				h.cancel()
			}
		})
	}
}

// stop stops the timer and reports whether it fired.
func (h *headerTimer) stop() bool {
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.t != nil {
		h.t.Stop()
	}
	return h.fired
}

// quicNetConn stands for a QUIC connection in [httptrace.GotConnInfo],
// which wants a net.Conn: it has addresses, and refuses I/O.
type quicNetConn struct{ qc *quic.Conn }

var errQUICConn = errors.New("client: a QUIC connection has no byte stream")

func (c quicNetConn) Read([]byte) (int, error)         { return 0, errQUICConn }
func (c quicNetConn) Write([]byte) (int, error)        { return 0, errQUICConn }
func (c quicNetConn) Close() error                     { return errQUICConn }
func (c quicNetConn) LocalAddr() net.Addr              { return c.qc.LocalAddr() }
func (c quicNetConn) RemoteAddr() net.Addr             { return c.qc.RemoteAddr() }
func (c quicNetConn) SetDeadline(time.Time) error      { return errQUICConn }
func (c quicNetConn) SetReadDeadline(time.Time) error  { return errQUICConn }
func (c quicNetConn) SetWriteDeadline(time.Time) error { return errQUICConn }

// maxRemembered bounds what an h3Transport remembers per origin (broken
// origins, Alt-Svc records), so that a crawler visiting millions of hosts
// keeps only what is still in force.
const maxRemembered = 1 << 14

// hostTimes maps origins to a time.
type hostTimes map[string]time.Time

// set records until for origin, first dropping the entries that have
// passed if the map is full. When every entry is live, it keeps them and
// forgets nothing: the origin is simply not recorded.
func (m hostTimes) set(origin string, until, now time.Time) {
	if _, ok := m[origin]; !ok && len(m) >= maxRemembered {
		for k, u := range m {
			if !now.Before(u) {
				delete(m, k)
			}
		}
		if len(m) >= maxRemembered {
			return
		}
	}
	m[origin] = until
}

package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// h1Transport sends plain-text HTTP/1.1 requests without a body on the
// caller's goroutine. The request is written with net/http's
// [http.Request.Write] and the response read with [http.ReadResponse], the
// code net/http's own transport uses on the wire; what differs is who runs
// it. net/http's transport hands every request to the read and write loops
// of its connection, goroutines of their own, and waits for their answers:
// three or four goroutine switches and as many channel operations per
// request, about a quarter of the CPU a small request costs
// (docs/decisions.md, "Plain HTTP/1.1 requests skip net/http's connection
// loops"). Here the caller writes the request, reads the response and, for
// a body read into memory, the body, on a connection kept in a pool of the
// transport's own.
//
// Everything else goes to net/http's transport (see h1Eligible): requests
// with a body (whose sending may have to overlap the response's reading),
// upgrades, requests through a proxy, and TLS, where ALPN chooses the
// protocol.
type h1Transport struct {
	dial           func(ctx context.Context, network, addr string) (net.Conn, error)
	headerTimeout  time.Duration // for the response's header, from the request's end; 0: none
	maxIdlePerHost int           // as net/http's: 0 means its default, 2
	maxIdle        int           // 0: no limit
	idleTimeout    time.Duration // 0: no limit
	maxHeaderBytes int64

	mu    sync.Mutex // guards the fields below
	idle  map[string][]*h1Conn
	nidle int
}

// h1Conn is one connection of an h1Transport.
type h1Conn struct {
	t      *h1Transport
	key    string // host:port
	conn   net.Conn
	lr     limitedReader // reads conn; limited while a response header is read
	br     *bufio.Reader
	bw     *bufio.Writer
	used   bool                   // it has carried a request before
	trace  *httptrace.ClientTrace // of the request using it, if any
	idleAt time.Time              // when it last went idle
	timer  *time.Timer            // closes it once idle for the transport's idleTimeout
}

// newH1Transport returns an h1Transport that dials with dial, and times
// and limits its connections as base does. Its connections never carry
// HTTP/2, so dial is the session's own and not base's, which wraps them
// for HTTP/2 (see batchConn).
func newH1Transport(base *http.Transport, dial DialFunc) *h1Transport {
	maxHeader := base.MaxResponseHeaderBytes
	if maxHeader <= 0 {
		maxHeader = 10 << 20 // net/http's default
	}
	return &h1Transport{
		dial:           dial,
		headerTimeout:  base.ResponseHeaderTimeout,
		maxIdlePerHost: base.MaxIdleConnsPerHost,
		maxIdle:        base.MaxIdleConns,
		idleTimeout:    base.IdleConnTimeout,
		maxHeaderBytes: maxHeader,
	}
}

// limitedReader reads r, failing once more than n bytes are asked of it.
type limitedReader struct {
	r io.Reader
	n int64
}

// errHeaderTooLarge is the error of a response header longer than the
// transport's limit.
type errHeaderTooLarge struct{ limit int64 }

func (e errHeaderTooLarge) Error() string {
	return fmt.Sprintf("server response headers exceeded %d bytes; aborted", e.limit)
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooLarge{}
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// noLimit is a limitedReader's budget outside a response header.
const noLimit = 1<<63 - 1

// h1Eligible reports whether req can be sent by an h1Transport: a plain
// http:// request with no body, that may be sent again (see replayable),
// sent directly.
//
// A body goes through net/http, which sends it while reading the
// response, so that a server answering before it has read the whole body
// cannot stall the exchange. So does a request that may not be sent twice:
// net/http's read loop notices a server closing an idle connection before
// the connection is used again, where an h1Transport finds out only by
// using it, and then sends the request again on another.
func h1Eligible(req *http.Request) bool {
	if req.URL.Scheme != "http" || (req.Body != nil && req.Body != http.NoBody) || req.ContentLength > 0 || !replayable(req) {
		return false
	}
	if req.Method == http.MethodConnect || req.Cancel != nil || len(req.Trailer) > 0 || req.TransferEncoding != nil {
		return false
	}
	h := req.Header
	if h["Upgrade"] != nil || h["Expect"] != nil || h["Connection"] != nil {
		return false
	}
	_, proxied := req.Context().Value(proxyStateKey{}).(*proxyState)
	return !proxied
}

// errServerClosedConn reports a connection closed where a response was due.
var errServerClosedConn = errors.New("server closed the connection before sending a response")

// maxInformational is how many 1xx responses a request may get before its
// final one, as net/http allows.
const maxInformational = 5

// RoundTrip sends req, which h1Eligible accepted.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	if err := validForWire(req); err != nil {
		return nil, err
	}
	key := canonicalAddr(req.URL)
	trace := httptrace.ContextClientTrace(ctx)
	for {
		resp, retry, err := t.try(ctx, req, key, trace)
		if retry {
			continue // a reused connection the server had closed: once more on another
		}
		return resp, err
	}
}

// try sends req once over a connection of the pool, or a new one. retry
// reports that the connection had been reused and turned out closed before
// the server read anything, so that the request may be sent again on a new
// connection, as net/http does.
func (t *h1Transport) try(ctx context.Context, req *http.Request, key string, trace *httptrace.ClientTrace) (_ *http.Response, retry bool, _ error) {
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(key)
	}
	c, err := t.get(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if trace != nil && trace.GotConn != nil {
		info := httptrace.GotConnInfo{Conn: c.conn, Reused: c.used}
		if c.used {
			info.WasIdle, info.IdleTime = true, time.Since(c.idleAt)
		}
		trace.GotConn(info)
	}
	reused := c.used
	c.used, c.trace = true, trace
	// Canceling ctx aborts what the connection is doing: a read or write
	// blocked on it returns at once.
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, bool, error) {
		stop()
		c.conn.Close()
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, false, err
	}
	// again gives up c, which the server closed while it sat idle, for the
	// request to be sent again on another connection.
	again := func() (*http.Response, bool, error) {
		stop()
		c.conn.Close()
		return nil, true, nil
	}

	err = req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		if reused && ctx.Err() == nil {
			return again() // closed before it was used
		}
		return fail(err)
	}
	// Request.Write reported the header fields and the request's end to
	// the trace itself.
	if t.headerTimeout > 0 {
		c.setReadDeadline(ctx, time.Now().Add(t.headerTimeout))
	}
	c.lr.n = t.maxHeaderBytes // what is read from here on, to the header's end
	if _, err := c.br.Peek(1); err != nil {
		if reused && ctx.Err() == nil && (errors.Is(err, io.EOF) || isConnReset(err)) {
			return again() // closed as the request was written: nothing of it was read
		}
		if err == io.EOF {
			err = errServerClosedConn
		}
		return fail(t.headerError(err))
	}
	if trace != nil && trace.GotFirstResponseByte != nil {
		trace.GotFirstResponseByte()
	}
	var resp *http.Response
	for n := 0; ; n++ {
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			var tooLarge errHeaderTooLarge
			if errors.As(err, &tooLarge) {
				err = errHeaderTooLarge{t.maxHeaderBytes}
			}
			return fail(t.headerError(err))
		}
		code := resp.StatusCode
		if code < 100 || code > 199 {
			c.lr.n = noLimit
			break
		}
		c.lr.n = t.maxHeaderBytes // for the next header
		if code == http.StatusSwitchingProtocols || n == maxInformational {
			resp.Body.Close()
			return fail(fmt.Errorf("net/http: unexpected %d response to a request that asked for none", code))
		}
		if trace != nil {
			if trace.Got1xxResponse != nil {
				if err := trace.Got1xxResponse(code, textproto.MIMEHeader(resp.Header)); err != nil {
					return fail(err)
				}
			}
			if code == http.StatusContinue && trace.Got100Continue != nil {
				trace.Got100Continue()
			}
		}
	}
	if t.headerTimeout > 0 {
		c.setReadDeadline(ctx, time.Time{})
	}
	keep := !resp.Close && !req.Close
	if resp.Body == http.NoBody {
		c.release(keep, stop)
		return resp, false, nil
	}
	resp.Body = &h1Body{rc: resp.Body, c: c, ctx: ctx, stop: stop, keep: keep}
	return resp, false, nil
}

// setReadDeadline sets c's read deadline to d, unless ctx has ended: then
// the deadline that ctx's end set stays, whichever of the two came first.
func (c *h1Conn) setReadDeadline(ctx context.Context, d time.Time) {
	c.conn.SetReadDeadline(d)
	if ctx.Err() != nil {
		c.conn.SetDeadline(aLongTimeAgo)
	}
}

// headerError says which limit ended a wait for a response header.
func (t *h1Transport) headerError(err error) error {
	if t.headerTimeout > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("net/http: timeout awaiting response headers: %w", err)
	}
	return err
}

// isConnReset reports whether err is a failure of the connection itself
// (reset, broken pipe), not a timeout.
func isConnReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

// aLongTimeAgo is a deadline in the past, which makes a connection's
// blocked reads and writes return at once.
var aLongTimeAgo = time.Unix(1, 0)

// canonicalAddr is the host and port of an http:// URL.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// validForWire checks what net/http's transport checks before it sends a
// request, with its messages: [http.Request.Write] would send a bad header
// with its line breaks made spaces rather than fail.
func validForWire(req *http.Request) error {
	if req.URL.Host == "" {
		return errors.New("http: no Host in request URL")
	}
	if req.Method != "" && !validMethod(req.Method) {
		return fmt.Errorf("net/http: invalid method %q", req.Method)
	}
	for k, vs := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("net/http: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("net/http: invalid header field value for %q", k)
			}
		}
	}
	return nil
}

// replayable reports whether req may be sent again after a connection
// failed under it, as net/http decides: a request with no body whose
// method is idempotent or that carries an idempotency key.
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header["Idempotency-Key"] != nil || req.Header["X-Idempotency-Key"] != nil
}

// get returns an idle connection to key, or dials a new one.
func (t *h1Transport) get(ctx context.Context, key string) (*h1Conn, error) {
	t.mu.Lock()
	for l := t.idle[key]; len(l) > 0; l = t.idle[key] {
		c := l[len(l)-1]
		l[len(l)-1] = nil
		t.idle[key] = l[:len(l)-1]
		t.nidle--
		if c.timer != nil && !c.timer.Stop() {
			continue // its idle time is up: the timer closes it
		}
		if t.idleTimeout > 0 && time.Since(c.idleAt) > t.idleTimeout {
			c.conn.Close()
			continue
		}
		t.mu.Unlock()
		return c, nil
	}
	t.mu.Unlock()
	conn, err := t.dial(ctx, "tcp", key)
	if err != nil {
		return nil, err
	}
	c := &h1Conn{t: t, key: key, conn: conn}
	c.lr = limitedReader{r: conn, n: noLimit}
	c.br = bufio.NewReaderSize(&c.lr, 4096)
	c.bw = bufio.NewWriterSize(conn, 4096)
	return c, nil
}

// release ends a request's use of c: back to the pool if keep allows and
// the request was not canceled meanwhile, else closed.
func (c *h1Conn) release(keep bool, stop func() bool) {
	trace := c.trace
	c.trace = nil
	var err error
	switch {
	case !stop():
		err = errCanceledConn // its deadline is spoiled
	case !keep:
		err = errNotKeptAlive
	case c.br.Buffered() > 0:
		err = errExtraBytes
	default:
		err = c.t.put(c)
	}
	if err != nil {
		c.conn.Close()
	}
	if trace != nil && trace.PutIdleConn != nil {
		trace.PutIdleConn(err)
	}
}

// Why a connection was not put back in the pool, for httptrace's
// PutIdleConn.
var (
	errCanceledConn = errors.New("the request's context ended while it used the connection")
	errNotKeptAlive = errors.New("the response or the request asked for the connection to be closed")
	errExtraBytes   = errors.New("the server sent more than the response")
	errPoolFull     = errors.New("too many idle connections")
)

// put keeps c for another request, or says why it cannot.
func (t *h1Transport) put(c *h1Conn) error {
	t.mu.Lock()
	if t.idle == nil {
		t.idle = make(map[string][]*h1Conn)
	}
	l := t.idle[c.key]
	perHost := t.maxIdlePerHost
	if perHost == 0 {
		perHost = http.DefaultMaxIdleConnsPerHost
	}
	if len(l) >= perHost || (t.maxIdle > 0 && t.nidle >= t.maxIdle) {
		t.mu.Unlock()
		return errPoolFull
	}
	c.idleAt = time.Now()
	t.idle[c.key] = append(l, c)
	t.nidle++
	switch {
	case t.idleTimeout <= 0:
	case c.timer == nil:
		c.timer = time.AfterFunc(t.idleTimeout, c.expire)
	default:
		c.timer.Reset(t.idleTimeout)
	}
	t.mu.Unlock()
	return nil
}

// expire closes c when it has been idle for the transport's idle timeout.
func (c *h1Conn) expire() {
	t := c.t
	t.mu.Lock()
	l := t.idle[c.key]
	for i, ic := range l {
		if ic == c {
			t.idle[c.key] = append(l[:i], l[i+1:]...)
			l[len(l)-1] = nil
			t.nidle--
			if len(t.idle[c.key]) == 0 {
				delete(t.idle, c.key)
			}
			break
		}
	}
	t.mu.Unlock()
	c.conn.Close()
}

// CloseIdleConnections closes the connections that no request is using.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.nidle = nil, 0
	t.mu.Unlock()
	for _, l := range idle {
		for _, c := range l {
			if c.timer != nil {
				c.timer.Stop()
			}
			c.conn.Close()
		}
	}
}

// h1Body is the body of a response of an h1Transport. Read to its end, it
// gives its connection back to the pool; closed earlier, it closes it,
// which also ends a Read blocked on it.
type h1Body struct {
	rc   io.ReadCloser // net/http's reader of the body's framing; one Read at a time
	c    *h1Conn
	ctx  context.Context
	stop func() bool
	keep bool

	mu     sync.Mutex // guards the fields below
	done   bool       // the connection was released or closed
	closed bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.rc.Read(p)
	if err == nil {
		return n, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != io.EOF && b.ctx.Err() != nil {
		err = context.Cause(b.ctx)
	}
	if !b.done {
		b.done = true
		if err == io.EOF {
			b.c.release(b.keep, b.stop)
		} else {
			b.stop()
			b.c.conn.Close()
		}
	}
	return n, err
}

func (b *h1Body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.done {
		b.done = true
		b.stop()
		b.c.conn.Close()
	}
	return nil
}

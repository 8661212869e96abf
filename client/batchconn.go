package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// batchConn is a connection of the session's transport that, once it
// carries HTTP/2, coalesces the writes of the requests sharing it into
// fewer system calls.
//
// net/http's HTTP/2 transport writes and flushes each request's HEADERS
// frame on its own, under the connection's write lock: one write system
// call (and one TLS record) per request, however many requests are being
// sent on the connection at once. On loopback a write costs a few
// microseconds, as much as everything else a small request costs the
// client. Switched to batching, a write is appended to a buffer and
// returns; a goroutine of the connection's own yields the processor once,
// so that the other goroutines ready to write to the connection can add
// theirs, and then writes the buffer with one system call. gRPC's HTTP/2
// transport batches its writes the same way.
//
// Waiting for every goroutine ready to run can hold the first writes of a
// batch back for long: when the goroutines are the callers reading large
// bodies, the requests wait while each caller copies its body, and the
// server answers the whole batch at once, late and in one burst. So the
// write that brings a batch to batchWrites writes sends it at once on its
// own goroutine, if nothing is being sent, and the flusher sends what
// follows.
//
// That turn is a cost where there is nothing to batch: one request at a
// time per connection, a round trip apart. So once loneBatches batches in
// a row have held one write each, a write that finds nothing being sent
// goes to the connection at once, on the writer's goroutine, as it would
// without batching; a write that finds one under way waits in the buffer,
// and a batch of two or more brings batching back (one write in
// probeEvery goes to the flusher anyway, to find out).
//
// Until batching is switched on (by batchH2, when TLS negotiates HTTP/2
// or the h2c transport hands the connection over), every call goes
// straight to the connection: HTTP/1.1 writes one request at a time per
// connection and has nothing to batch.
type batchConn struct {
	net.Conn
	batching atomic.Bool

	mu      sync.Mutex
	room    sync.Cond // signalled when buf drains, and when the connection fails or closes
	buf     []byte    // written and not yet sent
	spare   []byte    // the buffer being sent, for reuse
	kicked  bool      // the flusher has been told there is something to send
	busy    bool      // a write to the connection is under way
	writes  int       // writes in buf
	lone    int       // batches in a row that held one write
	direct  int       // writes sent at once since the last one left to the flusher
	err     error     // the first write error, or net.ErrClosed once closed
	closed  bool
	kick    chan struct{} // wakes the flusher; one token at most
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when the flusher has returned
}

const (
	// batchMax bounds what a batching connection holds unsent: a write
	// that finds this much waits for the flusher.
	batchMax = 1 << 20
	// batchSmall is the size below which the flusher yields once before
	// writing, for more to arrive; a larger batch is written at once.
	batchSmall = 16 << 10
	// batchWrites is how many writes make a batch worth sending without
	// waiting for more: the writer that brings a batch to it sends the
	// batch itself, if nothing is being sent.
	batchWrites = 16
	// batchKeep is the largest buffer kept for the next batch.
	batchKeep = 64 << 10
	// After loneBatches batches in a row that held one write each, writes
	// go to the connection at once, on the writer's goroutine, when
	// nothing else is being sent: requests sent one after another have
	// nothing to share a write with, and the flusher's turn only delays
	// them. One write in probeEvery still goes to the flusher, to see
	// whether others now join it.
	loneBatches = 4
	probeEvery  = 32
	// closeLinger bounds how long Close waits for what is still unsent:
	// the TLS close alert and HTTP/2's last frames, which are a courtesy.
	closeLinger = 250 * time.Millisecond
)

// batchingDial wraps the connections dial returns in batchConns.
func batchingDial(dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &batchConn{Conn: c}, nil
	}
}

// NetConn returns the connection c wraps.
func (c *batchConn) NetConn() net.Conn { return c.Conn }

// batch switches c to batching. It must be called before the connection
// carries any request, and at most once.
func (c *batchConn) batch() {
	c.room.L = &c.mu
	c.kick = make(chan struct{}, 1)
	c.quit = make(chan struct{})
	c.stopped = make(chan struct{})
	c.batching.Store(true)
	go c.flush()
}

func (c *batchConn) Write(p []byte) (int, error) {
	if !c.batching.Load() {
		return c.Conn.Write(p)
	}
	c.mu.Lock()
	for c.err == nil && len(c.buf) >= batchMax {
		c.room.Wait()
	}
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, err
	}
	if c.lone >= loneBatches && c.direct < probeEvery && !c.busy && len(c.buf) == 0 {
		c.direct++
		c.busy = true
		c.mu.Unlock()
		n, err := c.Conn.Write(p)
		c.mu.Lock()
		c.busy = false
		if err != nil {
			c.fail(err)
		}
		c.room.Broadcast()
		c.mu.Unlock()
		return n, err
	}
	c.direct = 0
	c.buf = append(c.buf, p...)
	c.writes++
	if c.writes >= batchWrites && !c.busy {
		// Enough to share one system call: send it now rather than hold
		// the first writes back while the flusher waits for its turn. The
		// flusher, already told, sends whatever follows.
		if !c.sendLocked() {
			err := c.err
			c.mu.Unlock()
			return 0, err
		}
		c.mu.Unlock()
		return len(p), nil
	}
	wake := !c.kicked
	c.kicked = true
	c.mu.Unlock()
	if wake {
		c.kick <- struct{}{}
	}
	return len(p), nil
}

// fail records err as the connection's and closes it, so that its reader
// stops too, as a writer that saw the error would have seen to. c.mu is
// held.
func (c *batchConn) fail(err error) {
	if c.err == nil {
		c.err = err
	}
	c.room.Broadcast()
	c.Conn.Close()
}

// ReadFrom copies r to the connection, letting a TCP connection not yet
// batching use sendfile or splice, as net/http's HTTP/1.1 transport does
// with the connections it dials.
func (c *batchConn) ReadFrom(r io.Reader) (int64, error) {
	if !c.batching.Load() {
		return io.Copy(c.Conn, r)
	}
	return io.Copy(writerOnly{c}, r)
}

// writerOnly hides a writer's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// CloseWrite shuts down the writing side of the connection, if it has one
// to shut down (a response to an Upgrade request hands it on).
func (c *batchConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// flush is the goroutine of a batching connection: it sends what the
// writes leave in buf until the connection fails or is closed.
func (c *batchConn) flush() {
	defer close(c.stopped)
	for {
		select {
		case <-c.kick:
		case <-c.quit:
			c.send() // what the last writes left, such as TLS's close alert
			return
		}
		c.mu.Lock()
		small := len(c.buf) < batchSmall
		c.mu.Unlock()
		if small {
			runtime.Gosched()
		}
		if !c.send() {
			return
		}
	}
}

// send writes buf, once no write of a writer's own is under way, and
// reports whether the connection is still usable. A failed write fails
// the connection: the error goes to the next write.
func (c *batchConn) send() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.busy {
		c.room.Wait()
	}
	c.kicked = false
	return c.sendLocked()
}

// sendLocked writes buf and reports whether the connection is still
// usable. c.mu is held, and released during the write; no other write to
// the connection is under way.
func (c *batchConn) sendLocked() bool {
	b := c.buf
	c.buf, c.spare = c.spare[:0], nil
	switch {
	case c.writes == 1:
		c.lone++
	case c.writes > 1:
		c.lone = 0
	}
	c.writes = 0
	c.busy = len(b) > 0
	c.room.Broadcast()
	c.mu.Unlock()
	var err error
	if len(b) > 0 {
		_, err = c.Conn.Write(b)
	}
	c.mu.Lock()
	c.busy = false
	if cap(b) <= batchKeep {
		c.spare = b[:0]
	}
	if err != nil {
		c.fail(err)
		return false
	}
	c.room.Broadcast()
	return true
}

// Close closes the connection once what was written to it has been sent,
// or closeLinger has passed.
func (c *batchConn) Close() error {
	if !c.batching.Load() {
		return c.Conn.Close()
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	c.closed = true
	if c.err == nil {
		c.err = net.ErrClosed // no write is taken from here on
	}
	c.room.Broadcast()
	c.mu.Unlock()
	c.Conn.SetWriteDeadline(time.Now().Add(closeLinger))
	close(c.quit)
	<-c.stopped
	return c.Conn.Close()
}

// batchH2 makes the connections that t's HTTP/2 takes over batch their
// writes (see batchConn). It must be called before t sends a request, and
// after t is configured: its TLSNextProto then holds net/http's own HTTP/2,
// which goes on doing everything else.
func batchH2(t *http.Transport) {
	t.CloseIdleConnections() // sets up t's HTTP/2 now rather than at its first request
	for _, proto := range []string{"h2", "unencrypted_http2"} {
		next := t.TLSNextProto[proto]
		if next == nil {
			continue
		}
		t.TLSNextProto[proto] = func(authority string, c *tls.Conn) http.RoundTripper {
			if bc := batchConnOf(c); bc != nil {
				bc.batch()
			}
			return next(authority, c)
		}
	}
}

// batchConnOf returns the batchConn under c, the TLS connection net/http
// hands to HTTP/2, or nil if c is over another connection: a TLS tunnel to
// a proxy, or a dialer's connection already batching. For h2c net/http
// hands over a *tls.Conn that wraps the plain connection.
func batchConnOf(c *tls.Conn) *batchConn {
	nc := c.NetConn()
	if u, ok := nc.(interface{ UnencryptedNetConn() net.Conn }); ok {
		nc = u.UnencryptedNetConn()
	}
	bc, ok := nc.(*batchConn)
	if !ok || bc.batching.Load() {
		return nil
	}
	return bc
}

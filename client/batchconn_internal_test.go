package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// heldConn is a connection whose writes are recorded, each held until the
// test lets it through.
type heldConn struct {
	net.Conn             // nil: only Write, Close and SetWriteDeadline are used
	entered  chan []byte // receives what each write was given, as it starts
	release  chan error  // what the write returns
	mu       sync.Mutex
	closed   bool
}

func newHeldConn() *heldConn {
	return &heldConn{entered: make(chan []byte), release: make(chan error)}
}

// newBatching returns a batching connection over a heldConn.
func newBatching() (*batchConn, *heldConn) {
	hc := newHeldConn()
	c := &batchConn{Conn: hc}
	c.batch()
	return c, hc
}

func (c *heldConn) Write(p []byte) (int, error) {
	c.entered <- bytes.Clone(p)
	if err := <-c.release; err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *heldConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *heldConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *heldConn) SetWriteDeadline(time.Time) error { return nil }

// expect checks that the next write sent is want, and lets it through.
func (c *heldConn) expect(t *testing.T, want string) {
	t.Helper()
	if got := <-c.entered; string(got) != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
	c.release <- nil
}

// close closes bc, over c, letting every write left through.
func (c *heldConn) close(bc *batchConn) error {
	go func() {
		for range c.entered {
			c.release <- nil
		}
	}()
	defer close(c.entered)
	return bc.Close()
}

// TestBatchConnCoalesces checks that what is written while the connection
// is busy sending goes out in one write, in order.
func TestBatchConnCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		if _, err := c.Write([]byte("a")); err != nil {
			t.Fatal(err)
		}
		if got := <-hc.entered; string(got) != "a" {
			t.Fatalf("first write sent %q, want %q", got, "a")
		}
		for _, s := range []string{"b", "cd", "e"} {
			if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
				t.Fatalf("Write(%q) = %d, %v while the connection is busy; want it taken at once", s, n, err)
			}
		}
		hc.release <- nil
		if got := <-hc.entered; string(got) != "bcde" {
			t.Errorf("the writes made during a send went out as %q, want %q in one write", got, "bcde")
		}
		hc.release <- nil
		if err := hc.close(c); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// writeAsync writes p to c from a goroutine of its own, and returns a
// channel that receives Write's error.
func writeAsync(c *batchConn, p string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Write([]byte(p))
		done <- err
	}()
	return done
}

// loneWrites brings c, over hc, to where its batches have held one write
// each loneBatches times in a row.
func loneWrites(c *batchConn, hc *heldConn) {
	for range loneBatches {
		c.Write([]byte("x"))
		<-hc.entered
		hc.release <- nil
		synctest.Wait() // the flusher is done with it
	}
}

// directWrite writes p to c and checks that Write waits for the connection
// to take it: that it was sent at once, not left to the flusher.
func directWrite(t *testing.T, c *batchConn, hc *heldConn, p string) {
	t.Helper()
	done := writeAsync(c, p)
	if got := <-hc.entered; string(got) != p {
		t.Fatalf("sent %q, want %q", got, p)
	}
	synctest.Wait()
	select {
	case <-done:
		t.Fatalf("Write(%q) returned before the connection took it", p)
	default:
	}
	hc.release <- nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestBatchConnLone checks that once batches hold one write each, writes
// go to the connection on the writer's goroutine, and that batching comes
// back when writes pile up behind one.
func TestBatchConnLone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		loneWrites(c, hc)
		directWrite(t, c, hc, "a")

		held := writeAsync(c, "b") // sent at once, and held
		<-hc.entered
		c.Write([]byte("c")) // the connection is busy: both wait together
		c.Write([]byte("d"))
		hc.release <- nil
		<-held
		hc.expect(t, "cd")

		// Batching again: a write returns before the connection takes it.
		synctest.Wait()
		c.Write([]byte("e"))
		hc.expect(t, "e")
		hc.close(c)
	})
}

// TestBatchConnProbe checks that among writes sent at once, one in
// probeEvery still goes to the flusher.
func TestBatchConnProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		loneWrites(c, hc)
		for range probeEvery {
			directWrite(t, c, hc, "a")
		}
		c.Write([]byte("probe")) // returns at once
		hc.expect(t, "probe")
		synctest.Wait()
		directWrite(t, c, hc, "a") // the probe found no company
		hc.close(c)
	})
}

// TestBatchConnWriteError checks that a failed send fails the writes that
// follow and closes the connection, so that its reader stops too.
func TestBatchConnWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		c.Write([]byte("a"))
		<-hc.entered
		boom := errors.New("boom")
		hc.release <- boom
		synctest.Wait()
		if !hc.isClosed() {
			t.Error("the connection is still open after a failed write")
		}
		if _, err := c.Write([]byte("b")); !errors.Is(err, boom) {
			t.Errorf("Write after a failed send = %v, want %v", err, boom)
		}
		c.Close()
	})
}

// TestBatchConnCloseSends checks that Close sends what was written before
// closing, and that writes after Close fail.
func TestBatchConnCloseSends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		c := &batchConn{Conn: client}
		c.batch()
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(server)
			got <- string(b)
		}()
		c.Write([]byte("last words"))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if s := <-got; s != "last words" {
			t.Errorf("the peer read %q, want %q", s, "last words")
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close = %v, want net.ErrClosed", err)
		}
	})
}

// TestBatchConnCloseStuck checks that Close returns when the peer reads
// nothing, once closeLinger has passed.
func TestBatchConnCloseStuck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		c := &batchConn{Conn: client}
		c.batch()
		c.Write([]byte("unread"))
		synctest.Wait()
		start := time.Now()
		c.Close()
		if d := time.Since(start); d != closeLinger {
			t.Errorf("Close took %v, want closeLinger (%v)", d, closeLinger)
		}
	})
}

// TestBatchConnBound checks that a write waits while batchMax bytes are
// unsent, and goes on once they are sent.
func TestBatchConnBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		c.Write([]byte("a"))
		<-hc.entered // the flusher is busy
		c.Write(make([]byte, batchMax))
		wrote := make(chan struct{})
		go func() {
			c.Write([]byte("b"))
			close(wrote)
		}()
		synctest.Wait()
		select {
		case <-wrote:
			t.Fatal("a write went through with batchMax bytes unsent")
		default:
		}
		hc.release <- nil
		if got := <-hc.entered; len(got) != batchMax {
			t.Errorf("second send of %d bytes, want %d", len(got), batchMax)
		}
		<-wrote
		hc.release <- nil
		if got := <-hc.entered; string(got) != "b" {
			t.Errorf("third send %q, want %q", got, "b")
		}
		hc.release <- nil
		hc.close(c)
	})
}

// TestBatchConnFullBatch checks that the write that brings a batch to
// batchWrites writes sends it, on the writer's goroutine, when the flusher
// has been told but has not yet had its turn.
func TestBatchConnFullBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		c.mu.Lock()
		c.kicked = true // as if told of an earlier write: the writes below do not wake it
		c.mu.Unlock()
		var want strings.Builder
		for i := range batchWrites - 1 {
			p := fmt.Sprint(i % 10)
			want.WriteString(p)
			if _, err := c.Write([]byte(p)); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		select {
		case got := <-hc.entered:
			t.Fatalf("sent %q with %d writes in the batch, before it held %d", got, batchWrites-1, batchWrites)
		default:
		}
		want.WriteString("!")
		done := writeAsync(c, "!")
		if got := <-hc.entered; string(got) != want.String() {
			t.Fatalf("the full batch went out as %q, want %q in one write", got, want.String())
		}
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("the write that filled the batch returned before the batch was sent: the flusher sent it")
		default:
		}
		hc.release <- nil
		if err := <-done; err != nil {
			t.Fatalf("Write: %v", err)
		}
		if _, err := c.Write([]byte("z")); err != nil {
			t.Fatal(err)
		}
		if err := hc.close(c); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

// TestBatchConnFullBatchError checks that a failed send of a full batch
// fails the write that made it, and the connection.
func TestBatchConnFullBatchError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, hc := newBatching()
		c.mu.Lock()
		c.kicked = true
		c.mu.Unlock()
		for range batchWrites - 1 {
			c.Write([]byte("x"))
		}
		done := writeAsync(c, "x")
		<-hc.entered
		hc.release <- io.ErrClosedPipe
		if err := <-done; !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Write whose batch failed = %v, want %v", err, io.ErrClosedPipe)
		}
		if !hc.isClosed() {
			t.Error("the connection is still open after a failed send")
		}
		if _, err := c.Write([]byte("y")); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("Write after the failure = %v, want %v", err, io.ErrClosedPipe)
		}
		hc.close(c)
	})
}

// TestBatchConnDirect checks that a connection not switched to batching
// writes at once, and hands ReadFrom to the connection it wraps.
func TestBatchConnDirect(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := &batchConn{Conn: client}
	defer c.Close()
	go io.Copy(io.Discard, server)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := c.ReadFrom(strings.NewReader("hello")); n != 5 || err != nil {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	if c.batching.Load() {
		t.Error("batching without being switched on")
	}
}

// connOf returns the batchConn under a connection reported by httptrace,
// or nil.
func connOf(c net.Conn) *batchConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	bc, _ := c.(*batchConn)
	return bc
}

// TestSessionBatchesHTTP2 checks through a session which connections
// batch their writes: HTTP/2 ones, over TLS or in the clear, and not
// HTTP/1.1 ones. Many requests share the HTTP/2 connection at once.
func TestSessionBatchesHTTP2(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Proto, r.URL.Path)
	})
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	h1 := httptest.NewUnstartedServer(h)
	// Dials that lose the race to a connection freed by another request
	// are closed mid-handshake, which the server would log.
	h1.Config.ErrorLog = log.New(io.Discard, "", 0)
	h1.StartTLS()
	defer h1.Close()
	h2c := httptest.NewUnstartedServer(h)
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	defer h2c.Close()
	roots := x509.NewCertPool()
	roots.AddCert(h2.Certificate())
	roots.AddCert(h1.Certificate())

	for _, tc := range []struct {
		name, url string
		protos    Protocols
		proto     string
		batching  bool
	}{
		{"HTTP/2", h2.URL, DefaultProtocols, "HTTP/2.0", true},
		{"HTTP/1.1 over TLS", h1.URL, DefaultProtocols, "HTTP/1.1", false},
		{"h2c", h2c.URL, H2C, "HTTP/2.0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(WithRootCAs(roots), WithProtocols(tc.protos))
			defer s.Close()
			var mu sync.Mutex
			conns := map[*batchConn]bool{}
			trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
				bc := connOf(info.Conn)
				mu.Lock()
				defer mu.Unlock()
				if bc == nil {
					t.Errorf("got a %T, not over a batchConn", info.Conn)
					return
				}
				conns[bc] = bc.batching.Load()
			}}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Go(func() {
					path := fmt.Sprintf("/%d", i)
					resp, err := s.Get(ctx, tc.url+path)
					if err != nil {
						t.Error(err)
						return
					}
					got, err := resp.Text()
					if want := tc.proto + " " + path; err != nil || got != want {
						t.Errorf("got %q, %v; want %q", got, err, want)
					}
				})
			}
			wg.Wait()
			if len(conns) == 0 {
				t.Fatal("no connection reported")
			}
			for bc, batching := range conns {
				if batching != tc.batching {
					t.Errorf("connection %p: batching %v, want %v", bc, batching, tc.batching)
				}
			}
		})
	}
}

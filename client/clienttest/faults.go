package clienttest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// OpenConnections returns how many connections to the server are open
// now, as the server sees them.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// WaitClosed waits until every connection opened to the server so far has
// been closed, by either side, and returns nil; or until ctx ends, and
// returns an error wrapping ctx's that says how many are still open. A
// test calls it after closing its session (which closes the session's idle
// connections) to prove that the client left no connection open: a
// response body never closed holds one.
func (s *Server) WaitClosed(ctx context.Context) error {
	for {
		s.mu.Lock()
		open, changed := s.open, s.changed
		s.mu.Unlock()
		if open == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return &openError{open: open, err: ctx.Err()}
		}
	}
}

type openError struct {
	open int
	err  error
}

func (e *openError) Error() string {
	return "clienttest: " + itoa(e.open) + " connections still open: " + e.err.Error()
}

func (e *openError) Unwrap() error { return e.err }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func (s *Server) addOpen(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open += n
	close(s.changed)
	s.changed = make(chan struct{})
}

// reset cuts the connection of w: a TCP reset under HTTP/1.1, a stream
// reset under HTTP/2. It does not return.
func (s *Server) reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // HTTP/2: reset the stream
		panic(http.ErrAbortHandler)
	}
	if tc, ok := tcpConn(conn); ok {
		tc.SetLinger(0) // Close sends RST, not FIN
	}
	conn.Close()
	s.addOpen(-1)
	panic(http.ErrAbortHandler)
}

func tcpConn(c net.Conn) (*net.TCPConn, bool) {
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = nc.NetConn()
	}
	tc, ok := c.(*net.TCPConn)
	return tc, ok
}

// serveRaw writes reply.Raw on the bare connection of an HTTP/1.1
// request, then closes it, or holds it until the client closes it or the
// server does if reply.Stall is set.
func (s *Server) serveRaw(w http.ResponseWriter, r *http.Request, reply Reply) {
	if r.ProtoMajor != 1 {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer s.addOpen(-1)
	defer conn.Close()
	buf.WriteString(reply.Raw)
	if err := buf.Flush(); err != nil || !reply.Stall {
		return
	}
	// Wait for the client to give up (its close ends the read) or for
	// the server to close.
	stop := context.AfterFunc(s.ctx, func() { conn.Close() })
	defer stop()
	var discard [512]byte
	for {
		if _, err := buf.Read(discard[:]); err != nil {
			return
		}
	}
}

// drip writes body to w a byte at a time, each after d. It reports false
// if the client or the server gave up first.
func (s *Server) drip(ctx context.Context, w http.ResponseWriter, body string, d time.Duration) bool {
	rc := http.NewResponseController(w)
	t := time.NewTimer(d)
	defer t.Stop()
	for i := 0; i < len(body); i++ {
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		case <-s.ctx.Done():
			return false
		}
		if _, err := w.Write([]byte{body[i]}); err != nil {
			return false
		}
		if err := rc.Flush(); err != nil {
			return false
		}
		t.Reset(d)
	}
	return true
}

// endless writes to w until the client or the server gives up, then cuts
// the response.
func (s *Server) endless(ctx context.Context, w http.ResponseWriter, reply Reply) {
	chunk := []byte(strings.Repeat("x", 32<<10))
	for ctx.Err() == nil && s.ctx.Err() == nil {
		if reply.Drip > 0 {
			if !s.drip(ctx, w, "x", reply.Drip) {
				break
			}
			continue
		}
		if _, err := w.Write(chunk); err != nil {
			break
		}
	}
	panic(http.ErrAbortHandler) // never a well-formed end
}

// Bomb returns a reply whose body, compressed with encoding ("gzip",
// "deflate", "br" or "zstd"), decodes to size zero bytes: a decompression
// bomb, thousands of times smaller on the wire than decoded. It panics for
// another encoding.
//
// A gzip or zstd bomb is one compressed MiB repeated (as gzip members or
// zstd frames), so a large one is cheap to make; a deflate or br bomb
// compresses all of size.
func Bomb(encoding string, size int64) Reply {
	const member = 1 << 20
	zeros := make([]byte, member)
	var body bytes.Buffer
	// repeat writes size zeros as whole compressed members of a MiB, made
	// once by compress, and a last shorter one.
	repeat := func(compress func(n int64) []byte) {
		if full := size / member; full > 0 {
			one := compress(member)
			for range full {
				body.Write(one)
			}
		}
		if rest := size % member; rest > 0 || size == 0 {
			body.Write(compress(rest))
		}
	}
	// stream writes size zeros through one compressor.
	stream := func(w io.WriteCloser) {
		for n := size; n > 0; n -= min(n, member) {
			w.Write(zeros[:min(n, member)])
		}
		w.Close()
	}
	switch encoding {
	case "gzip":
		repeat(func(n int64) []byte {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(zeros[:n])
			zw.Close()
			return b.Bytes()
		})
	case "zstd":
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(member))
		repeat(func(n int64) []byte { return enc.EncodeAll(zeros[:n], nil) })
		enc.Close()
	case "deflate":
		zw, _ := flate.NewWriter(&body, flate.BestCompression)
		stream(zw)
	case "br":
		stream(brotli.NewWriterLevel(&body, brotli.BestSpeed))
	default:
		panic("clienttest: Bomb: unsupported encoding " + encoding)
	}
	return Reply{Header: http.Header{"Content-Encoding": {encoding}, "Content-Type": {"text/plain"}}, Body: body.String()}
}

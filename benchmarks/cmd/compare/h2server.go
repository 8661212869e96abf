package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Server serves HTTP/2 over TLS with the comparison's one route, GET
// /{n}, and nothing more. net/http's HTTP/2 server spends more processor
// per request than the clients do (a goroutine per stream, a write
// scheduler, a handler's ResponseWriter), so on a machine where the
// server has one processor it set the pace for every client and the
// comparison measured the server. This one answers each request from the
// connection's reading goroutine as soon as its HEADERS frame is read,
// and writes what it has when there is nothing more to read, so that a
// read of many requests is answered with one write.
//
// It keeps to the protocol where the clients can tell: the peer's
// SETTINGS (initial window, frame size, header table), flow control on
// both the connection and the streams, PING, RST_STREAM, GOAWAY, and
// request bodies, whose windows it gives back.
type h2Server struct {
	tls      *tls.Config
	payload  []byte
	accepted *atomic.Int64 // connections accepted

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// h2MaxStreams is the SETTINGS_MAX_CONCURRENT_STREAMS the server sends:
// net/http's server's default.
const h2MaxStreams = 250

// serve accepts connections on l until l is closed.
func (s *h2Server) serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		s.accepted.Add(1)
		if !s.track(c, true) {
			c.Close()
			return net.ErrClosed
		}
		s.wg.Go(func() {
			defer s.track(c, false)
			defer c.Close()
			s.serveConn(c)
		})
	}
}

// track adds c to the open connections, or removes it; it reports false
// when adding to a closed server.
func (s *h2Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return true
	}
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

// close closes every open connection and waits for their goroutines. The
// listener is the caller's to close.
func (s *h2Server) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *h2Server) serveConn(raw net.Conn) {
	tc := tls.Server(raw, s.tls)
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil || tc.ConnectionState().NegotiatedProtocol != "h2" {
		return
	}
	raw.SetDeadline(time.Time{})
	c := &h2Conn{
		br:      bufio.NewReaderSize(tc, 64<<10),
		bw:      bufio.NewWriterSize(tc, 64<<10),
		payload: s.payload,
		streams: make(map[uint32]*h2Stream),
		// What the peer may assume before its SETTINGS are known.
		maxFrame: 16 << 10,
		initWin:  65535,
		connWin:  65535,
	}
	c.fr = http2.NewFramer(c.bw, c.br)
	c.fr.SetReuseFrames()
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	c.serve()
}

// h2Conn is one connection's state, owned by its reading goroutine.
type h2Conn struct {
	br      *bufio.Reader
	bw      *bufio.Writer
	fr      *http2.Framer
	enc     *hpack.Encoder
	hbuf    bytes.Buffer
	payload []byte

	maxFrame uint32 // the peer's SETTINGS_MAX_FRAME_SIZE
	initWin  int64  // the peer's SETTINGS_INITIAL_WINDOW_SIZE
	connWin  int64  // what the connection's window lets the server send
	streams  map[uint32]*h2Stream
}

// h2Stream is a response whose body has not all been sent.
type h2Stream struct {
	win  int64  // the stream's send window
	rest []byte // the body not yet sent
}

var errPreface = errors.New("h2server: bad client preface")

func (c *h2Conn) serve() error {
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c.br, preface); err != nil {
		return err
	}
	if string(preface) != http2.ClientPreface {
		return errPreface
	}
	if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: h2MaxStreams}); err != nil {
		return err
	}
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.bw.Flush()
			return err
		}
		if err := c.handle(f); err != nil {
			c.bw.Flush()
			return err
		}
		// Write what the frames read so far asked for when no more are
		// waiting: one write answers every request that came in one read.
		if c.br.Buffered() == 0 {
			if err := c.bw.Flush(); err != nil {
				return err
			}
		}
	}
}

var errGoAway = errors.New("h2server: peer sent GOAWAY")

func (c *h2Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return c.respond(f)
	case *http2.DataFrame:
		// Request bodies are read and dropped; give back their window.
		if n := f.Length; n > 0 {
			if err := c.fr.WriteWindowUpdate(0, n); err != nil {
				return err
			}
			if !f.StreamEnded() {
				return c.fr.WriteWindowUpdate(f.StreamID, n)
			}
		}
	case *http2.SettingsFrame:
		if f.IsAck() {
			return nil
		}
		err := f.ForeachSetting(func(st http2.Setting) error {
			switch st.ID {
			case http2.SettingInitialWindowSize:
				delta := int64(st.Val) - c.initWin
				c.initWin = int64(st.Val)
				for _, s := range c.streams {
					s.win += delta
				}
			case http2.SettingMaxFrameSize:
				c.maxFrame = st.Val
			case http2.SettingHeaderTableSize:
				c.enc.SetMaxDynamicTableSizeLimit(st.Val)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := c.fr.WriteSettingsAck(); err != nil {
			return err
		}
		return c.sendAll()
	case *http2.WindowUpdateFrame:
		if f.StreamID == 0 {
			c.connWin += int64(f.Increment)
			return c.sendAll()
		}
		if s := c.streams[f.StreamID]; s != nil {
			s.win += int64(f.Increment)
			return c.send(f.StreamID, s)
		}
	case *http2.PingFrame:
		if !f.IsAck() {
			return c.fr.WritePing(true, f.Data)
		}
	case *http2.RSTStreamFrame:
		delete(c.streams, f.StreamID)
	case *http2.GoAwayFrame:
		return errGoAway
	}
	return nil
}

// respond answers the request whose headers f carries: its headers now,
// and as much of its body as the windows let through.
func (c *h2Conn) respond(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	n, err := strconv.Atoi(strings.TrimPrefix(f.PseudoValue("path"), "/"))
	status := "200"
	if err != nil || n < 0 || n > len(c.payload) || f.PseudoValue("method") != http.MethodGet {
		status, n = "400", 0
	}
	c.hbuf.Reset()
	c.enc.WriteField(hpack.HeaderField{Name: ":status", Value: status})
	c.enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/octet-stream"})
	c.enc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(n)})
	c.enc.WriteField(hpack.HeaderField{Name: "date", Value: time.Now().UTC().Format(http.TimeFormat)})
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{
		StreamID:      id,
		BlockFragment: c.hbuf.Bytes(),
		EndStream:     n == 0,
		EndHeaders:    true,
	}); err != nil || n == 0 {
		return err
	}
	s := &h2Stream{win: c.initWin, rest: c.payload[:n]}
	c.streams[id] = s
	return c.send(id, s)
}

// send writes as much of stream id's body as its window, the
// connection's and the peer's frame size allow.
func (c *h2Conn) send(id uint32, s *h2Stream) error {
	for len(s.rest) > 0 {
		n := min(int64(len(s.rest)), int64(c.maxFrame), s.win, c.connWin)
		if n <= 0 {
			return nil
		}
		end := n == int64(len(s.rest))
		if err := c.fr.WriteData(id, end, s.rest[:n]); err != nil {
			return err
		}
		s.rest = s.rest[n:]
		s.win -= n
		c.connWin -= n
	}
	delete(c.streams, id)
	return nil
}

// sendAll sends what every waiting stream's window now allows.
func (c *h2Conn) sendAll() error {
	for id, s := range c.streams {
		if c.connWin <= 0 {
			return nil
		}
		if err := c.send(id, s); err != nil {
			return err
		}
	}
	return nil
}

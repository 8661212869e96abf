package clienttest

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/requests3/requests/client"
)

// Script maps a request path (such as "/items") to the replies the server
// gives to the requests for it, in order. Once a path's replies are used
// up, its last reply is given again. A path without a script gets 404 Not
// Found.
type Script map[string][]Reply

// Reply is one canned answer of a [Server]. Besides well-formed answers it
// can misbehave the ways real servers and networks do (see the fields from
// Delay on), for testing that a client fails cleanly: with a clear error,
// within its timeout, leaking neither goroutines nor connections.
type Reply struct {
	// Status is the status code; zero means 200.
	Status int
	// Header is sent with the response.
	Header http.Header
	// Body is the response body.
	Body string
	// Delay holds the answer back for this long before the headers are
	// sent, or until the client gives up or the server closes.
	Delay time.Duration
	// Stall sends the headers and Body, then keeps the response open
	// without sending more until the client gives up or the server
	// closes, and then cuts it: a server that hangs in the middle of a
	// body. With Raw, it holds the connection open after the raw bytes.
	Stall bool
	// Reset cuts the connection instead of finishing the response: at once
	// if Status, Header and Body are all unset, otherwise once the headers
	// and Body have been sent. Under HTTP/1.1 the TCP connection is reset
	// (RST); under HTTP/2 the stream is reset (RST_STREAM).
	Reset bool
	// Drip sends Body one byte at a time, waiting Drip before each byte:
	// a server (or a slowloris-style attacker) that keeps every read
	// short of any idle timeout.
	Drip time.Duration
	// Endless follows Body with an endless stream of bytes, until the
	// client gives up or the server closes. No Content-Length is sent.
	Endless bool
	// Raw, when set, is written byte for byte on the bare connection in
	// place of a response, which then ends (or, with Stall, stays open
	// until the client gives up): a garbage status line, broken chunked
	// encoding, conflicting Content-Length headers, headers cut short.
	// Status, Header, Body, Drip and Endless are ignored. Raw needs
	// HTTP/1.1; answering over HTTP/2, the server resets the stream
	// instead, as a multiplexed connection has no room for raw bytes.
	Raw string
}

// Request is a request as the server received it.
type Request struct {
	Method string
	URL    *url.URL // the request target: path and query
	Host   string
	Proto  string // "HTTP/1.1" or "HTTP/2.0"
	Header http.Header
	Body   []byte
}

// Server is a test server on the loopback interface that answers from a
// [Script] and records the requests it gets. Start one with [NewServer] or
// [NewTLSServer], and Close it when the test ends. A Server is safe for
// concurrent use.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:40123",
	// without a trailing slash.
	URL string

	srv      *httptest.Server
	ctx      context.Context // canceled by Close: stalled replies end
	shutdown context.CancelFunc

	mu       sync.Mutex // guards the fields below
	script   Script
	next     map[string]int // path → index of its next reply
	requests []Request
	conns    int
	open     int           // connections open now, hijacked ones included
	changed  chan struct{} // closed and replaced whenever open changes
	sessions []*client.Session
	closed   bool
}

// NewServer starts an HTTP/1.1 server that answers from script.
func NewServer(script Script) *Server {
	s := newServer(script)
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// NewTLSServer starts a server that answers from script over TLS, with
// HTTP/2 for the clients that offer it (a session does) and HTTP/1.1 for
// the others. Its certificate is self-signed: use [Server.Session] or
// [Server.TLSConfig] to trust it.
func NewTLSServer(script Script) *Server {
	s := newServer(script)
	s.srv.EnableHTTP2 = true
	s.srv.StartTLS()
	s.URL = s.srv.URL
	return s
}

func newServer(script Script) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{script: script, next: make(map[string]int), ctx: ctx, shutdown: cancel, changed: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Failed TLS handshakes and cut connections are what client tests
	// provoke; they are not worth a line on stderr each.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			s.addOpen(1)
		case http.StateClosed:
			s.addOpen(-1)
		}
		// A hijacked connection stays open until the handler closes it
		// (see serveRaw), which counts it closed.
	}
	return s
}

// Close stops the server: replies that wait or stall end, open connections
// are closed, and the idle connections of the sessions made by
// [Server.Session] are released. It waits for the handlers to return.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	sessions := s.sessions
	s.mu.Unlock()
	s.shutdown()
	s.srv.CloseClientConnections()
	s.srv.Close()
	for _, sess := range sessions {
		sess.Close()
	}
}

// TLSConfig returns a TLS configuration that trusts the server's
// certificate, for [client.WithTLSConfig]. It is nil for a server without
// TLS.
func (s *Server) TLSConfig() *tls.Config {
	cert := s.srv.Certificate()
	if cert == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool}
}

// Certificate returns the server's certificate, or nil for a server
// without TLS.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Session returns a new session that trusts the server's certificate, with
// opts applied after that. Close releases its idle connections.
func (s *Server) Session(opts ...client.Option) *client.Session {
	if cfg := s.TLSConfig(); cfg != nil {
		opts = append([]client.Option{client.WithTLSConfig(cfg)}, opts...)
	}
	sess := client.NewSession(opts...)
	s.mu.Lock()
	s.sessions = append(s.sessions, sess)
	s.mu.Unlock()
	return sess
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Connections returns how many connections clients have opened to the
// server so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u := *r.URL
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method,
		URL:    &u,
		Host:   r.Host,
		Proto:  r.Proto,
		Header: r.Header.Clone(),
		Body:   body,
	})
	replies, ok := s.script[r.URL.Path]
	var reply Reply
	if ok && len(replies) > 0 {
		i := min(s.next[r.URL.Path], len(replies)-1)
		s.next[r.URL.Path] = i + 1
		reply = replies[i]
	} else {
		reply = Reply{Status: http.StatusNotFound, Body: "clienttest: no script for " + r.URL.Path}
	}
	s.mu.Unlock()

	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		}
	}
	if reply.Raw != "" {
		s.serveRaw(w, r, reply)
		return
	}
	if reply.Reset && reply.Status == 0 && reply.Header == nil && reply.Body == "" {
		s.reset(w)
	}
	for k, vs := range reply.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if reply.Header.Get("Content-Length") == "" && !reply.Stall && !reply.Reset && !reply.Endless {
		w.Header().Set("Content-Length", strconv.Itoa(len(reply.Body)))
	}
	w.WriteHeader(cmp.Or(reply.Status, http.StatusOK))
	rc := http.NewResponseController(w)
	if reply.Drip > 0 {
		rc.Flush()
		if !s.drip(r.Context(), w, reply.Body, reply.Drip) {
			panic(http.ErrAbortHandler)
		}
	} else {
		io.WriteString(w, reply.Body)
	}
	if reply.Reset || reply.Stall {
		rc.Flush()
	}
	if reply.Reset {
		s.reset(w)
	}
	if reply.Endless {
		s.endless(r.Context(), w, reply)
	}
	if reply.Stall {
		select {
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		panic(http.ErrAbortHandler) // the response never completes
	}
}

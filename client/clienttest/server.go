package clienttest

import (
	"cmp"
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

// Reply is one canned answer of a [Server].
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
	// body.
	Stall bool
	// Reset cuts the connection instead of finishing the response: at once
	// if Status, Header and Body are all unset, otherwise once the headers
	// and Body have been sent. Under HTTP/1.1 the TCP connection is closed;
	// under HTTP/2 the stream is reset.
	Reset bool
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

	srv  *httptest.Server
	quit chan struct{} // closed by Close: stalled replies end

	mu       sync.Mutex // guards the fields below
	script   Script
	next     map[string]int // path → index of its next reply
	requests []Request
	conns    int
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
	s := &Server{script: script, next: make(map[string]int), quit: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Failed TLS handshakes and cut connections are what client tests
	// provoke; they are not worth a line on stderr each.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
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
	close(s.quit)
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
		case <-s.quit:
			return
		}
	}
	if reply.Reset && reply.Status == 0 && reply.Header == nil && reply.Body == "" {
		panic(http.ErrAbortHandler)
	}
	for k, vs := range reply.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if reply.Header.Get("Content-Length") == "" && !reply.Stall && !reply.Reset {
		w.Header().Set("Content-Length", strconv.Itoa(len(reply.Body)))
	}
	w.WriteHeader(cmp.Or(reply.Status, http.StatusOK))
	io.WriteString(w, reply.Body)
	if reply.Reset || reply.Stall {
		http.NewResponseController(w).Flush()
	}
	if reply.Reset {
		panic(http.ErrAbortHandler)
	}
	if reply.Stall {
		select {
		case <-r.Context().Done():
		case <-s.quit:
		}
		panic(http.ErrAbortHandler) // the response never completes
	}
}

package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// countingServer is a plain HTTP/1.1 server that counts the connections it
// accepts.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// text is resp's body as a string.
func text(t *testing.T, resp *client.Response) string {
	t.Helper()
	s, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlainHTTP1ReusesConnections(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	s := client.NewSession()
	defer s.Close()
	for i := range 20 {
		method := http.MethodGet
		if i%2 == 1 {
			method = http.MethodHead // no body: the connection is free at once
		}
		resp, err := s.Request(context.Background(), method, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := resp.Timings.Reused, i > 0; got != want {
			t.Errorf("request %d: Timings.Reused = %v, want %v", i, got, want)
		}
		if method == http.MethodGet && text(t, resp) != "hello" {
			t.Errorf("request %d: body %q", i, text(t, resp))
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 requests one after another, want 1", n)
	}
}

func TestPlainHTTP1SendsAgainOnAClosedIdleConnection(t *testing.T) {
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method)
	}))
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()
	for i, method := range []string{http.MethodGet, http.MethodGet, http.MethodOptions} {
		resp, err := s.Request(ctx, method, srv.URL)
		if err != nil {
			t.Fatalf("request %d, after the server closed its idle connections: %v", i, err)
		}
		if text(t, resp) != method {
			t.Errorf("request %d: body %q, want %q", i, text(t, resp), method)
		}
		// The session still has the connection in its pool; the server
		// closes it (and waits for that) before the next request.
		srv.CloseClientConnections()
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

func TestPlainHTTP1ClosesWhatItCannotReuse(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/big":
			io.WriteString(w, big)
		default:
			io.WriteString(w, "ok")
		}
	}))
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()
	get := func(path string, opts ...client.RequestOption) *client.Response {
		t.Helper()
		resp, err := s.Get(ctx, srv.URL+path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	get("/")
	get("/") // reused
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	get("/close") // the server asks for the connection to end
	get("/")
	if n := conns.Load(); n != 2 {
		t.Fatalf("after Connection: close, %d connections, want 2", n)
	}
	// A streamed body closed before its end: its connection cannot carry
	// another request.
	resp := get("/big", client.Stream(true))
	if _, err := io.ReadFull(resp.Body, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
		t.Errorf("read after Close: %v, want http.ErrBodyReadAfterClose", err)
	}
	get("/")
	if n := conns.Load(); n != 3 {
		t.Errorf("after a body closed early, %d connections, want 3", n)
	}
	// Read to its end, it can.
	resp = get("/big", client.Stream(true))
	if n, err := io.Copy(io.Discard, resp.Body); err != nil || n != int64(len(big)) {
		t.Fatalf("copied %d bytes, %v", n, err)
	}
	resp.Close()
	get("/")
	if n := conns.Load(); n != 3 {
		t.Errorf("after a body read to its end, %d connections, want 3", n)
	}
}

func TestPlainHTTP1CancelStopsABodyRead(t *testing.T) {
	release := make(chan struct{})
	gone := make(chan struct{})
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "part")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done(): // the client closed the connection
			close(gone)
		case <-release:
		}
	}))
	defer close(release)
	s := client.NewSession()
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := s.Get(ctx, srv.URL, client.Stream(true))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(make([]byte, 10))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	<-gone
}

func TestPlainHTTP1Informational(t *testing.T) {
	const final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	early := "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()

	resp, err := s.Get(ctx, rawServer(t, early+early+final))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || text(t, resp) != "ok" {
		t.Errorf("after two 103s: %d %q, want 200 %q", resp.StatusCode, text(t, resp), "ok")
	}

	if _, err := s.Get(ctx, rawServer(t, strings.Repeat(early, 6)+final)); err == nil {
		t.Error("six 1xx responses: no error")
	}
	_, err = s.Get(ctx, rawServer(t, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"))
	if err == nil || !strings.Contains(err.Error(), "101") {
		t.Errorf("101 to a request that asked for no upgrade: %v, want an error", err)
	}
}

func TestPlainHTTP1RefusesABadHeaderFromAHook(t *testing.T) {
	var hits atomic.Int32
	srv, _ := countingServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	s := client.NewSession(client.OnRequest(func(req *http.Request) error {
		req.Header["X-Smuggle"] = []string{"a\r\nX-Evil: 1"}
		return nil
	}))
	defer s.Close()
	_, err := s.Get(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "invalid header field value") {
		t.Errorf("got %v, want an invalid header field value error", err)
	}
	if hits.Load() != 0 {
		t.Error("the server got the request")
	}
}

func TestPlainHTTP1HeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	s := client.NewSession(client.WithTimeouts(client.Timeouts{Header: 50 * time.Millisecond, Total: time.Minute}))
	defer s.Close()
	_, err := s.Get(context.Background(), srv.URL)
	if !errors.Is(err, client.ErrTimeout) || !strings.Contains(err.Error(), "awaiting response headers") {
		t.Errorf("got %v, want ErrTimeout awaiting response headers", err)
	}
}

// TestPlainHTTP1Trace checks that a caller's httptrace hooks hear of the
// connection as they would from net/http's transport.
func TestPlainHTTP1Trace(t *testing.T) {
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	s := client.NewSession()
	defer s.Close()
	for i := range 2 {
		var events []string
		var reused bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GetConn:              func(string) { events = append(events, "GetConn") },
			GotConn:              func(info httptrace.GotConnInfo) { events = append(events, "GotConn"); reused = info.Reused },
			WroteRequest:         func(httptrace.WroteRequestInfo) { events = append(events, "WroteRequest") },
			GotFirstResponseByte: func() { events = append(events, "GotFirstResponseByte") },
			PutIdleConn: func(err error) {
				if err != nil {
					t.Errorf("PutIdleConn(%v)", err)
				}
				events = append(events, "PutIdleConn")
			},
		})
		if _, err := s.Get(ctx, srv.URL); err != nil {
			t.Fatal(err)
		}
		want := "GetConn GotConn WroteRequest GotFirstResponseByte PutIdleConn"
		if got := strings.Join(events, " "); got != want {
			t.Errorf("request %d: hooks %q, want %q", i, got, want)
		}
		if reused != (i > 0) {
			t.Errorf("request %d: GotConnInfo.Reused = %v", i, reused)
		}
	}
}

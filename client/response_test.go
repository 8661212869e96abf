package client_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// connCounter is a handler that counts the client connections its
// requests came on, by remote address.
type connCounter struct {
	h     http.Handler
	mu    sync.Mutex // guards addrs
	addrs map[string]bool
}

func (c *connCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.addrs == nil {
		c.addrs = map[string]bool{}
	}
	c.addrs[r.RemoteAddr] = true
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

func (c *connCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.addrs)
	clear(c.addrs)
	return n
}

// bodyCapHandler serves bodies for TestMaxBodySize. /small answers 10
// bytes. /announced announces a huge Content-Length and then sends nothing
// more until the client goes away: a client that read the body would hang.
// /chunked sends chunks until the client goes away (at most 64 MiB).
// /exact?n= sends n bytes, with a length unless chunked=1. Every handler
// that ends because the client went away reports it on gone.
func bodyCapHandler(gone chan<- string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "0123456789") })
	mux.HandleFunc("/announced", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(100<<20))
		w.Write([]byte{'x'})
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		gone <- "announced"
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte{'x'}, 64<<10)
		for range 1024 {
			if _, err := w.Write(chunk); err != nil {
				break
			}
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
		gone <- "chunked"
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(bytes.Repeat([]byte{'y'}, n))
	})
	return mux
}

// TestMaxBodySize checks the body cap: a body over it fails with
// ErrBodyTooLarge, before reading anything when the length is announced;
// the connection it came on is not reused (HTTP/1.1) or its stream is reset
// (HTTP/2); a body of exactly the cap is read.
func TestMaxBodySize(t *testing.T) {
	gone := make(chan string, 1)
	counter := &connCounter{h: bodyCapHandler(gone)}
	eachProto(t, counter, func(t *testing.T, srv server) {
		ctx := context.Background()
		s := srv.session(t, client.WithMaxBodySize(1<<20))

		counter.count() // forget the other protocol's connections

		// Two good requests share one connection: the counter works.
		for range 2 {
			if _, err := s.Get(ctx, srv.URL+"/small"); err != nil {
				t.Fatal(err)
			}
		}
		if n := counter.count(); n != 1 {
			t.Fatalf("two small responses used %d connections, want 1", n)
		}

		for _, path := range []string{"/announced", "/chunked"} {
			_, err := s.Get(ctx, srv.URL+path, client.Timeout(20*time.Second))
			if !errors.Is(err, client.ErrBodyTooLarge) || errors.Is(err, client.ErrTimeout) {
				t.Fatalf("%s: got %v, want ErrBodyTooLarge", path, err)
			}
			if got := <-gone; got != path[1:] {
				t.Fatalf("handler %q ended, want %q", got, path[1:])
			}
			if _, err := s.Get(ctx, srv.URL+"/small"); err != nil {
				t.Fatal(err)
			}
			want := 1
			if srv.proto == "HTTP/1.1" {
				want = 2 // the too-large body's connection was closed
			}
			if n := counter.count(); n != want {
				t.Errorf("%s then a small response: %d connections, want %d", path, n, want)
			}
		}

		tests := []struct {
			name    string
			session int64
			opts    []client.RequestOption
			n       int
			chunked bool
			ok      bool
		}{
			{"exactly the cap", 1 << 20, nil, 1 << 20, false, true},
			{"exactly the cap, chunked", 1 << 20, nil, 1 << 20, true, true},
			{"one over", 1 << 20, nil, 1<<20 + 1, false, false},
			{"one over, chunked", 1 << 20, nil, 1<<20 + 1, true, false},
			{"request raises the cap", 10, []client.RequestOption{client.MaxBodySize(100)}, 100, true, true},
			{"request lowers the cap", 1 << 20, []client.RequestOption{client.MaxBodySize(5)}, 6, false, false},
			{"zero cap", 1 << 20, []client.RequestOption{client.MaxBodySize(0)}, 1, true, false},
			{"zero cap, empty body", 1 << 20, []client.RequestOption{client.MaxBodySize(0)}, 0, false, true},
			{"no cap", 10, []client.RequestOption{client.MaxBodySize(-1)}, 3 << 20, true, true},
		}
		for _, tt := range tests {
			s := srv.session(t, client.WithMaxBodySize(tt.session))
			u := srv.URL + "/exact?n=" + strconv.Itoa(tt.n)
			if tt.chunked {
				u += "&chunked=1"
			}
			resp, err := s.Get(ctx, u, tt.opts...)
			switch {
			case tt.ok && err != nil:
				t.Errorf("%s: %v", tt.name, err)
			case tt.ok:
				if b, _ := resp.Bytes(); len(b) != tt.n {
					t.Errorf("%s: got %d bytes, want %d", tt.name, len(b), tt.n)
				}
			case !errors.Is(err, client.ErrBodyTooLarge):
				t.Errorf("%s: got %v, want ErrBodyTooLarge", tt.name, err)
			}
		}
	})
}

// encodedHandler serves "hello, world" with the coding named by the
// "coding" query parameter, encoded in that order.
func encodedHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := []byte(r.URL.Query().Get("body"))
		if len(body) == 0 && r.URL.Query().Get("empty") == "" {
			body = []byte("hello, world")
		}
		codings := r.URL.Query()["coding"]
		for _, c := range codings {
			var buf bytes.Buffer
			var zw io.WriteCloser
			switch c {
			case "gzip", "x-gzip":
				zw = gzip.NewWriter(&buf)
			case "deflate": // zlib, as RFC 9110 says
				zw = zlib.NewWriter(&buf)
			case "raw-deflate": // what some servers send as "deflate"
				zw, _ = flate.NewWriter(&buf, flate.DefaultCompression)
				c = "deflate"
			case "identity", "snappy":
				w.Header().Add("Content-Encoding", c)
				continue
			}
			zw.Write(body)
			zw.Close()
			body = buf.Bytes()
			w.Header().Add("Content-Encoding", c)
		}
		if r.URL.Query().Get("truncate") != "" {
			body = body[:len(body)-4]
		}
		if r.URL.Query().Get("corrupt") != "" {
			body[len(body)/2] ^= 0xff
		}
		if r.URL.Query().Get("joined") != "" {
			w.Header()["Content-Encoding"] = []string{strings.Join(w.Header()["Content-Encoding"], ", ")}
		}
		if s := r.URL.Query().Get("status"); s != "" {
			code, _ := strconv.Atoi(s)
			w.WriteHeader(code)
		}
		w.Write(body)
	})
}

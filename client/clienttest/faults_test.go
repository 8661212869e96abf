package clienttest_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

func TestRawReply(t *testing.T) {
	const raw = "HTPT/1.1 2OO garbage\r\nX: y\r\n\r\n"
	srv := clienttest.NewServer(clienttest.Script{"/raw": {{Raw: raw}}})
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
	got, err := io.ReadAll(conn) // the server closes after the raw bytes
	if err != nil || string(got) != raw {
		t.Errorf("got %q, %v; want %q and EOF", got, err, raw)
	}
}

func TestRawReplyStalls(t *testing.T) {
	srv := clienttest.NewServer(clienttest.Script{"/raw": {{Raw: "HTTP/1.1 200 OK\r\n", Stall: true}}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if line != "HTTP/1.1 200 OK\r\n" || err != nil {
		t.Fatalf("got %q, %v", line, err)
	}
	if n := srv.OpenConnections(); n != 1 {
		t.Errorf("a stalled raw reply: %d open connections, want 1", n)
	}
	srv.Close() // ends the stall
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitClosed(ctx); err != nil {
		t.Errorf("after Close: %v", err)
	}
}

func TestRawReplyOverHTTP2ResetsTheStream(t *testing.T) {
	srv := clienttest.NewTLSServer(clienttest.Script{"/raw": {{Raw: "HTTP/1.1 200 OK\r\n\r\n"}}})
	defer srv.Close()
	resp, err := srv.Session().Get(context.Background(), srv.URL+"/raw")
	if err == nil {
		t.Fatalf("got %d %s, want an error", resp.StatusCode, resp.Proto)
	}
}

func TestWaitClosed(t *testing.T) {
	// The body is larger than what an HTTP/2 client lets a stream send
	// before it reads (4 MiB), so that the stream is still open when the
	// session closes its idle connections: a body the client had received
	// whole would leave the connection idle, and closed.
	each(t, clienttest.Script{"/big": {{Body: strings.Repeat("x", 8<<20)}}}, func(t *testing.T, srv *clienttest.Server, _ string) {
		s := srv.Session()
		resp, err := s.Get(context.Background(), srv.URL+"/big", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.OpenConnections(); n != 1 {
			t.Errorf("OpenConnections = %d, want 1", n)
		}
		s.Close() // the connection is busy: it stays open
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := srv.WaitClosed(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitClosed with a stream open: got %v, want DeadlineExceeded", err)
		}
		resp.Close()
		s.Close()
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.WaitClosed(ctx); err != nil {
			t.Errorf("WaitClosed once the stream is closed: %v", err)
		}
		if n := srv.OpenConnections(); n != 0 || srv.Connections() != 1 {
			t.Errorf("OpenConnections = %d, Connections = %d; want 0, 1", n, srv.Connections())
		}
	})
}

func TestBomb(t *testing.T) {
	for _, tt := range []struct {
		encoding string
		size     int64
	}{{"gzip", 0}, {"gzip", 1}, {"gzip", 3<<20 + 5}, {"deflate", 0}, {"deflate", 1<<20 + 3},
		{"zstd", 0}, {"zstd", 1}, {"zstd", 3<<20 + 5}, {"br", 0}, {"br", 1<<20 + 3}} {
		reply := clienttest.Bomb(tt.encoding, tt.size)
		if got := reply.Header.Get("Content-Encoding"); got != tt.encoding {
			t.Errorf("%s: Content-Encoding %q", tt.encoding, got)
		}
		var rd io.Reader
		in := strings.NewReader(reply.Body)
		switch tt.encoding {
		case "gzip":
			zr, err := gzip.NewReader(in)
			if err != nil {
				t.Fatal(err)
			}
			rd = zr
		case "deflate":
			rd = flate.NewReader(in)
		case "br":
			rd = brotli.NewReader(in)
		case "zstd":
			zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			rd = zr
		}
		data, err := io.ReadAll(rd)
		if err != nil || int64(len(data)) != tt.size || bytes.ContainsFunc(data, func(r rune) bool { return r != 0 }) {
			t.Errorf("Bomb(%q, %d) decodes to %d bytes, %v; want %d zero bytes", tt.encoding, tt.size, len(data), err, tt.size)
		}
		if tt.size > 1<<20 && int64(len(reply.Body)) > tt.size/500 {
			t.Errorf("Bomb(%q, %d) is %d bytes on the wire, want a ratio over 500", tt.encoding, tt.size, len(reply.Body))
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Bomb(\"lzma\") did not panic")
		}
	}()
	clienttest.Bomb("lzma", 1)
}

func TestDripAndEndless(t *testing.T) {
	script := clienttest.Script{
		"/drip":    {{Body: "abc", Drip: 5 * time.Millisecond}},
		"/endless": {{Body: "start", Endless: true}},
	}
	each(t, script, func(t *testing.T, srv *clienttest.Server, _ string) {
		s := srv.Session()
		start := time.Now()
		resp, err := s.Get(context.Background(), srv.URL+"/drip")
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := resp.Text(); body != "abc" || time.Since(start) < 15*time.Millisecond {
			t.Errorf("drip: %q after %v, want %q after 15ms at least", body, time.Since(start), "abc")
		}
		resp, err = s.Get(context.Background(), srv.URL+"/endless", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Close()
		if err != nil || len(data) != 1<<20 || !strings.HasPrefix(string(data), "start") {
			t.Errorf("endless: read %d bytes, %v; want 1 MiB starting %q", len(data), err, "start")
		}
		if resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "" {
			t.Errorf("endless: Content-Length %d %q, want none", resp.ContentLength, resp.Header.Get("Content-Length"))
		}
	})
}

func TestResetClosesTheConnection(t *testing.T) {
	srv := clienttest.NewServer(clienttest.Script{"/reset": {{Reset: true}}})
	defer srv.Close()
	resp, err := srv.Session().Get(context.Background(), srv.URL+"/reset")
	if err == nil {
		t.Fatalf("got %s, want an error", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitClosed(ctx); err != nil {
		t.Error(err)
	}
}

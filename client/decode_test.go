package client_test

import (
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"

	"github.com/requests3/requests/client"
)

// TestContentDecoding covers test_decompress_gzip and the codings a session
// asks for: gzip, deflate as zlib and as raw deflate, codings stacked in
// one header or several, and codings it cannot decode left as they are.
func TestContentDecoding(t *testing.T) {
	eachProto(t, encodedHandler(), func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		tests := []struct {
			query string
			want  string
		}{
			{"coding=gzip", "hello, world"},
			{"coding=x-gzip", "hello, world"},
			{"coding=deflate", "hello, world"},
			{"coding=raw-deflate", "hello, world"},
			{"coding=identity", "hello, world"},
			{"coding=gzip&coding=deflate", "hello, world"},
			{"coding=deflate&coding=gzip&joined=1", "hello, world"},
			{"coding=gzip&coding=identity&coding=gzip", "hello, world"},
			{"coding=gzip&empty=1", ""},
			{"coding=gzip&status=204", ""},
			{"coding=br", "hello, world"}, // not decoded: passed through
		}
		for _, tt := range tests {
			for _, stream := range []bool{false, true} {
				resp, err := s.Get(ctx, srv.URL+"/?"+tt.query, client.Stream(stream))
				if err != nil {
					t.Errorf("%s (stream %v): %v", tt.query, stream, err)
					continue
				}
				got, err := resp.Text()
				if err != nil || got != tt.want {
					t.Errorf("%s (stream %v): got %q, %v; want %q", tt.query, stream, got, err, tt.want)
				}
				resp.Close()
			}
		}

		// HEAD of a gzip resource: no body, and nothing to decode.
		for _, stream := range []bool{false, true} {
			resp, err := s.Head(ctx, srv.URL+"/?coding=gzip", client.Stream(stream))
			if err != nil {
				t.Fatal(err)
			}
			if b, err := resp.Bytes(); len(b) != 0 || err != nil {
				t.Errorf("HEAD (stream %v): got %q, %v; want no body", stream, b, err)
			}
		}

		// Broken encodings fail with an error that is not a size or
		// network error.
		for _, q := range []string{"coding=gzip&truncate=1", "coding=gzip&corrupt=1", "coding=deflate&corrupt=1"} {
			_, err := s.Get(ctx, srv.URL+"/?"+q)
			if err == nil || errors.Is(err, client.ErrBodyTooLarge) || errors.Is(err, client.ErrConnect) || errors.Is(err, client.ErrTimeout) {
				t.Errorf("%s: got %v, want a decoding error", q, err)
			}
		}
	})
}

// TestHTTPBinEncodings reads go-httpbin's /gzip and /deflate.
func TestHTTPBinEncodings(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, path := range []string{"/gzip", "/deflate"} {
			resp, err := s.Get(context.Background(), srv.URL+path)
			if err != nil {
				t.Fatal(err)
			}
			var v struct{ Gzipped, Deflated bool }
			if err := resp.JSON(&v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !v.Gzipped && !v.Deflated {
				t.Errorf("%s: body %+v says it was not encoded", path, v)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != path[1:] {
				t.Errorf("%s: Content-Encoding %q, want it kept as received", path, ce)
			}
		}
	})
}

// bombHandler sends 1 GiB of zeros, gzipped as it goes, and reports how
// many bytes it had compressed when the client went away.
func bombHandler(sent chan<- int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zeros := make([]byte, 1<<20)
		var n int64
		for n < 1<<30 && r.Context().Err() == nil {
			if _, err := zw.Write(zeros); err != nil {
				break
			}
			n += int64(len(zeros))
		}
		zw.Close()
		sent <- n
	})
}

// TestDecompressionBomb checks that the body cap applies to the decoded
// body: 1 GiB of zeros (1 MiB on the wire) fails with ErrBodyTooLarge
// once the cap is passed, without decoding the rest and without holding
// more than the cap in memory.
func TestDecompressionBomb(t *testing.T) {
	sent := make(chan int64, 1)
	eachProto(t, bombHandler(sent), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxBodySize(1<<20))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := s.Get(context.Background(), srv.URL)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, client.ErrBodyTooLarge) {
			t.Fatalf("got %v, want ErrBodyTooLarge", err)
		}
		// The server compresses as it goes and stops when the client
		// goes away: it must not have got far.
		if n := <-sent; n >= 1<<30 {
			t.Errorf("the server sent all %d bytes: the client read the whole body", n)
		}
		// Allocation counts every goroutine, the server's compressor
		// included; decoding the whole body would allocate over 1 GiB.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("allocated %d MiB reading a body capped at 1 MiB", alloc>>20)
		}
		t.Logf("allocated %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
	})
}

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
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/requests3/requests/client"
)

// encoder wraps w in one content coding. Close flushes it and releases
// what it holds; it does not close w.
func encoder(coding string, w io.Writer) io.WriteCloser {
	switch coding {
	case "gzip", "x-gzip":
		return gzip.NewWriter(w)
	case "deflate":
		return zlib.NewWriter(w)
	case "deflate-raw":
		fw, _ := flate.NewWriter(w, flate.DefaultCompression)
		return fw
	case "br":
		return brotli.NewWriterLevel(w, 1)
	case "zstd":
		zw, _ := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
		return zw
	}
	panic("unknown coding " + coding)
}

// encode applies codings to data in order.
func encode(data []byte, codings ...string) []byte {
	for _, c := range codings {
		var buf bytes.Buffer
		w := encoder(c, &buf)
		w.Write(data)
		w.Close()
		data = buf.Bytes()
	}
	return data
}

// codedHandler answers with the body of the "body" query parameter,
// encoded with the codings of the "c" parameters in order, and the
// Content-Encoding of the "ce" parameter.
func codedHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := encode([]byte(q.Get("body")), q["c"]...)
	w.Header().Set("Content-Encoding", q.Get("ce"))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// TestContentCodings: every coding a session decodes (br and zstd among
// them), alone and stacked; an unknown coding, alone or in a stack, leaves
// the body as it is. The Content-Encoding header is kept as received, for a
// body read into memory and for a streamed one.
func TestContentCodings(t *testing.T) {
	verifyNoLeaks(t)
	const text = "hello, hello, hello, decoded world"
	tests := []struct {
		ce    string   // the Content-Encoding sent
		steps []string // the codings applied, in order
		raw   bool     // the body stays encoded
	}{
		{"gzip", []string{"gzip"}, false},
		{"x-gzip", []string{"gzip"}, false},
		{"GZIP", []string{"gzip"}, false},
		{"deflate", []string{"deflate"}, false},
		{"deflate", []string{"deflate-raw"}, false},
		{"br", []string{"br"}, false},
		{"zstd", []string{"zstd"}, false},
		{"identity", nil, false},
		{"gzip, br", []string{"gzip", "br"}, false},
		{"br, zstd, gzip", []string{"br", "zstd", "gzip"}, false},
		{"compress", []string{"gzip"}, true},
		{"gzip, snappy", []string{"gzip"}, true},
	}
	eachProto(t, http.HandlerFunc(codedHandler), func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			for _, stream := range []bool{false, true} {
				u := srv.URL + "/?body=" + strings.ReplaceAll(text, " ", "+") + "&ce=" + strings.ReplaceAll(tt.ce, " ", "+")
				for _, c := range tt.steps {
					u += "&c=" + c
				}
				resp, err := s.Get(context.Background(), u, client.Stream(stream))
				if err != nil {
					t.Fatalf("%s (stream %v): %v", tt.ce, stream, err)
				}
				var got []byte
				if stream {
					got, err = io.ReadAll(resp.Body)
					resp.Close()
				} else {
					got, err = resp.Bytes()
				}
				want := []byte(text)
				if tt.raw {
					want = encode(want, tt.steps...)
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s (stream %v): got %q, %v; want %q", tt.ce, stream, got, err, want)
				}
				if ce := resp.Header.Get("Content-Encoding"); ce != tt.ce {
					t.Errorf("%s (stream %v): got Content-Encoding %q, want it kept", tt.ce, stream, ce)
				}
			}
		}
	})
}

// TestAcceptEncoding: a session asks for every coding it decodes.
func TestAcceptEncoding(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/headers")
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			Headers map[string][]string `json:"headers"`
		}
		resp.JSON(&h)
		if got := strings.Join(h.Headers["Accept-Encoding"], ","); got != "gzip, deflate, br, zstd" {
			t.Errorf("got Accept-Encoding %q, want %q", got, "gzip, deflate, br, zstd")
		}
	})
}

// TestDecompressFalse: the body as sent, its Content-Encoding kept, and the
// size cap applied to the encoded size.
func TestDecompressFalse(t *testing.T) {
	const text = "raw raw raw raw raw raw raw raw raw raw raw raw raw"
	want := encode([]byte(text), "gzip")
	eachProto(t, http.HandlerFunc(codedHandler), func(t *testing.T, srv server) {
		s := srv.session(t)
		u := srv.URL + "/?ce=gzip&c=gzip&body=" + strings.ReplaceAll(text, " ", "+")
		for _, stream := range []bool{false, true} {
			resp, err := s.Get(context.Background(), u, client.Decompress(false), client.Stream(stream))
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			if stream {
				got, err = io.ReadAll(resp.Body)
				resp.Close()
			} else {
				got, err = resp.Bytes()
			}
			if err != nil || !bytes.Equal(got, want) || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("stream %v: got %q (%v), Content-Encoding %q; want the gzip bytes, gzip", stream, got, err, resp.Header.Get("Content-Encoding"))
			}
		}
		_, err := s.Get(context.Background(), u, client.Decompress(false), client.MaxBodySize(int64(len(want)-1)))
		if !errors.Is(err, client.ErrBodyTooLarge) {
			t.Errorf("got %v, want ErrBodyTooLarge for the encoded size", err)
		}
		resp, err := s.Get(context.Background(), u, client.Decompress(false), client.Decompress(true))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := resp.Text(); got != text {
			t.Errorf("Decompress(true) last: got %q, want %q", got, text)
		}
	})
}

// TestContentDecodingErrors: test_iter_content_wraps_exceptions (a
// DecodeError becomes ContentDecodingError) for every coding. A body that
// cannot be decoded fails with ErrContentDecoding; a connection cut
// mid-body does not.
func TestContentDecodingErrors(t *testing.T) {
	verifyNoLeaks(t)
	good := encode(bytes.Repeat([]byte("some text to compress "), 200), "gzip")
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32
	bigWindow := func() []byte {
		var buf bytes.Buffer
		zw, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(64<<20))
		zw.Write(bytes.Repeat([]byte("x"), 1<<20))
		zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name, ce string
		body     []byte
		cut      bool // the server announces more than it sends, then closes
		want     error
	}{
		{"gzip: bad header", "gzip", []byte("this is not gzip"), false, client.ErrContentDecoding},
		{"gzip: bad checksum", "gzip", corrupt, false, client.ErrContentDecoding},
		{"gzip: truncated", "gzip", good[:len(good)/2], false, client.ErrContentDecoding},
		{"deflate: garbage", "deflate", []byte{0xff, 0xff, 0xff, 0xff}, false, client.ErrContentDecoding},
		{"br: garbage", "br", []byte("not brotli at all, not at all"), false, client.ErrContentDecoding},
		{"zstd: garbage", "zstd", []byte("not zstd"), false, client.ErrContentDecoding},
		{"zstd: window over 8 MiB", "zstd", bigWindow, false, client.ErrContentDecoding},
		{"gzip: connection cut", "gzip", good[:len(good)/2], true, nil},
	}
	mux := http.NewServeMux()
	for i, tt := range tests {
		mux.HandleFunc("/"+strconv.Itoa(i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", tt.ce)
			n := len(tt.body)
			if tt.cut {
				n *= 2
			}
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(tt.body)
			if tt.cut {
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}
		})
	}
	eachProto(t, mux, func(t *testing.T, srv server) {
		s := srv.session(t)
		for i, tt := range tests {
			u := srv.URL + "/" + strconv.Itoa(i)
			_, err := s.Get(context.Background(), u)
			checkDecodeError(t, tt.name, err, tt.want, srv.proto)
			resp, err := s.Get(context.Background(), u, client.Stream(true))
			if err != nil {
				t.Fatalf("%s: streamed: %v", tt.name, err)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Close()
			checkDecodeError(t, tt.name+" (streamed)", err, tt.want, srv.proto)
		}
	})
}

// checkDecodeError checks the error of a body that could not be read:
// want, or for a connection cut (want nil) the transport's own error, which
// is neither a decoding error nor the caller's cancellation.
func checkDecodeError(t *testing.T, name string, err, want error, proto string) {
	t.Helper()
	if want == nil {
		if proto == "HTTP/1.1" {
			want = io.ErrUnexpectedEOF
		}
		if err == nil || errors.Is(err, client.ErrContentDecoding) || errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want a connection error only", name, err)
		}
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", name, err, want)
	}
}

// TestStreamedDecodingHeadAndClose: a HEAD or 204 with a Content-Encoding
// has no body to decode, and a streamed body closed unread releases its
// decoder.
func TestStreamedDecodingHeadAndClose(t *testing.T) {
	verifyNoLeaks(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", r.URL.Query().Get("ce"))
		if r.URL.Query().Get("status") == "204" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(encode(bytes.Repeat([]byte("z"), 1<<20), r.URL.Query().Get("ce")))
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, ce := range []string{"gzip", "br", "zstd"} {
			for _, stream := range []bool{false, true} {
				resp, err := s.Head(context.Background(), srv.URL+"/?ce="+ce, client.Stream(stream))
				if err != nil {
					t.Fatalf("HEAD %s: %v", ce, err)
				}
				resp.Close()
				resp, err = s.Get(context.Background(), srv.URL+"/?status=204&ce="+ce, client.Stream(stream))
				if err != nil || resp.StatusCode != 204 {
					t.Fatalf("204 %s: got %v, %v", ce, resp, err)
				}
				resp.Close()
			}
			resp, err := s.Get(context.Background(), srv.URL+"/?ce="+ce, client.Stream(true))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "zzzzzzzzzz" {
				t.Errorf("%s: got %q, %v", ce, buf, err)
			}
			resp.Close()
		}
	})
}

// TestDecompressionBomb: 1 GiB of zeros in gzip, br and zstd, encoded by the
// server as it streams, ends with ErrBodyTooLarge once the decoded size
// passes the cap, quickly and without a memory spike.
func TestDecompressionBomb(t *testing.T) {
	verifyNoLeaks(t)
	const (
		bomb    = 1 << 30
		maxBody = 4 << 20
		limit   = 48 << 20 // peak HeapInuse growth allowed
	)
	sent := make(chan int64, 1) // how much the server had encoded when the client left
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ce := r.URL.Query().Get("ce")
		w.Header().Set("Content-Encoding", ce)
		enc := encoder(ce, w)
		defer enc.Close()
		zeros := make([]byte, 1<<20)
		var n int64
		defer func() { sent <- n }()
		for ; n < bomb; n += int64(len(zeros)) {
			// Flush as it goes, so that the client gets the bomb as it is
			// made, not when the server's buffers fill.
			if _, err := enc.Write(zeros); err != nil {
				return // the client went away
			}
			if err := enc.(interface{ Flush() error }).Flush(); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxBodySize(maxBody))
		for _, ce := range []string{"gzip", "br", "zstd"} {
			var err error
			start := time.Now()
			base, peak := heapPeak(func() {
				_, err = s.Get(context.Background(), srv.URL+"/?ce="+ce)
			})
			elapsed := time.Since(start)
			t.Logf("%s %s: %v in %v; HeapInuse %.1f MiB before, peak %.1f MiB", srv.proto, ce, errors.Is(err, client.ErrBodyTooLarge),
				elapsed.Round(time.Millisecond), float64(base)/(1<<20), float64(peak)/(1<<20))
			if !errors.Is(err, client.ErrBodyTooLarge) {
				t.Errorf("%s: got %v, want ErrBodyTooLarge", ce, err)
			}
			if peak-base > limit {
				t.Errorf("%s: HeapInuse grew by %d MiB, want under %d MiB", ce, (peak-base)>>20, limit>>20)
			}
			// The server encodes as it goes and stops when the client
			// goes away: it must not have got far.
			if n := <-sent; n >= bomb {
				t.Errorf("%s: the server sent all %d bytes: the client read the whole body", ce, n)
			}
		}
	})
}

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
			{"coding=snappy", "hello, world"}, // unknown: passed through
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

package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/requests3/requests/client"
)

// memTransport answers every request from memory with body, so that the
// benchmarks measure the session and not the network.
type memTransport struct {
	body     []byte
	encoding string
}

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if m.encoding != "" {
		h["Content-Encoding"] = []string{m.encoding}
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(m.body)), ContentLength: int64(len(m.body)), Request: r,
	}, nil
}

// BenchmarkPrepare builds the first request of a call: URL, headers,
// cookies from the jar and credentials.
func BenchmarkPrepare(b *testing.B) {
	ctx := context.Background()
	tests := []struct {
		name string
		s    *client.Session
		r    *client.Request
	}{
		{"plain", client.NewSession(), client.NewRequest("GET", "http://api.test/users/1")},
		{"options", client.NewSession(client.WithHeader("X-Session", "1"), client.WithBaseURL("http://api.test/v1/")),
			client.NewRequest("GET", "users", client.Params{"page": "2", "q": "a b"}, client.Header{"X-Request": "1"},
				client.BasicAuth("user", "pass"), client.Cookies{"c": "1"})},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tt.s.Prepare(ctx, tt.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDo sends a GET through a session over an in-memory transport
// and reads the body: the session's cost per request. "net/http" does the
// same with an http.Client over the same transport, reading the body into
// a buffer sized by Content-Length (or copying it to io.Discard), as the
// reference the session is held to.
func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{1 << 10, 64 << 10} {
		rt := &memTransport{body: bytes.Repeat([]byte("a"), size)}
		s := client.NewSession(client.WithTransport(rt))
		hc := &http.Client{Transport: rt}
		const url = "http://api.test/data"
		b.Run("session/"+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := s.Get(ctx, url)
				if err != nil {
					b.Fatal(err)
				}
				if data, _ := resp.Bytes(); len(data) != size {
					b.Fatal(len(data))
				}
			}
		})
		b.Run("session-timings/"+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			timings := client.TraceTimings(true) // the cost of its hooks
			for b.Loop() {
				resp, err := s.Get(ctx, url, timings)
				if err != nil {
					b.Fatal(err)
				}
				if data, _ := resp.Bytes(); len(data) != size {
					b.Fatal(len(data))
				}
			}
		})
		b.Run("session-stream/"+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			stream := client.Stream(true)
			for b.Loop() {
				resp, err := s.Get(ctx, url, stream)
				if err != nil {
					b.Fatal(err)
				}
				if n, _ := resp.WriteTo(io.Discard); n != int64(size) {
					b.Fatal(n)
				}
			}
		})
		b.Run("net/http/"+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, resp.ContentLength)
				n, _ := io.ReadFull(resp.Body, buf)
				resp.Body.Close()
				if n != size {
					b.Fatal(n)
				}
			}
		})
		b.Run("net/http-discard/"+strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(size) {
					b.Fatal(n)
				}
			}
		})
	}
}

// BenchmarkDecode reads bodies with a content coding, and one of unknown
// length, into memory.
func BenchmarkDecode(b *testing.B) {
	ctx := context.Background()
	plain := bytes.Repeat([]byte("requests3 "), 64<<10/10)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	tests := []struct {
		name string
		rt   http.RoundTripper
	}{
		{"identity", &memTransport{body: plain}},
		{"gzip", &memTransport{body: gz.Bytes(), encoding: "gzip"}},
		{"unknown-length", unknownLength{&memTransport{body: plain}}},
	}
	for _, tt := range tests {
		s := client.NewSession(client.WithTransport(tt.rt))
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(plain)))
			for b.Loop() {
				resp, err := s.Get(ctx, "http://api.test/data")
				if err != nil {
					b.Fatal(err)
				}
				if data, _ := resp.Bytes(); len(data) != len(plain) {
					b.Fatal(len(data))
				}
			}
		})
	}
}

// unknownLength hides the Content-Length of its transport's responses.
type unknownLength struct{ rt http.RoundTripper }

func (u unknownLength) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := u.rt.RoundTrip(r)
	if resp != nil {
		resp.ContentLength = -1
	}
	return resp, err
}

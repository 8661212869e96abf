package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// readProgress counts the body bytes the client has read, so that a
// handler can wait until the client has read what it sent.
type readProgress struct {
	mu    sync.Mutex // guards total and moved
	total int
	moved chan struct{} // closed and replaced when total grows
}

func newReadProgress() *readProgress { return &readProgress{moved: make(chan struct{})} }

// middleware wraps every response body so that reads are counted.
func (p *readProgress) middleware(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		if err == nil {
			p.mu.Lock()
			p.total = 0
			p.mu.Unlock()
			resp.Body = &countedBody{resp.Body, p}
		}
		return resp, err
	})
}

type countedBody struct {
	io.ReadCloser
	p *readProgress
}

func (b *countedBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		b.p.mu.Lock()
		b.p.total += n
		close(b.p.moved)
		b.p.moved = make(chan struct{})
		b.p.mu.Unlock()
	}
	return n, err
}

// waitFor waits until the client has read n bytes, or ctx is done.
func (p *readProgress) waitFor(ctx context.Context, n int) {
	for {
		p.mu.Lock()
		total, moved := p.total, p.moved
		p.mu.Unlock()
		if total >= n {
			return
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return
		}
	}
}

// splitCRLFHandler sends its body in parts, each but the last ending in
// "\r", and waits before each next part until the client has read the
// previous one: every "\r\n" is split across two reads.
func splitCRLFHandler(p *readProgress, parts []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent := 0
		for _, part := range parts {
			p.waitFor(r.Context(), sent)
			io.WriteString(w, part)
			w.(http.Flusher).Flush()
			sent += len(part)
		}
	})
}

// TestLinesSplitCRLF covers test_response_iter_lines and the Requests bug
// where iter_lines invents a blank line when "\r\n" is split across reads.
func TestLinesSplitCRLF(t *testing.T) {
	p := newReadProgress()
	parts := []string{"a\r", "\nb\r", "\n\r", "\nx\ry\r", "\nlast\r"}
	want := []string{"a", "b", "", "x\ry", "last"}
	eachProto(t, splitCRLFHandler(p, parts), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMiddleware(p.middleware))
		for _, stream := range []bool{true, false} {
			resp, err := s.Get(context.Background(), srv.URL, client.Stream(stream), client.Timeout(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for line, err := range resp.Lines() {
				if err != nil {
					t.Fatalf("stream %v: %v", stream, err)
				}
				got = append(got, line)
			}
			if !slices.Equal(got, want) {
				t.Errorf("stream %v: lines %q, want %q", stream, got, want)
			}
		}
	})
}

// bodiesHandler serves fixed bodies by path.
func bodiesHandler(bodies map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, bodies[r.URL.Path])
	})
}

// TestLines checks line splitting on bodies read into memory and streamed,
// including lines longer than any buffer, ends at buffer boundaries and a
// body without a final newline.
func TestLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	edge := strings.Repeat("y", 32<<10)
	tests := []struct {
		path, body string
		want       []string
	}{
		{"/empty", "", nil},
		{"/one", "one", []string{"one"}},
		{"/newline", "\n", []string{""}},
		{"/blank", "a\n\nb\n", []string{"a", "", "b"}},
		{"/crlf", "a\r\nb\r\n\r\nc", []string{"a", "b", "", "c"}},
		{"/lonecr", "a\rb\n", []string{"a\rb"}},
		{"/finalcr", "a\r", []string{"a"}},
		{"/long", "s\n" + long + "\r\nt", []string{"s", long, "t"}},
		{"/long-last", long, []string{long}},
		{"/edge", edge + "\n" + edge, []string{edge, edge}},
		{"/edge-minus", edge[1:] + "\n" + edge[1:] + "\r\n", []string{edge[1:], edge[1:]}},
		{"/utf8", "ü\nü", []string{"ü", "ü"}},
	}
	bodies := map[string]string{}
	for _, tt := range tests {
		bodies[tt.path] = tt.body
	}
	eachProto(t, bodiesHandler(bodies), func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			for _, stream := range []bool{false, true} {
				resp, err := s.Get(context.Background(), srv.URL+tt.path, client.Stream(stream))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for line, err := range resp.Lines() {
					if err != nil {
						t.Fatalf("%s (stream %v): %v", tt.path, stream, err)
					}
					got = append(got, line)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s (stream %v): %d lines %.40q, want %d lines %.40q", tt.path, stream, len(got), got, len(tt.want), tt.want)
				}
				if !stream { // a body in memory can be iterated again
					if again := slices.Collect(keys(resp.Lines())); !slices.Equal(again, tt.want) {
						t.Errorf("%s: second iteration gave %.40q", tt.path, again)
					}
				}
			}
		}
	})
}

// keys drops the errors of a Seq2.
func keys[K, V any](seq func(func(K, V) bool)) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range seq {
			if !yield(k) {
				return
			}
		}
	}
}

// endlessHandler sends numbered lines until the client goes away, then
// reports it on gone.
func endlessHandler(gone chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 1_000_000 && r.Context().Err() == nil; i++ {
			if _, err := io.WriteString(w, strconv.Itoa(i)+"\n"); err != nil {
				break
			}
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
		gone <- struct{}{}
	})
}

// TestLinesBreakClosesStream covers test_response_context_manager and
// test_unconsumed_session_response_closes_connection for iterators:
// breaking out of Lines or Chunks closes a streamed body, and the server
// sees the request end.
func TestLinesBreakClosesStream(t *testing.T) {
	gone := make(chan struct{}, 1)
	eachProto(t, endlessHandler(gone), func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, iter := range []string{"Lines", "Chunks"} {
			resp, err := s.Get(context.Background(), srv.URL, client.Stream(true))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			if iter == "Lines" {
				for line, err := range resp.Lines() {
					if err != nil || line != strconv.Itoa(n) {
						t.Fatalf("line %d: %q, %v", n, line, err)
					}
					if n++; n == 3 {
						break
					}
				}
			} else {
				for _, err := range resp.Chunks(2) {
					if err != nil {
						t.Fatal(err)
					}
					if n++; n == 3 {
						break
					}
				}
			}
			<-gone // the server saw the client go away
			if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
				t.Errorf("%s: read after break: got %v, want ErrBodyReadAfterClose", iter, err)
			}
			for line, err := range resp.Lines() {
				if !errors.Is(err, http.ErrBodyReadAfterClose) {
					t.Errorf("%s: iterating again gave %q, %v; want ErrBodyReadAfterClose", iter, line, err)
				}
			}
		}
	})
}

// TestLinesHTTPBinStream reads go-httpbin's /stream/N line by line: every
// line is a JSON document, and a fully iterated stream is closed.
func TestLinesHTTPBinStream(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/stream/5", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for line, err := range resp.Lines() {
			if err != nil {
				t.Fatal(err)
			}
			var v struct{ ID int }
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			ids = append(ids, v.ID)
		}
		if !slices.Equal(ids, []int{0, 1, 2, 3, 4}) {
			t.Errorf("ids %v, want 0 to 4", ids)
		}
		if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("after the last line: got %v, want ErrBodyReadAfterClose", err)
		}
	})
}

// TestLinesMaxLength checks that a streamed line longer than the maximum
// body size fails with ErrBodyTooLarge, while a long stream of short lines
// does not.
func TestLinesMaxLength(t *testing.T) {
	bodies := map[string]string{
		"/short": strings.Repeat("0123456789\n", 1000),
		"/long":  "ok\n" + strings.Repeat("z", 2000) + "\nnever",
	}
	eachProto(t, bodiesHandler(bodies), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxBodySize(1000))
		resp, err := s.Get(context.Background(), srv.URL+"/short", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range resp.Lines() {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			t.Errorf("got %d lines, want 1000", n)
		}

		resp, err = s.Get(context.Background(), srv.URL+"/long", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var last error
		for line, err := range resp.Lines() {
			got, last = append(got, line), err
		}
		if !errors.Is(last, client.ErrBodyTooLarge) || len(got) != 2 || got[0] != "ok" {
			t.Errorf("got lines %.20q ending with %v, want \"ok\" then ErrBodyTooLarge", got, last)
		}
	})
}

// TestLinesReadError covers test_iter_content_wraps_exceptions and
// test_chunked_encoding_error as they apply: a body cut short yields its
// error once and ends the iteration.
func TestLinesReadError(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "a\nb\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // cut the response short
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL, client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		var errs []error
		for line, err := range resp.Lines() {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			lines = append(lines, line)
		}
		if !slices.Equal(lines, []string{"a", "b"}) || len(errs) != 1 {
			t.Errorf("got lines %q and errors %v, want a, b and one error", lines, errs)
		}
	})
}

// TestChunks checks chunk sizes, the reuse of one buffer, and that a
// streamed body gives the same bytes as one read into memory.
func TestChunks(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		whole, err := s.Get(ctx, srv.URL+"/bytes/100000?seed=7")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := whole.Bytes()

		// In memory: every chunk but the last is full, in one buffer.
		var sizes []int
		var first *byte
		var got []byte
		for c, err := range whole.Chunks(30000) {
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = &c[:1][0]
			} else if &c[:1][0] != first {
				t.Errorf("chunk %d is in another buffer", len(sizes))
			}
			sizes = append(sizes, len(c))
			got = append(got, c...)
		}
		if !slices.Equal(sizes, []int{30000, 30000, 30000, 10000}) || !bytes.Equal(got, want) {
			t.Errorf("in memory: chunk sizes %v, same bytes %v", sizes, bytes.Equal(got, want))
		}
		if n := len(slices.Collect(keys(whole.Chunks(0)))); n != 4 {
			t.Errorf("Chunks(0) gave %d chunks of DefaultChunkSize, want 4", n)
		}

		// Streamed: chunks of at most n bytes, as they arrive.
		resp, err := s.Get(ctx, srv.URL+"/bytes/100000?seed=7", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for c, err := range resp.Chunks(1000) {
			if err != nil {
				t.Fatal(err)
			}
			if len(c) == 0 || len(c) > 1000 {
				t.Errorf("streamed chunk of %d bytes, want 1 to 1000", len(c))
			}
			got = append(got, c...)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("streamed chunks differ from the body read into memory")
		}

		// go-httpbin's /drip sends one byte at a time.
		resp, err = s.Get(ctx, srv.URL+"/drip?duration=0&delay=0&numbytes=10", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		var dripped []byte
		for c, err := range resp.Chunks(4) {
			if err != nil {
				t.Fatal(err)
			}
			dripped = append(dripped, c...)
		}
		if string(dripped) != strings.Repeat("*", 10) {
			t.Errorf("drip gave %q, want 10 stars", dripped)
		}
	})
}

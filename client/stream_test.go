package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// TestStreamLeavesBodyUnread checks that Do returns a streamed response as
// soon as its headers arrive: the handler holds back the rest of the body
// until Do has returned.
func TestStreamLeavesBodyUnread(t *testing.T) {
	release := make(chan chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first ")
		w.(http.Flusher).Flush()
		ch := make(chan struct{})
		release <- ch
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second")
	})
	eachProto3(t, h, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL, client.Stream(true), client.Timeout(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		close(<-release) // the handler has not finished the body
		if resp.Body == nil {
			t.Fatal("Body is nil")
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != "first second" {
			t.Errorf("Body gave %q, %v; want %q", b, err, "first second")
		}
	})
}

// countingWriter counts bytes, hides any ReadFrom of its own, and closes
// half once it has been given half bytes.
type countingWriter struct {
	n, half  int64
	halfDone chan struct{}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.n >= w.half && w.halfDone != nil {
		close(w.halfDone)
		w.halfDone = nil
	}
	return len(p), nil
}

// TestWriteToDoesNotBuffer copies a 64 MiB streamed body with WriteTo.
// The handler sends the second half only once the writer has been given
// the first, so a WriteTo that held the body before writing it would never
// finish; and the memory allocated meanwhile stays far below the body's
// size. The cap on body size does not apply to WriteTo.
func TestWriteToDoesNotBuffer(t *testing.T) {
	const size = 64 << 20
	halves := make(chan chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte{'w'}, 64<<10)
		half := <-halves
		for i := range size / len(chunk) {
			if i == size/len(chunk)/2 {
				w.(http.Flusher).Flush()
				select {
				case <-half:
				case <-r.Context().Done():
					return
				}
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxBodySize(1<<20))
		w := &countingWriter{half: size / 2, halfDone: make(chan struct{})}
		halves <- w.halfDone
		resp, err := s.Get(context.Background(), srv.URL, client.Stream(true), client.Timeout(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n, err := resp.WriteTo(w)
		runtime.ReadMemStats(&after)
		if err != nil || n != size || w.n != size {
			t.Fatalf("WriteTo = %d, %v (writer got %d); want %d", n, err, w.n, size)
		}
		// Every goroutine counts, the server's included. Holding the body
		// would allocate at least its 64 MiB; HTTP/2 recycles its frame
		// buffers through a sync.Pool, which the race detector defeats in
		// part.
		limit := uint64(16 << 20)
		if raceEnabled {
			limit = size * 3 / 4
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
			t.Errorf("allocated %d MiB copying a 64 MiB body, want at most %d", alloc>>20, limit>>20)
		}
		if _, err := resp.Bytes(); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Bytes after WriteTo: got %v, want ErrBodyReadAfterClose", err)
		}
	})
}

// TestStreamClose covers test_response_context_manager: Close can be called
// any number of times, reading after it fails with
// http.ErrBodyReadAfterClose, and closing an unread body ends the request
// at the server.
func TestStreamClose(t *testing.T) {
	gone := make(chan struct{}, 1)
	eachProto3(t, endlessHandler(gone), func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL, client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := resp.Close(); err != nil {
				t.Errorf("Close #%d: %v", i+1, err)
			}
		}
		<-gone
		if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Body.Read after Close: got %v, want ErrBodyReadAfterClose", err)
		}
		if _, err := resp.Bytes(); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Bytes after Close: got %v, want ErrBodyReadAfterClose", err)
		}
		if _, err := resp.Text(); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Text after Close: got %v, want ErrBodyReadAfterClose", err)
		}
		if _, err := resp.WriteTo(io.Discard); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("WriteTo after Close: got %v, want ErrBodyReadAfterClose", err)
		}
	})
}

// TestStreamBytes checks Bytes on a streamed response: it reads the rest
// under the size cap, closes the body, and gives the same bytes again.
func TestStreamBytes(t *testing.T) {
	bodies := map[string]string{"/small": "hello", "/big": strings.Repeat("b", 2000)}
	eachProto3(t, bodiesHandler(bodies), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxBodySize(1000))
		resp, err := s.Get(context.Background(), srv.URL+"/small", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if b, err := resp.Bytes(); string(b) != "hello" || err != nil {
				t.Errorf("Bytes = %q, %v; want hello", b, err)
			}
		}
		if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("Body after Bytes: got %v, want ErrBodyReadAfterClose", err)
		}
		resp, err = s.Get(context.Background(), srv.URL+"/big", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resp.Bytes(); !errors.Is(err, client.ErrBodyTooLarge) {
			t.Errorf("Bytes of 2000 bytes capped at 1000: got %v, want ErrBodyTooLarge", err)
		}
	})
}

// TestNotStreamed checks a response read into memory: no Body, Close does
// nothing, and the body can be read any number of times.
func TestNotStreamed(t *testing.T) {
	eachProto3(t, bodiesHandler(map[string]string{"/": "data"}), func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.Body != nil {
			t.Error("Body is set on a response read into memory")
		}
		if resp.Elapsed <= 0 { // test_time_elapsed_blank
			t.Errorf("Elapsed %v, want it measured", resp.Elapsed)
		}
		if err := resp.Close(); err != nil {
			t.Error(err)
		}
		for range 2 {
			var buf bytes.Buffer
			if n, err := resp.WriteTo(&buf); n != 4 || err != nil || buf.String() != "data" {
				t.Errorf("WriteTo = %d, %v, %q", n, err, buf.String())
			}
			if b, err := resp.Bytes(); string(b) != "data" || err != nil {
				t.Errorf("Bytes = %q, %v", b, err)
			}
		}
	})
}

// smallReaderFrom is a destination with a ReadFrom of its own that reads
// 512 bytes at a time. It records what it is given.
type smallReaderFrom struct {
	readFrom  bool
	n, writes int64
	largest   int
	h         hash.Hash
}

func (w *smallReaderFrom) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.writes++
	w.largest = max(w.largest, len(p))
	w.h.Write(p)
	return len(p), nil
}

func (w *smallReaderFrom) ReadFrom(r io.Reader) (int64, error) {
	w.readFrom = true
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, make([]byte, 512))
}

// TestStreamCopyReadsLarge: io.Copy from a streamed body reads it through
// the body's own 32 KiB buffer, whatever the destination's ReadFrom would
// do (io.Discard's reads 8 KiB at a time; over HTTP/2 each read of 4 KiB
// or more sends a window update). The body arrives whole and in order.
func TestStreamCopyReadsLarge(t *testing.T) {
	const size = 1 << 20
	body := make([]byte, size)
	for i := range body {
		body[i] = byte(i * 7 / 3)
	}
	want := sha256.Sum256(body)
	sent := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Write(body)
		w.(http.Flusher).Flush()
		sent <- struct{}{}
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL, client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		<-sent // the whole body is on its way: reads find more than 8 KiB
		w := &smallReaderFrom{h: sha256.New()}
		n, err := io.Copy(w, resp.Body)
		if err != nil || n != size || w.n != size {
			t.Fatalf("io.Copy = %d, %v (writer got %d); want %d", n, err, w.n, size)
		}
		if w.readFrom {
			t.Error("io.Copy went through the destination's ReadFrom")
		}
		if w.largest <= 8<<10 || w.largest > 32<<10 {
			t.Errorf("largest write %d bytes (of %d writes), want more than 8 KiB and at most 32 KiB", w.largest, w.writes)
		}
		if got := w.h.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Error("the body arrived changed")
		}
	})
}

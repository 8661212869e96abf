package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// gotBody is what bodyHandler saw of a request body.
type gotBody struct {
	ContentLength    int64    `json:"content_length"`
	TransferEncoding []string `json:"transfer_encoding"`
	HasLengthHeader  bool     `json:"has_length_header"`
	Body             string   `json:"body"`
	Err              string   `json:"err"`
}

func bodyHandler(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	got := gotBody{
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		HasLengthHeader:  r.Header.Get("Content-Length") != "",
		Body:             string(data),
	}
	if err != nil {
		got.Err = err.Error()
	}
	fmt.Fprintf(w, "%d|%s|%v|%s|%s", got.ContentLength, strings.Join(got.TransferEncoding, ","), got.HasLengthHeader, got.Body, got.Err)
}

func chunksOf(parts ...string) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for _, p := range parts {
			if !yield([]byte(p), nil) {
				return
			}
		}
	}
}

// TestStreamingUploads: test_chunked_upload (a generator goes out chunked),
// test_chunked_upload_does_not_set_content_length_header,
// test_POSTBIN_SEEKED_OBJECT_WITH_NO_ITER (a seeker is sent from where it
// stands). Never both Content-Length and Transfer-Encoding.
func TestStreamingUploads(t *testing.T) {
	verifyNoLeaks(t)
	seeked := func() client.RequestOption {
		p := newPattern(10)
		p.Seek(4, io.SeekStart)
		return client.Body(p)
	}
	wantSeeked := func() string {
		b, _ := io.ReadAll(newPattern(10))
		return string(b[4:])
	}()
	tests := []struct {
		name    string
		opt     func() client.RequestOption
		body    string
		chunked bool
	}{
		{"chunks", func() client.RequestOption { return client.BodyChunks(chunksOf("hello", "", ", ", "world")) }, "hello, world", true},
		{"no chunks", func() client.RequestOption { return client.BodyChunks(chunksOf()) }, "", true},
		{"one-shot reader", func() client.RequestOption { return client.Body(oneShot{strings.NewReader("streamed")}) }, "streamed", true},
		{"seeked reader", seeked, wantSeeked, false},
	}
	eachProto3(t, http.HandlerFunc(bodyHandler), func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			resp, err := s.Post(context.Background(), srv.URL, tt.opt())
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			data, _ := resp.Bytes()
			text := string(data)
			want := fmt.Sprintf("%d||false|%s|", len(tt.body), tt.body)
			if tt.chunked {
				te := ""
				if srv.proto == "HTTP/1.1" {
					te = "chunked"
				}
				want = fmt.Sprintf("-1|%s|false|%s|", te, tt.body)
			} else {
				want = fmt.Sprintf("%d||true|%s|", len(tt.body), tt.body)
			}
			if text != want {
				t.Errorf("%s: server saw %q (length|encoding|header|body|error), want %q", tt.name, text, want)
			}
		}
	})
}

// TestBodyChunksError: an error from the sequence aborts the request with
// that error, and the server never sees a complete body.
func TestBodyChunksError(t *testing.T) {
	verifyNoLeaks(t)
	errSource := errors.New("source failed")
	eachProto3(t, http.HandlerFunc(bodyHandler), func(t *testing.T, srv server) {
		s := srv.session(t)
		seq := func(yield func([]byte, error) bool) {
			if yield([]byte("partial"), nil) {
				yield(nil, errSource)
			}
		}
		resp, err := s.Post(context.Background(), srv.URL, client.BodyChunks(seq))
		if !errors.Is(err, errSource) {
			t.Fatalf("got %v, %v; want an error wrapping errSource", resp, err)
		}
		var re *client.RequestError
		if !errors.As(err, &re) || re.Method != "POST" {
			t.Errorf("got %v, want a *RequestError for POST", err)
		}
	})
}

// TestBodyChunksSentOnce: a sequence cannot be rewound, so a 307 is
// returned as it is and a retryable status is not retried.
func TestBodyChunksSentOnce(t *testing.T) {
	verifyNoLeaks(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	eachProto3(t, mux, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithRetry(fast))
		for _, tt := range []struct {
			path string
			want int
		}{{"/307", 307}, {"/503", 503}} {
			resp, err := s.Put(context.Background(), srv.URL+tt.path, client.BodyChunks(chunksOf("a", "b")))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want || resp.Attempts != 1 {
				t.Errorf("%s: got %d after %d attempts, want %d after 1", tt.path, resp.StatusCode, resp.Attempts, tt.want)
			}
		}
	})
}

// TestUploadCanceled: canceling the caller's context mid-upload fails the
// call with context.Canceled and stops the writer.
func TestUploadCanceled(t *testing.T) {
	verifyNoLeaks(t)
	started := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 1<<20)
		select {
		case started <- struct{}{}:
		default:
		}
		io.Copy(io.Discard, r.Body)
	})
	eachProto3(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, opt := range []client.RequestOption{
			client.Files{"f": {Reader: oneShot{newPattern(1 << 62)}}},
			client.BodyChunks(func(yield func([]byte, error) bool) {
				buf := make([]byte, 64<<10)
				for yield(buf, nil) {
				}
			}),
		} {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := s.Post(ctx, srv.URL, opt)
				done <- err
			}()
			<-started
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the upload did not stop")
			}
		}
	})
}

// TestResponseAfterCancel checks that a response the transport hands over
// after the call's context ended is not the call's result: the call fails
// with the context's error, and the response's body is closed. Over HTTP/3
// that happens when a server answers an upload the cancelation cut short.
func TestResponseAfterCancel(t *testing.T) {
	verifyNoLeaks(t)
	eachProto3(t, http.HandlerFunc(bodyHandler), func(t *testing.T, srv server) {
		for _, stream := range []bool{false, true} {
			ctx, cancel := context.WithCancel(context.Background())
			// The middleware runs outside CheckClosed's, so the body it
			// hands over is the one CheckClosed watches.
			late := func(next http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(req *http.Request) (*http.Response, error) {
					resp, err := next.RoundTrip(req)
					cancel() // as if the caller gave up while the response was on its way
					return resp, err
				})
			}
			s := srv.session(t, client.WithMiddleware(late), clienttest.CheckClosed(t))
			resp, err := s.Post(ctx, srv.URL, client.Body(strings.NewReader("payload")), client.Stream(stream))
			var re *client.RequestError
			if !errors.Is(err, context.Canceled) || !errors.As(err, &re) || resp != nil {
				t.Errorf("stream %v: got %v, %v; want no response and a *RequestError for context.Canceled", stream, resp, err)
			}
			if resp != nil {
				resp.Close()
			}
		}
	})
}

// TestLargeUploadMemory streams multipart uploads from a generated stream
// and checks that the heap stays small: the body is never held in memory.
// The sized upload (a seeker, sent with a Content-Length) is sizedUpload
// bytes; the unsized one (chunked) stops at streamedUpload bytes or when
// uploadBudget has passed, whichever comes first, and the server must get
// every byte sent. Both are 1 GiB without the race detector.
func TestLargeUploadMemory(t *testing.T) {
	verifyNoLeaks(t)
	const limit = 32 << 20
	eachProto(t, http.HandlerFunc(partsHandler), func(t *testing.T, srv server) {
		s := srv.session(t, client.WithTimeout(5*time.Minute))
		for _, sized := range []bool{true, false} {
			var rd io.Reader = newPattern(sizedUpload)
			bounded := &budgeted{r: newPattern(streamedUpload), end: time.Now().Add(uploadBudget)}
			if !sized {
				rd = bounded
			}
			var got gotUpload
			start := time.Now()
			base, peak := heapPeak(func() {
				got = postFiles(t, s, srv.URL, client.Form{"name": "big"}, client.Files{"blob": {Name: "blob.bin", Reader: rd}})
			})
			elapsed := time.Since(start)
			size := int64(sizedUpload)
			if !sized {
				size = bounded.n
			}
			t.Logf("%s, sized=%v: %d MiB in %v (%.0f MiB/s); HeapInuse %.1f MiB before, peak %.1f MiB",
				srv.proto, sized, size>>20, elapsed.Round(time.Millisecond), float64(size>>20)/elapsed.Seconds(),
				float64(base)/(1<<20), float64(peak)/(1<<20))
			if want := patternSum(size); len(got.Parts) != 2 || got.Parts[1].Size != size || got.Parts[1].Sum != want {
				t.Fatalf("sized=%v: server got %+v, want a %d-byte part with CRC %x", sized, got.Parts, size, want)
			}
			if sized != (got.ContentLength > size) {
				t.Errorf("sized=%v: got Content-Length %d", sized, got.ContentLength)
			}
			if peak > limit {
				t.Errorf("sized=%v: peak HeapInuse %d MiB, want under %d MiB", sized, peak>>20, limit>>20)
			}
		}
	})
}

// budgeted reads r until a deadline, then ends; n counts what it read.
type budgeted struct {
	r   io.Reader
	end time.Time
	n   int64
}

func (b *budgeted) Read(p []byte) (int, error) {
	if time.Now().After(b.end) {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// rewindHandler answers /307 with a 307 to /echo, which echoes the body.
func rewindHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/307", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	return mux
}

// failingSeeker is a body whose Seek fails from the failAt-th call on.
type failingSeeker struct {
	r      *strings.Reader
	calls  int
	failAt int
}

func (f *failingSeeker) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *failingSeeker) Seek(off int64, whence int) (int64, error) {
	if f.calls++; f.calls >= f.failAt {
		return 0, errors.New("seek failed")
	}
	return f.r.Seek(off, whence)
}

// TestRewindBody covers test_rewind_body, test_rewind_partially_read_body,
// test_rewind_body_no_seek, test_rewind_body_failed_seek and
// test_rewind_body_failed_tell, and test_HTTP_307_ALLOW_REDIRECT_POST(_WITH_SEEKABLE):
// a body that can seek is sent again, from where it started, after a 307;
// one that cannot is not followed (Requests raises UnrewindableBodyError,
// here the 307 is returned); a seek that fails fails the request.
func TestRewindBody(t *testing.T) {
	eachProto(t, rewindHandler(), func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()

		for _, opt := range []client.RequestOption{
			client.Body(strings.NewReader("payload")),
			client.Form{"k": "v"},
			client.JSON("payload"),
		} {
			resp, err := s.Post(ctx, srv.URL+"/307", opt)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := resp.Bytes(); resp.StatusCode != 200 || len(b) == 0 || len(resp.History) != 1 {
				t.Errorf("307 with a body in memory: status %d, body %q, %d redirects", resp.StatusCode, b, len(resp.History))
			}
		}

		f, err := os.Create(filepath.Join(t.TempDir(), "body"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		io.WriteString(f, "0123456789")
		f.Seek(4, io.SeekStart)
		resp, err := s.Post(ctx, srv.URL+"/307", client.Body(f))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := resp.Bytes(); string(b) != "456789" {
			t.Errorf("307 with a file read from 4: body %q, want %q", b, "456789")
		}

		resp, err = s.Post(ctx, srv.URL+"/307", client.Body(oneShot{strings.NewReader("once")}))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("307 with a one-shot body: status %d, want the 307 itself", resp.StatusCode)
		}

		// A body whose position cannot be told is sent once, like a
		// one-shot reader.
		resp, err = s.Post(ctx, srv.URL+"/307", client.Body(&failingSeeker{r: strings.NewReader("x"), failAt: 1}))
		if err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("failing tell: got %v, %v; want the 307 itself", resp, err)
		}
		// Body records the position (1), prepare measures and rewinds it
		// (2, 3); the rewind for the redirect (4) fails.
		_, err = s.Post(ctx, srv.URL+"/307", client.Body(&failingSeeker{r: strings.NewReader("x"), failAt: 4}))
		if !errors.Is(err, client.ErrInvalidRequest) {
			t.Errorf("failing rewind: got %v, want ErrInvalidRequest", err)
		}
	})
}

// TestHostHeader covers test_chunked_upload_uses_only_specified_host_header
// and test_chunked_upload_doesnt_skip_host_header: a Host header given by
// hand is the one sent, once; otherwise the URL's host is.
func TestHostHeader(t *testing.T) {
	hosts := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hosts <- r.Host + "|" + strings.Join(r.Header.Values("Host"), ",")
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		body := func() client.RequestOption { return client.Body(oneShot{strings.NewReader("chunk")}) }
		if _, err := s.Post(ctx, srv.URL, body(), client.Header{"host": "example.com"}); err != nil {
			t.Fatal(err)
		}
		if got := <-hosts; got != "example.com|" {
			t.Errorf("with a Host header: server saw %q, want example.com", got)
		}
		if _, err := s.Post(ctx, srv.URL, body()); err != nil {
			t.Fatal(err)
		}
		if got, want := <-hosts, strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")+"|"; got != want {
			t.Errorf("without: server saw %q, want %q", got, want)
		}
		for _, bad := range []string{"bad host", "a/b", "a\r\nb"} {
			if _, err := s.Get(ctx, srv.URL, client.Header{"Host": bad}); !errors.Is(err, client.ErrInvalidHeader) {
				t.Errorf("Host %q: got %v, want ErrInvalidHeader", bad, err)
			}
		}
	})
}

// TestConflictingContentLengths covers test_conflicting_content_lengths
// (HTTP/1.1 only: HTTP/2 frames bodies itself).
func TestConflictingContentLengths(t *testing.T) {
	u := rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
	s := client.NewSession()
	t.Cleanup(s.Close)
	if _, err := s.Get(context.Background(), u); err == nil {
		t.Error("a response with two different Content-Lengths was accepted")
	}
}

// TestRedirectToNonASCIILocation covers
// test_redirect_rfc1808_to_non_ascii_location: a raw UTF-8 Location is
// escaped once before it is followed.
func TestRedirectToNonASCIILocation(t *testing.T) {
	paths := make(chan string, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.RequestURI
		if r.URL.Path == "/" {
			w.Header()["Location"] = []string{"/š?q=ü"}
			w.WriteHeader(http.StatusMovedPermanently)
		}
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		<-paths
		if got := <-paths; got != "/%C5%A1?q=%C3%BC" {
			t.Errorf("redirect sent %q, want %q", got, "/%C5%A1?q=%C3%BC")
		}
		if resp.URL.Path != "/š" {
			t.Errorf("final URL path %q", resp.URL.Path)
		}
	})
}

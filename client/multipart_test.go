package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// postFiles sends opts to a partsHandler server and returns what it saw.
func postFiles(t *testing.T, s *client.Session, u string, opts ...client.RequestOption) gotUpload {
	t.Helper()
	resp, err := s.Post(context.Background(), u, opts...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.DecodeJSON[gotUpload](resp)
	if err != nil {
		t.Fatal(err)
	}
	if got.Error != "" {
		t.Fatalf("server could not parse the body: %s", got.Error)
	}
	return got
}

// TestMultipartHTTPBin: test_POSTBIN_GET_POST_FILES_WITH_DATA and
// test_can_send_objects_with_files. Form fields and files reach go-httpbin,
// which parses multipart bodies itself.
func TestMultipartHTTPBin(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Post(context.Background(), srv.URL+"/post",
			client.Form{"some": "data", "life": "42"},
			client.FormValues(url.Values{"tag": {"a", "b"}}),
			client.Files{
				"file":  client.FileFromBytes("report.csv", []byte("x,y\n1,2\n")),
				"other": {Reader: strings.NewReader("from a strings.Reader")},
			},
			client.AddFile("file", client.File{Name: "second.txt", Reader: bytes.NewBufferString("second file")}),
		)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Form    url.Values          `json:"form"`
			Files   url.Values          `json:"files"`
			Headers map[string][]string `json:"headers"`
		}
		if err := resp.JSON(&got); err != nil {
			t.Fatal(err)
		}
		wantForm := url.Values{"some": {"data"}, "life": {"42"}, "tag": {"a", "b"}}
		wantFiles := url.Values{"file": {"x,y\n1,2\n", "second file"}, "other": {"from a strings.Reader"}}
		for k, v := range wantForm {
			if strings.Join(got.Form[k], "|") != strings.Join(v, "|") {
				t.Errorf("form %q: got %q, want %q", k, got.Form[k], v)
			}
		}
		for k, v := range wantFiles {
			if strings.Join(got.Files[k], "|") != strings.Join(v, "|") {
				t.Errorf("files %q: got %q, want %q", k, got.Files[k], v)
			}
		}
		if ct := strings.Join(got.Headers["Content-Type"], ""); !strings.HasPrefix(ct, "multipart/form-data; boundary=") {
			t.Errorf("got Content-Type %q, want multipart/form-data with a boundary", ct)
		}
	})
}

// TestMultipartParts: test_custom_content_type,
// test_unicode_multipart_post_fieldnames,
// test_can_send_file_object_with_non_string_filename. Every part, in order,
// with its name, filename, type and content.
func TestMultipartParts(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(txt, []byte("notes on disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	osFile, err := os.Open(txt)
	if err != nil {
		t.Fatal(err)
	}
	defer osFile.Close()

	eachProto(t, http.HandlerFunc(partsHandler), func(t *testing.T, srv server) {
		if _, err := osFile.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		s := srv.session(t)
		got := postFiles(t, s, srv.URL,
			client.Files{
				"z-path": client.FileFromPath(txt),
				"b-typed": {Name: "data.json", ContentType: "application/json", Reader: strings.NewReader(`{"a":1}`),
					Header: http.Header{"X-Extra": {"yes"}}},
				"a-noname": {Reader: strings.NewReader("no name")},
				"c-osfile": {Reader: osFile},
				"stüff":    client.FileFromBytes("naïve résumé.txt", []byte("unicode names")),
				"quote":    client.FileFromBytes("a\"b\\c\r\nX-Injected: 1.txt", []byte("escaped")),
			},
			client.AddFile("a-noname", client.FileFromBytes("again.bin", nil)),
			client.Form{"y": "2", "x": "1"},
		)
		want := []gotPart{
			{Name: "x", Text: "1"},
			{Name: "y", Text: "2"},
			{Name: "a-noname", Filename: "a-noname", ContentType: "application/octet-stream", Text: "no name"},
			{Name: "b-typed", Filename: "data.json", ContentType: "application/json", Extra: "yes", Text: `{"a":1}`},
			{Name: "c-osfile", Filename: "notes.txt", ContentType: "application/octet-stream", Text: "notes on disk"},
			{Name: "quote", Filename: "a\"b\\c%0D%0AX-Injected: 1.txt", ContentType: "application/octet-stream", Text: "escaped"},
			{Name: "stüff", Filename: "naïve résumé.txt", ContentType: "application/octet-stream", Text: "unicode names"},
			{Name: "z-path", Filename: "notes.txt", ContentType: "text/plain; charset=utf-8", Text: "notes on disk"},
			{Name: "a-noname", Filename: "again.bin", ContentType: "application/octet-stream", Text: ""},
		}
		if len(got.Parts) != len(want) {
			t.Fatalf("got %d parts, want %d: %+v", len(got.Parts), len(want), got.Parts)
		}
		for i, w := range want {
			g := got.Parts[i]
			g.Size, g.Sum = 0, 0
			if g != w {
				t.Errorf("part %d: got %+v, want %+v", i, g, w)
			}
		}
		if got.MediaType != "multipart/form-data" {
			t.Errorf("got media type %q, want multipart/form-data", got.MediaType)
		}
	})
}

// TestMultipartLength: Content-Length when every part's size is known,
// chunked otherwise; never both.
func TestMultipartLength(t *testing.T) {
	tests := []struct {
		name  string
		file  func() client.File
		sized bool
	}{
		{"bytes", func() client.File { return client.FileFromBytes("a", []byte("abc")) }, true},
		{"seeker", func() client.File { return client.File{Reader: newPattern(100_000)} }, true},
		{"one-shot reader", func() client.File { return client.File{Reader: oneShot{newPattern(100_000)}} }, false},
	}
	eachProto(t, http.HandlerFunc(partsHandler), func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			got := postFiles(t, s, srv.URL, client.Form{"f": "v"}, client.Files{"file": tt.file()})
			switch {
			case tt.sized && (got.ContentLength <= 0 || len(got.TransferEncoding) != 0):
				t.Errorf("%s: got Content-Length %d, Transfer-Encoding %v; want a length and no encoding", tt.name, got.ContentLength, got.TransferEncoding)
			case !tt.sized && (got.ContentLength != -1 || got.HasLengthHeader):
				t.Errorf("%s: got Content-Length %d (header %v); want none", tt.name, got.ContentLength, got.HasLengthHeader)
			case !tt.sized && srv.proto == "HTTP/1.1" && strings.Join(got.TransferEncoding, ",") != "chunked":
				t.Errorf("%s: got Transfer-Encoding %v, want chunked", tt.name, got.TransferEncoding)
			}
			if n := len(got.Parts); n != 2 {
				t.Errorf("%s: got %d parts, want 2", tt.name, n)
			}
		}
	})
}

// TestMultipartInvalid: test_conflicting_post_params, test_invalid_files_input
// and bad part headers fail before any I/O.
func TestMultipartInvalid(t *testing.T) {
	chunks := func(yield func([]byte, error) bool) { yield([]byte("x"), nil) }
	f := client.Files{"f": client.FileFromBytes("f", []byte("x"))}
	tests := []struct {
		name string
		opts []client.RequestOption
		want []error
	}{
		{"JSON then files", []client.RequestOption{client.JSON(1), f}, []error{client.ErrInvalidRequest}},
		{"files then JSON", []client.RequestOption{f, client.JSON(1)}, []error{client.ErrInvalidRequest}},
		{"body and files", []client.RequestOption{client.Body(strings.NewReader("x")), f}, []error{client.ErrInvalidRequest}},
		{"chunks and files", []client.RequestOption{f, client.BodyChunks(chunks)}, []error{client.ErrInvalidRequest}},
		{"nil reader", []client.RequestOption{client.Files{"f": {Name: "x"}}}, []error{client.ErrInvalidRequest}},
		{"missing file", []client.RequestOption{client.Files{"f": client.FileFromPath(filepath.Join(t.TempDir(), "nope"))}}, []error{client.ErrInvalidRequest, fs.ErrNotExist}},
		{"CR in content type", []client.RequestOption{client.Files{"f": {Reader: strings.NewReader("x"), ContentType: "text/plain\r\nX: y"}}}, []error{client.ErrInvalidHeader}},
		{"bad part header", []client.RequestOption{client.Files{"f": {Reader: strings.NewReader("x"), Header: http.Header{"X": {"a\nb"}}}}}, []error{client.ErrInvalidHeader}},
	}
	s := client.NewSession()
	defer s.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Prepare(context.Background(), client.NewRequest("POST", "http://example.test/", tt.opts...))
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("got %v, want %v", err, w)
				}
			}
		})
	}
	// Form and files mix; Body(nil) clears nothing of the files.
	req, err := s.Prepare(context.Background(), client.NewRequest("POST", "http://example.test/", client.Form{"a": "b"}, f, client.Body(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if ct := req.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/form-data; boundary=") {
		t.Errorf("got Content-Type %q, want multipart/form-data", ct)
	}
	req.Body.Close()
}

// TestMultipartRedirect307: test_HTTP_307_ALLOW_REDIRECT_POST(_WITH_SEEKABLE)
// for multipart bodies: parts that can be read again are sent again;
// a one-shot reader stops at the 307.
func TestMultipartRedirect307(t *testing.T) {
	verifyNoLeaks(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(path, bytes.Repeat([]byte("disk"), 50_000), 0o644); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/parts", partsHandler)
	mux.HandleFunc("/go", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/parts", http.StatusTemporaryRedirect)
	})
	tests := []struct {
		name     string
		file     func() client.File
		size     int64
		followed bool
	}{
		{"bytes", func() client.File { return client.FileFromBytes("b", bytes.Repeat([]byte("b"), 300_000)) }, 300_000, true},
		{"path", func() client.File { return client.FileFromPath(path) }, 200_000, true},
		{"seeker", func() client.File { return client.File{Reader: newPattern(1 << 20)} }, 1 << 20, true},
		{"one-shot", func() client.File { return client.File{Reader: oneShot{newPattern(1 << 20)}} }, 0, false},
	}
	eachProto(t, mux, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			resp, err := s.Post(context.Background(), srv.URL+"/go", client.Files{"f": tt.file()}, client.Form{"k": "v"})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !tt.followed {
				if resp.StatusCode != http.StatusTemporaryRedirect {
					t.Errorf("%s: got %d, want the 307 itself", tt.name, resp.StatusCode)
				}
				continue
			}
			got, err := client.DecodeJSON[gotUpload](resp)
			if err != nil || resp.StatusCode != 200 || len(resp.History) != 1 {
				t.Fatalf("%s: got %d after %d redirects (%v), want 200 after 1", tt.name, resp.StatusCode, len(resp.History), err)
			}
			if len(got.Parts) != 2 || got.Parts[1].Size != tt.size {
				t.Errorf("%s: got parts %+v, want k and a %d-byte file", tt.name, got.Parts, tt.size)
			}
		}
	})
}

// TestMultipartRetry: a retried upload sends the same files again when they
// can be rewound, and is sent once when they cannot.
func TestMultipartRetry(t *testing.T) {
	verifyNoLeaks(t)
	var mu sync.Mutex
	var sums []uint32
	var calls int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls%2 == 1
		mu.Unlock()
		if first {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rec := httptest.NewRecorder()
		partsHandler(rec, r)
		var got gotUpload
		json.Unmarshal(rec.Body.Bytes(), &got)
		mu.Lock()
		for _, p := range got.Parts {
			sums = append(sums, p.Sum)
		}
		mu.Unlock()
		w.Write(rec.Body.Bytes())
	})
	const size = 3 << 20
	eachProto(t, h, func(t *testing.T, srv server) {
		mu.Lock()
		calls, sums = 0, nil
		mu.Unlock()
		s := srv.session(t, client.WithRetry(fast))
		resp, err := s.Put(context.Background(), srv.URL, client.Files{"f": {Reader: newPattern(size)}})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		gotSums := append([]uint32(nil), sums...)
		mu.Unlock()
		if resp.StatusCode != 200 || resp.Attempts != 2 || len(gotSums) != 1 || gotSums[0] != patternSum(size) {
			t.Errorf("seeker: got %d after %d attempts, sums %v; want 200 after 2 with the pattern's sum", resp.StatusCode, resp.Attempts, gotSums)
		}

		mu.Lock()
		calls = 0
		mu.Unlock()
		resp, err = s.Put(context.Background(), srv.URL, client.Files{"f": {Reader: oneShot{newPattern(size)}}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Attempts != 1 {
			t.Errorf("one-shot: got %d after %d attempts, want 503 after 1", resp.StatusCode, resp.Attempts)
		}
	})
}

// TestUploadWriterStops: when the transport stops reading a streamed body
// (the server answered early, or the caller gave up), the goroutine that
// writes it ends; nothing is left running.
func TestUploadWriterStops(t *testing.T) {
	verifyNoLeaks(t)
	early := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 100_000)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	})
	eachProto(t, early, func(t *testing.T, srv server) {
		s := srv.session(t)
		endless := oneShot{newPattern(1 << 62)}
		resp, err := s.Post(context.Background(), srv.URL, client.Files{"f": {Reader: endless}})
		if err == nil && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("multipart: got %d, want 413", resp.StatusCode)
		}
		stopped := make(chan struct{})
		chunks := func(yield func([]byte, error) bool) {
			defer close(stopped)
			buf := bytes.Repeat([]byte("c"), 32<<10)
			for yield(buf, nil) {
			}
		}
		resp, err = s.Post(context.Background(), srv.URL, client.BodyChunks(chunks))
		if err == nil && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunks: got %d, want 413", resp.StatusCode)
		}
		select {
		case <-stopped: // the sequence saw yield return false
		case <-time.After(10 * time.Second):
			t.Fatal("the chunk sequence was not stopped")
		}
	})
}

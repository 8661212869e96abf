package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// progressLog records OnProgress calls.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progressLog) record(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int64{done, total})
}

func (p *progressLog) last() ([2]int64, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return [2]int64{}, 0
	}
	return p.calls[len(p.calls)-1], len(p.calls)
}

// increasing reports whether done never went down.
func (p *progressLog) increasing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 1; i < len(p.calls); i++ {
		if p.calls[i][0] <= p.calls[i-1][0] {
			return false
		}
	}
	return true
}

// TestOnProgress: progress while a body is read into memory, streamed
// through WriteTo or Body, with and without a Content-Length, and counted
// before decoding.
func TestOnProgress(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 50_000)
	gz := encode(data, "gzip")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := data
		if r.URL.Query().Has("gzip") {
			body = gz
			w.Header().Set("Content-Encoding", "gzip")
		}
		if !r.URL.Query().Has("chunked") {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		for chunk := range pieces(body, 64<<10) {
			w.Write(chunk)
			w.(http.Flusher).Flush()
		}
	})
	tests := []struct {
		name, query string
		read        func(*client.Response) ([]byte, error)
		wire        int64 // bytes counted
		total       int64
		calls       int // at least; a read into memory may take the body at once
	}{
		{"eager", "", (*client.Response).Bytes, int64(len(data)), int64(len(data)), 1},
		{"eager, chunked", "chunked", (*client.Response).Bytes, int64(len(data)), -1, 1},
		{"eager, gzip", "gzip", (*client.Response).Bytes, int64(len(gz)), int64(len(gz)), 1},
		{"WriteTo", "stream", func(r *client.Response) ([]byte, error) {
			var buf bytes.Buffer
			_, err := r.WriteTo(&buf)
			return buf.Bytes(), err
		}, int64(len(data)), int64(len(data)), 2},
		{"Body", "stream&chunked", func(r *client.Response) ([]byte, error) {
			defer r.Close()
			return io.ReadAll(r.Body)
		}, int64(len(data)), -1, 2},
	}
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			var p progressLog
			resp, err := s.Get(context.Background(), srv.URL+"/?"+tt.query, client.OnProgress(p.record), client.Stream(strings.HasPrefix(tt.query, "stream")))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.read(resp)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s: got %d bytes, %v; want the %d-byte body", tt.name, len(got), err, len(data))
			}
			last, n := p.last()
			if last != [2]int64{tt.wire, tt.total} || n < tt.calls || !p.increasing() {
				t.Errorf("%s: last call %v of %d, increasing %v; want [%d %d], at least %d calls, increasing", tt.name, last, n, p.increasing(), tt.wire, tt.total, tt.calls)
			}
		}
	})
}

// pieces yields data in pieces of n bytes.
func pieces(data []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(data) > 0 {
			k := min(n, len(data))
			if !yield(data[:k]) {
				return
			}
			data = data[k:]
		}
	}
}

// fileServer serves a file the way a download test needs: the first
// `cuts` responses are cut after half the body (a hijacked connection
// closed on HTTP/1.1, an aborted stream on HTTP/2); later ones honour
// ranges (http.ServeContent) unless ignoreRanges is set. It records each
// request's Range and If-Range.
type fileServer struct {
	mu           sync.Mutex
	data         []byte
	etag         string
	cuts         int
	ignoreRanges bool
	noRanges     bool // say Accept-Ranges: none
	changeTo     []byte
	seen         []string // "Range|If-Range" of each request
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Header.Get("Range")+"|"+r.Header.Get("If-Range"))
	cut := len(f.seen) <= f.cuts
	data, etag := f.data, f.etag
	if !cut && f.changeTo != nil {
		data, etag = f.changeTo, `"v2"`
	}
	f.mu.Unlock()
	if r.Header.Get("Accept-Encoding") != "identity" {
		http.Error(w, "downloads must ask for identity", http.StatusBadRequest)
		return
	}
	ranges := "bytes"
	if f.noRanges {
		ranges = "none"
	}
	if cut {
		half := len(data) / 2
		if r.ProtoMajor == 1 {
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: %s\r\nAccept-Ranges: %s\r\n\r\n", len(data), etag, ranges)
			bw.Write(data[:half])
			bw.Flush()
			conn.Close()
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set("ETag", etag)
		w.Header().Set("Accept-Ranges", ranges)
		w.Write(data[:half])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("ETag", etag)
	if f.ignoreRanges || f.noRanges {
		w.Header().Set("Accept-Ranges", ranges)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func (f *fileServer) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// downloadData is the file the download tests serve.
var downloadData = func() []byte {
	b := make([]byte, 3<<20+17)
	for i := range b {
		b[i] = byte(i*7 + i>>10)
	}
	return b
}()

// TestDownloadResume: a transfer cut halfway is resumed with a Range
// request validated by If-Range, and the file is complete and in place.
func TestDownloadResume(t *testing.T) {
	verifyNoLeaks(t)
	for _, p := range protos {
		t.Run(p.name, func(t *testing.T) {
			fsrv := &fileServer{data: downloadData, etag: `"v1"`, cuts: 1}
			srv := p.start(fsrv)
			t.Cleanup(srv.Close)
			s := server{srv, p.name}.session(t)
			path := filepath.Join(t.TempDir(), "file.bin")
			var prog progressLog
			res, err := s.Download(context.Background(), srv.URL+"/file.bin", path, client.OnProgress(prog.record))
			if err != nil {
				t.Fatal(err)
			}
			half := int64(len(downloadData) / 2)
			if res.Size != int64(len(downloadData)) || res.Attempts != 2 || res.ResumedAt != half || res.Path != path {
				t.Errorf("got %+v, want size %d after 2 attempts, resumed at %d", res, len(downloadData), half)
			}
			checkFile(t, path, downloadData)
			want := []string{"|", "bytes=" + strconv.FormatInt(half, 10) + `-|"v1"`}
			if got := fsrv.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("server got Range|If-Range %q, want %q", got, want)
			}
			last, _ := prog.last()
			if last != [2]int64{int64(len(downloadData)), int64(len(downloadData))} || !prog.increasing() {
				t.Errorf("last progress %v, increasing %v; want the whole file, increasing", last, prog.increasing())
			}
		})
	}
}

// TestDownloadStartsOver: when the server cannot or will not serve the
// rest, the file is fetched again from the start.
func TestDownloadStartsOver(t *testing.T) {
	verifyNoLeaks(t)
	changed := bytes.Repeat([]byte("new version "), 100_000)
	tests := []struct {
		name      string
		srv       func() *fileServer
		want      []byte
		wantRange bool // the second request asked for a range
	}{
		{"server ignores Range", func() *fileServer {
			return &fileServer{data: downloadData, etag: `"v1"`, cuts: 1, ignoreRanges: true}
		}, downloadData, true},
		{"file changed (If-Range fails)", func() *fileServer {
			return &fileServer{data: downloadData, etag: `"v1"`, cuts: 1, changeTo: changed}
		}, changed, true},
		{"Accept-Ranges: none", func() *fileServer {
			return &fileServer{data: downloadData, etag: `"v1"`, cuts: 1, noRanges: true}
		}, downloadData, false},
	}
	for _, p := range protos {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				fsrv := tt.srv()
				srv := p.start(fsrv)
				t.Cleanup(srv.Close)
				s := server{srv, p.name}.session(t)
				path := filepath.Join(t.TempDir(), "file.bin")
				var prog progressLog
				res, err := s.Download(context.Background(), srv.URL, path, client.OnProgress(prog.record))
				if err != nil {
					t.Fatal(err)
				}
				if res.Attempts != 2 || res.ResumedAt != 0 || res.Size != int64(len(tt.want)) {
					t.Errorf("got %+v, want 2 attempts, the whole file in the last", res)
				}
				checkFile(t, path, tt.want)
				reqs := fsrv.requests()
				if len(reqs) != 2 || (reqs[1] != "|") == !tt.wantRange {
					t.Errorf("server got Range|If-Range %q; want a range asked: %v", reqs, tt.wantRange)
				}
				if last, _ := prog.last(); last[0] != int64(len(tt.want)) {
					t.Errorf("last progress %v, want the whole file", last)
				}
			})
		}
	}
}

// TestDownloadPartFile: a path.part left by an earlier call is resumed
// (without If-Range), found complete (416), or found stale and replaced.
func TestDownloadPartFile(t *testing.T) {
	verifyNoLeaks(t)
	k := int64(1 << 20)
	stale := append(append([]byte(nil), downloadData...), "stale tail"...)
	tests := []struct {
		name      string
		part      []byte
		attempts  int
		resumedAt int64
		requests  []string
	}{
		{"partial", downloadData[:k], 1, k, []string{"bytes=" + strconv.FormatInt(k, 10) + "-|"}},
		{"complete", downloadData, 1, int64(len(downloadData)), []string{"bytes=" + strconv.Itoa(len(downloadData)) + "-|"}},
		{"longer than the file", stale, 2, 0, []string{"bytes=" + strconv.Itoa(len(stale)) + "-|", "|"}},
	}
	for _, p := range protos {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				fsrv := &fileServer{data: downloadData, etag: `"v1"`}
				srv := p.start(fsrv)
				t.Cleanup(srv.Close)
				s := server{srv, p.name}.session(t)
				path := filepath.Join(t.TempDir(), "file.bin")
				if err := os.WriteFile(path+".part", tt.part, 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := s.Download(context.Background(), srv.URL, path)
				if err != nil {
					t.Fatal(err)
				}
				if res.Attempts != tt.attempts || res.ResumedAt != tt.resumedAt {
					t.Errorf("got %d attempts, resumed at %d; want %d, %d", res.Attempts, res.ResumedAt, tt.attempts, tt.resumedAt)
				}
				checkFile(t, path, downloadData)
				if got := fsrv.requests(); fmt.Sprint(got) != fmt.Sprint(tt.requests) {
					t.Errorf("server got Range|If-Range %q, want %q", got, tt.requests)
				}
			})
		}
	}
}

// TestDownloadFailures: a download that cannot complete leaves no file at
// path, keeps what arrived in path.part for a later call, and says why.
func TestDownloadFailures(t *testing.T) {
	verifyNoLeaks(t)
	mux := http.NewServeMux()
	mux.Handle("/missing", http.NotFoundHandler())
	mux.Handle("/always-cut", &fileServer{data: downloadData, etag: `"v1"`, cuts: 1 << 30})
	mux.HandleFunc("/short-parts", func(w http.ResponseWriter, r *http.Request) {
		// Ten bytes per answer, whatever was asked: the sizes never add up.
		var from int64
		fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &from)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/1000", from, from+9))
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(http.StatusPartialContent)
		w.Write(make([]byte, 10))
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 500))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	background := func() (context.Context, []client.RequestOption) { return context.Background(), nil }
	tests := []struct {
		name     string
		path     string
		ctx      func() (context.Context, []client.RequestOption)
		check    func(error) bool
		partSize int64 // what path.part holds afterwards; -1: no such file
	}{
		{"404", "/missing", background, func(err error) bool {
			var se *client.StatusError
			return errors.As(err, &se) && se.StatusCode == 404
		}, -1},
		{"cut every time", "/always-cut", background, func(err error) bool { return err != nil }, int64(len(downloadData) / 2)},
		{"sizes never add up", "/short-parts", background, func(err error) bool { return err != nil }, 50},
		{"canceled", "/stall", func() (context.Context, []client.RequestOption) {
			// Cancel once half the body has arrived.
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, []client.RequestOption{client.OnProgress(func(done, _ int64) {
				if done == 500 {
					cancel()
				}
			})}
		}, func(err error) bool { return errors.Is(err, context.Canceled) }, 500},
	}
	eachProto(t, mux, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range tests {
			path := filepath.Join(t.TempDir(), "file.bin")
			ctx, opts := tt.ctx()
			_, err := s.Download(ctx, srv.URL+tt.path, path, opts...)
			if !tt.check(err) {
				t.Errorf("%s: got %v", tt.name, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %s exists (%v), want no file", tt.name, path, err)
			}
			size := int64(-1)
			if fi, err := os.Stat(path + ".part"); err == nil {
				size = fi.Size()
			}
			if size != tt.partSize {
				t.Errorf("%s: path.part has %d bytes, want %d", tt.name, size, tt.partSize)
			}
		}
	})
}

func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: got %d bytes (%v), want %d matching bytes", path, len(got), err, len(want))
	}
	if _, err := os.Stat(path + ".part"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s.part is still there (%v)", path, err)
	}
}

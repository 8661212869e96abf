// Command download fetches a large file with progress, and resumes it when
// the connection is cut. It starts its own local server, which serves a
// generated file with byte ranges and cuts the first transfer partway, so
// it needs no internet.
//
//	go run ./examples/download
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/requests3/requests/client"
)

func main() {
	dir, err := os.MkdirTemp("", "download-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), os.Stdout, dir, 128<<20); err != nil {
		log.Fatal(err)
	}
}

// run serves a generated file of size bytes, downloads it into dir and
// checks it.
func run(ctx context.Context, out io.Writer, dir string, size int64) error {
	srv := httptest.NewServer(newFileServer(size))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	path := filepath.Join(dir, "big.bin")
	var shown int64 = -1
	res, err := s.Download(ctx, srv.URL+"/big.bin", path,
		client.Timeout(10*time.Minute), // bounds each transfer
		client.OnProgress(func(done, total int64) {
			// Called after every read: print only each tenth.
			if tenth := done * 10 / total; tenth != shown {
				shown = tenth
				fmt.Fprintf(out, "%3d%%  %6.1f of %.1f MiB\n", tenth*10, float64(done)/(1<<20), float64(total)/(1<<20))
			}
		}))
	if err != nil {
		return err
	}
	if res.Attempts > 1 {
		fmt.Fprintf(out, "the connection was cut; the last of %d transfers resumed at byte %d\n", res.Attempts, res.ResumedAt)
	}

	got, err := fileSum(path)
	if err != nil {
		return err
	}
	if want := sumOf(newContent(size)); !bytes.Equal(got, want) {
		return errors.New("the downloaded file does not match")
	}
	fmt.Fprintf(out, "%s: %d bytes, SHA-256 %x matches\n", filepath.Base(path), res.Size, got[:8])
	return nil
}

// newFileServer serves a generated file of size bytes at any path, with
// byte ranges, an ETag and Last-Modified. The first response is cut after
// 40% of the body, as a failing network would.
func newFileServer(size int64) http.Handler {
	var cut atomic.Bool
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"big-v1"`)
		if cut.CompareAndSwap(false, true) {
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: \"big-v1\"\r\nAccept-Ranges: bytes\r\n\r\n", size)
			io.CopyN(bw, newContent(size), size*4/10)
			bw.Flush()
			return
		}
		http.ServeContent(w, r, "big.bin", modified, newContent(size))
	})
}

// content is a generated file that can seek, so the server never holds it
// in memory.
type content struct{ size, off int64 }

func newContent(size int64) *content { return &content{size: size} }

func (c *content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), c.size-c.off)]
	for i := range p {
		x := uint64(c.off + int64(i))
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	c.off += int64(len(p))
	return len(p), nil
}

func (c *content) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	}
	if offset < 0 {
		return 0, errors.New("content: negative position")
	}
	c.off = offset
	return offset, nil
}

// fileSum returns the SHA-256 of the file at path.
func fileSum(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sumOf(f), nil
}

// sumOf returns the SHA-256 of what r reads.
func sumOf(r io.Reader) []byte {
	h := sha256.New()
	io.Copy(h, r)
	return h.Sum(nil)
}

package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/requests3/requests/client"
)

// Form fields and files in one multipart/form-data body. Fields come first,
// then files; the files are streamed while the request is written.
func ExampleFiles() {
	// A server that lists the parts it receives.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			fmt.Fprintf(w, "%s %q %s: %s\n", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), data)
		}
	}))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	ctx, url := context.Background(), srv.URL
	report := client.FileFromBytes("q3.csv", []byte("month,total"))
	report.ContentType = "text/csv"
	resp, err := s.Post(ctx, url,
		client.Form{"title": "Quarterly report"},
		client.Files{"report": report},
		client.AddFile("notes", client.File{Name: "a.txt", Reader: strings.NewReader("first")}),
		client.AddFile("notes", client.File{Name: "b.txt", Reader: strings.NewReader("second")}),
	)
	if err != nil {
		log.Fatal(err)
	}
	text, _ := resp.Text()
	fmt.Print(text)
	// Output:
	// title "" : Quarterly report
	// report "q3.csv" text/csv: month,total
	// notes "a.txt" application/octet-stream: first
	// notes "b.txt" application/octet-stream: second
}

// A body made on the fly from an iterator of chunks, sent with chunked
// transfer encoding.
func ExampleBodyChunks() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%v %d bytes: %s", r.TransferEncoding, len(data), data)
	}))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	lines := func(yield func([]byte, error) bool) {
		for i := 1; i <= 3; i++ {
			if !yield(fmt.Appendf(nil, "line %d\n", i), nil) {
				return // the transport stopped reading
			}
		}
	}
	ctx, url := context.Background(), srv.URL
	resp, err := s.Post(ctx, url, client.BodyChunks(lines))
	if err != nil {
		log.Fatal(err)
	}
	text, _ := resp.Text()
	fmt.Print(text)
	// Output:
	// [chunked] 21 bytes: line 1
	// line 2
	// line 3
}

// Download a file to disk with progress. The file appears at its path only
// once it is complete; a transfer cut short is resumed with a Range request.
func ExampleSession_Download() {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()

	dir, err := os.MkdirTemp("", "download")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data.bin")

	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()
	res, err := s.Download(ctx, srv.URL+"/data.bin", path,
		client.Timeout(10*time.Minute), // the bound of each transfer
		client.OnProgress(func(done, total int64) {
			if done == total {
				fmt.Printf("%d of %d bytes\n", done, total)
			}
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Size, "bytes in", res.Attempts, "transfer at", filepath.Base(res.Path))
	// Output:
	// 1048576 of 1048576 bytes
	// 1048576 bytes in 1 transfer at data.bin
}

// Bodies are decoded from gzip, deflate, br and zstd by default;
// Decompress(false) keeps the body as the server sent it.
func ExampleDecompress() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, "hello, hello, hello")
		zw.Close()
	}))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()
	url := srv.URL
	resp, err := s.Get(ctx, url) // "hello, hello, hello"
	if err != nil {
		log.Fatal(err)
	}
	text, _ := resp.Text()
	fmt.Printf("decoded: %q (Content-Encoding %s)\n", text, resp.Header.Get("Content-Encoding"))

	resp, err = s.Get(ctx, url, client.Decompress(false)) // the gzip bytes
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := resp.Bytes()
	zr, _ := gzip.NewReader(bytes.NewReader(raw))
	plain, _ := io.ReadAll(zr)
	fmt.Printf("as sent: gzip bytes that hold %q\n", plain)
	// Output:
	// decoded: "hello, hello, hello" (Content-Encoding gzip)
	// as sent: gzip bytes that hold "hello, hello, hello"
}

// A streamed response is read as it arrives, here line by line, and must be
// closed.
func ExampleStream() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\nsecond\r\nthird")
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	ctx, url := context.Background(), srv.URL

	resp, err := s.Get(ctx, url, client.Stream(true))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Close() // required for a streamed response
	for line, err := range resp.Lines() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(line)
	}
	// Output:
	// first
	// second
	// third
}

// A file is sent from where it stands, with its Content-Length, and can be
// rewound for a redirect or a retry.
func ExampleBody_file() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "Content-Length %d, read %d bytes", r.ContentLength, len(data))
	}))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "upload")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "backup.tar")
	if err := os.WriteFile(name, bytes.Repeat([]byte("x"), 4096), 0o600); err != nil {
		log.Fatal(err)
	}
	s := client.NewSession()
	defer s.Close()
	ctx, url := context.Background(), srv.URL

	f, err := os.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	resp, err := s.Put(ctx, url, client.Body(f)) // Content-Length from the file
	if err != nil {
		log.Fatal(err)
	}
	text, _ := resp.Text()
	fmt.Println(text)
	// Output: Content-Length 4096, read 4096 bytes
}

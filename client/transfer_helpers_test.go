package client_test

import (
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"mime"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// patternBlock repeats through a pattern stream. Its length is prime, so
// the pattern never lines up with buffer sizes.
var patternBlock = func() []byte {
	b := make([]byte, 65521)
	for i := range b {
		b[i] = byte(i*31 + i>>8)
	}
	return b
}()

// pattern is a generated stream of n bytes that can seek, so a test can
// upload a body far larger than it could hold in memory and check it
// arrived intact.
type pattern struct{ n, off int64 }

func newPattern(n int64) *pattern { return &pattern{n: n} }

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	done := 0
	for done < len(b) {
		done += copy(b[done:], patternBlock[(p.off+int64(done))%int64(len(patternBlock)):])
	}
	p.off += int64(done)
	return done, nil
}

func (p *pattern) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += p.off
	case io.SeekEnd:
		offset += p.n
	}
	if offset < 0 {
		return 0, errors.New("pattern: negative position")
	}
	p.off = offset
	return offset, nil
}

// patternSum is the CRC-32 of the first n bytes of the pattern.
func patternSum(n int64) uint32 {
	h := crc32.NewIEEE()
	io.Copy(h, newPattern(n))
	return h.Sum32()
}

// heapPeak runs f while sampling HeapInuse, and returns the HeapInuse
// measured before f (after a GC) and the highest value seen while it ran.
func heapPeak(f func()) (base, peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base = ms.HeapInuse
	peak = base
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	return base, peak
}

// gotPart is a part of a multipart body as a server parsed it.
type gotPart struct {
	Name        string `json:"name"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Extra       string `json:"extra"` // the X-Extra header of the part
	Size        int64  `json:"size"`
	Sum         uint32 `json:"sum"`
	Text        string `json:"text"` // the content, if under 1 KiB
}

// gotUpload is what partsHandler saw of a request.
type gotUpload struct {
	ContentLength    int64     `json:"content_length"`
	TransferEncoding []string  `json:"transfer_encoding"`
	HasLengthHeader  bool      `json:"has_length_header"`
	MediaType        string    `json:"media_type"`
	Parts            []gotPart `json:"parts"`
	Error            string    `json:"error"`
}

// partsHandler reads a multipart body part by part, as it streams in, and
// answers with what it saw as JSON: each part's names, headers, size and
// CRC-32, and its text when short.
func partsHandler(w http.ResponseWriter, r *http.Request) {
	got := gotUpload{
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		HasLengthHeader:  r.Header.Get("Content-Length") != "",
	}
	got.MediaType, _, _ = mime.ParseMediaType(r.Header.Get("Content-Type"))
	mr, err := r.MultipartReader()
	if err != nil {
		got.Error = err.Error()
	}
	for mr != nil {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			got.Error = err.Error()
			break
		}
		gp := gotPart{Name: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Extra: p.Header.Get("X-Extra")}
		h := crc32.NewIEEE()
		head := make([]byte, 1024)
		n, _ := io.ReadFull(p, head)
		h.Write(head[:n])
		rest, err := io.Copy(h, p)
		if err != nil {
			got.Error = err.Error()
			break
		}
		gp.Size, gp.Sum = int64(n)+rest, h.Sum32()
		if rest == 0 {
			gp.Text = string(head[:n])
		}
		got.Parts = append(got.Parts, gp)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(got)
}

// verifyNoLeaks checks, when the test and its subtests are done (servers
// and sessions closed), that no goroutine started during the test is left.
func verifyNoLeaks(t *testing.T) {
	t.Helper()
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

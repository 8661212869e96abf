package client

import (
	"io"
	"sync"
)

// rewinder lets every send of a request (redirects, retries) read the same
// io.ReadSeeker from its start. A transport may still be reading the body
// of one send after its response has arrived (a server can answer before
// it has read the body, and a transport may close the body in another
// goroutine after RoundTrip returns), so only the newest body reads: an
// older one reports io.EOF and never moves the offset under the newest.
type rewinder struct {
	mu    sync.Mutex // guards gen and the offset of rs
	rs    io.ReadSeeker
	start int64
	gen   uint64
}

// body rewinds to the start and returns a reader that is the only one
// allowed to read from now on.
func (r *rewinder) body() (io.ReadCloser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.rs.Seek(r.start, io.SeekStart); err != nil {
		return nil, err
	}
	r.gen++
	return &rewoundBody{r: r, gen: r.gen}, nil
}

// rewoundBody is one send's view of a rewinder. Close does nothing: the
// caller's reader is never closed by the session.
type rewoundBody struct {
	r   *rewinder
	gen uint64
}

func (b *rewoundBody) Read(p []byte) (int, error) {
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	if b.gen != b.r.gen {
		return 0, io.EOF
	}
	return b.r.rs.Read(p)
}

func (b *rewoundBody) Close() error { return nil }

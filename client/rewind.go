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

// claim makes a new send the only one allowed to read from now on. Its
// body rewinds on its first read, so a send can be claimed before its
// writer runs: a writer that runs late (that of an older send) finds
// itself superseded instead of rewinding under the newest.
func (r *rewinder) claim() *rewoundBody {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claimLocked()
}

func (r *rewinder) claimLocked() *rewoundBody {
	r.gen++
	return &rewoundBody{r: r, gen: r.gen}
}

// body claims a new send and rewinds at once, so that a seek error is
// returned here rather than by the first read.
func (r *rewinder) body() (io.ReadCloser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.claimLocked()
	if err := b.rewind(); err != nil {
		return nil, err
	}
	return b, nil
}

// rewoundBody is one send's view of a rewinder. Close does nothing: the
// caller's reader is never closed by the session.
type rewoundBody struct {
	r       *rewinder
	gen     uint64
	rewound bool
}

// rewind seeks to the start once, if b is still the newest send. r.mu is
// held.
func (b *rewoundBody) rewind() error {
	if b.rewound || b.gen != b.r.gen {
		return nil
	}
	if _, err := b.r.rs.Seek(b.r.start, io.SeekStart); err != nil {
		return err
	}
	b.rewound = true
	return nil
}

func (b *rewoundBody) Read(p []byte) (int, error) {
	b.r.mu.Lock()
	defer b.r.mu.Unlock()
	if b.gen != b.r.gen {
		return 0, io.EOF
	}
	if err := b.rewind(); err != nil {
		return 0, err
	}
	return b.r.rs.Read(p)
}

func (b *rewoundBody) Close() error { return nil }

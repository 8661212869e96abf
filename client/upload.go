package client

import (
	"errors"
	"io"
	"iter"
	"sync"
)

// BodyChunks sends the chunks that seq yields as the request body, as they
// come: with chunked transfer encoding on HTTP/1.1 and as DATA frames on
// HTTP/2, never with a Content-Length. It suits bodies produced on the fly
// (a generator, a transformation of another stream, a proxied response's
// [Response.Chunks]).
//
// seq is run when the transport starts reading the body, on a goroutine of
// the request's own, and stopped when it ends or when the transport stops
// reading (yield then returns false): after the response, a failure, or
// cancellation. An error that seq yields aborts the request, which fails
// with that error ([errors.Is] finds it). Empty chunks are skipped. A chunk
// is copied to the connection before yield returns, so seq may reuse its
// memory for the next one.
//
// A sequence cannot be rewound, so the body is sent once: a request that
// carries it is not retried, and a 307 or 308 redirect is returned as the
// response instead of being followed. A later [Body], [Form], [JSON] or
// BodyChunks replaces it.
func BodyChunks(seq iter.Seq2[[]byte, error]) RequestOption {
	return requestOptionFunc(func(r *Request) {
		p := r.setPayload()
		p.body = body{kind: chunksBody, chunks: seq}
		if seq == nil {
			p.body = body{}
		}
	})
}

// writeChunks writes every chunk of seq to w.
func writeChunks(seq iter.Seq2[[]byte, error], w io.Writer) error {
	var err error
	for chunk, e := range seq {
		if e != nil {
			err = e
			break
		}
		if len(chunk) == 0 {
			continue
		}
		if _, e := w.Write(chunk); e != nil {
			err = e
			break
		}
	}
	return err
}

// errBodyClosed is what the writer of a pipeBody sees once the transport
// has closed the body.
var errBodyClosed = errors.New("client: request body closed")

// pipeBody is a request body produced by write on a goroutine of its own
// and handed to the transport through an io.Pipe, so that nothing is held
// in memory beyond what write holds. The goroutine is started by the first
// Read, so a body the transport never reads starts none; Close, which the
// transport always calls, closes the pipe, so the writer's next Write fails
// and the goroutine returns. write must return once a Write fails.
type pipeBody struct {
	write func(io.Writer) error

	mu     sync.Mutex // guards pr and closed
	pr     *io.PipeReader
	closed bool
}

func newPipeBody(write func(io.Writer) error) *pipeBody {
	return &pipeBody{write: write}
}

func (b *pipeBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, errBodyClosed
	}
	if b.pr == nil {
		pr, pw := io.Pipe()
		b.pr = pr
		go func() {
			// A nil error ends the body with io.EOF; any other aborts it.
			pw.CloseWithError(b.write(pw))
		}()
	}
	pr := b.pr
	b.mu.Unlock()
	return pr.Read(p)
}

// Close stops the writer: its next Write fails with errBodyClosed. A Read
// blocked on the pipe returns at once.
func (b *pipeBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.pr != nil {
		b.pr.CloseWithError(errBodyClosed)
	}
	return nil
}

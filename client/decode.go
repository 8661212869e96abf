package client

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// acceptEncoding is the Accept-Encoding a session sends by default: every
// content coding it can decode.
const acceptEncoding = "gzip, deflate, br, zstd"

// zstdMaxWindow bounds the memory a zstd body may make the decoder use.
// RFC 9659 caps the window of zstd content codings at 8 MiB, so a body
// that asks for more is refused instead of being given the memory.
const zstdMaxWindow = 8 << 20

// decoders open a reader for one content coding, by lower-case name. The
// reader's Close releases what the decoder holds; it never closes the
// reader it was given.
var decoders = map[string]func(io.Reader) (io.ReadCloser, error){
	"gzip":   func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) },
	"x-gzip": func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) },
	"deflate": func(r io.Reader) (io.ReadCloser, error) {
		// "deflate" is zlib by the RFC, but many servers send raw deflate.
		br := bufio.NewReader(r)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint(head[0])<<8|uint(head[1]))%31 == 0 {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil
	},
	"br": func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(brotli.NewReader(r)), nil },
	"zstd": func(r io.Reader) (io.ReadCloser, error) {
		// One decoder per body, decoding in the reading goroutine (no
		// goroutines of its own with concurrency 1), closed with the body.
		d, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(zstdMaxWindow))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	},
	"identity": func(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(r), nil },
}

// Decompress(false) returns the response body as the server sent it: not
// decoded, with its Content-Encoding header, and the maximum body size
// applied to the encoded size. The default, Decompress(true), decodes
// gzip, deflate (zlib or raw), br and zstd, stacked codings such as
// "gzip, br" included, and leaves a body in an unknown coding as it is.
// The Accept-Encoding sent is the same either way: set it with [Header].
func Decompress(on bool) RequestOption {
	return requestOptionFunc(func(r *Request) { r.noDecode = !on })
}

// contentEncoding returns the Content-Encoding of h, lower case, or "".
func contentEncoding(h *http.Response) string {
	ce := strings.ToLower(strings.TrimSpace(strings.Join(h.Header.Values("Content-Encoding"), ",")))
	if ce == "identity" {
		return ""
	}
	return ce
}

// codings returns the content codings of h in the order they were applied,
// and false if one of them is unknown (the body is then left as it is).
func codings(h *http.Response) ([]string, bool) {
	ce := contentEncoding(h)
	if ce == "" {
		return nil, false
	}
	list := strings.Split(ce, ",")
	for i, c := range list {
		list[i] = strings.TrimSpace(c)
		if decoders[list[i]] == nil {
			return nil, false
		}
	}
	return list, true
}

// decodable reports whether the session decodes the body of h: it has
// content codings, and all of them are known.
func decodable(h *http.Response) bool {
	_, ok := codings(h)
	return ok
}

// decode returns the body of h to read: h.Body itself when raw is set, when
// there is no content coding or when one of them is unknown; otherwise a
// reader that undoes the codings, last applied first, and true. Closing the
// result closes h.Body.
func decode(h *http.Response, raw bool) (io.ReadCloser, bool) {
	if raw {
		return h.Body, false
	}
	list, ok := codings(h)
	if !ok {
		return h.Body, false
	}
	return &decodedBody{raw: &wireReader{rc: h.Body}, codings: list}, true
}

// decodedBody reads a body through its content decoders. The decoders are
// set up on the first Read, so that a body nobody reads costs nothing and
// a call never blocks on the first bytes of a streamed body. Errors that
// come from the decoders, not from the connection, wrap
// [ErrContentDecoding].
type decodedBody struct {
	raw     *wireReader
	codings []string // in the order the server applied them

	mu      sync.Mutex // guards the fields below; held during Read
	rd      io.Reader  // the decoded stream, once set up
	closers []io.Closer
	err     error // sticky: the error that ended reading
	closed  bool
}

func (d *decodedBody) Read(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if d.err != nil {
		return 0, d.err
	}
	if d.rd == nil {
		// An empty body (a HEAD or 204 answer, or a server that sent a
		// Content-Encoding with nothing) decodes to nothing.
		br := bufio.NewReader(d.raw)
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF {
				d.rd = eofReader{}
				return 0, io.EOF
			}
			d.err = d.fail(d.codings[0], err)
			return 0, d.err
		}
		var rd io.Reader = br
		for i := len(d.codings) - 1; i >= 0; i-- {
			dec, err := decoders[d.codings[i]](rd)
			if err != nil {
				d.err = d.fail(d.codings[i], err)
				return 0, d.err
			}
			d.closers = append(d.closers, dec)
			rd = dec
		}
		d.rd = rd
	}
	n, err := d.rd.Read(p)
	if err != nil && err != io.EOF {
		d.err = d.fail(strings.Join(d.codings, ", "), err)
		err = d.err
	}
	return n, err
}

// fail returns the error that ends reading: the connection's own error if
// reading the wire failed, else a decoding error.
func (d *decodedBody) fail(coding string, err error) error {
	if d.raw.err != nil {
		return d.raw.err
	}
	return fmt.Errorf("%w: %s body: %w", ErrContentDecoding, coding, err)
}

// Close closes the wire body first, so that a Read blocked on it returns,
// then releases the decoders.
func (d *decodedBody) Close() error {
	err := d.raw.rc.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		for _, c := range d.closers {
			c.Close()
		}
		d.closers = nil
	}
	return err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// wireReader reads a body as received and records the error that ended
// it, to tell a failed connection from a corrupt encoding.
type wireReader struct {
	rc  io.ReadCloser
	err error
}

func (w *wireReader) Read(p []byte) (int, error) {
	n, err := w.rc.Read(p)
	if err != nil && err != io.EOF {
		w.err = err
	}
	return n, err
}

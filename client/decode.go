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
)

// acceptEncoding is the Accept-Encoding a session sends by default: every
// encoding it can decode.
var acceptEncoding = "gzip, deflate"

// decoders decode one content coding each, by lower-case name.
var decoders = map[string]func(io.Reader) (io.Reader, error){
	"gzip":   func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"x-gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	"deflate": func(r io.Reader) (io.Reader, error) {
		// "deflate" is zlib by the RFC, but many servers send raw deflate.
		br := bufio.NewReader(r)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint(head[0])<<8|uint(head[1]))%31 == 0 {
			return zlib.NewReader(br)
		}
		return flate.NewReader(br), nil
	},
	"identity": func(r io.Reader) (io.Reader, error) { return r, nil },
}

// contentEncoding returns the Content-Encoding of h, lower case, or "".
func contentEncoding(h *http.Response) string {
	ce := strings.ToLower(strings.TrimSpace(strings.Join(h.Header.Values("Content-Encoding"), ",")))
	if ce == "identity" {
		return ""
	}
	return ce
}

// decode undoes the content codings of h, last applied first, as body is
// read. An unknown coding leaves the body as it is. Nothing is read until the
// first Read, so a streamed response returns as soon as its headers arrive,
// and an empty body (as a HEAD or 204 response has) decodes to nothing
// whatever its Content-Encoding says. The error is always nil; it is there
// for decoders that may one day fail up front.
func decode(h *http.Response, body io.Reader) (io.Reader, error) {
	ce := contentEncoding(h)
	if ce == "" {
		return body, nil
	}
	codings := strings.Split(ce, ",")
	for i, c := range codings {
		codings[i] = strings.TrimSpace(c)
		if decoders[codings[i]] == nil {
			return body, nil
		}
	}
	return &decoder{src: sourceReader{r: body}, codings: codings}, nil
}

// decoder decodes a body lazily. Errors of the decoders are prefixed with
// the coding; errors of the body itself (a timeout, a reset) pass through
// unchanged so that they can be classified.
type decoder struct {
	src     sourceReader
	codings []string
	rd      io.Reader // the decoding chain, once built
	err     error     // the error that ended decoding
}

// sourceReader remembers the last error of the body it reads.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.rd == nil && d.err == nil {
		d.start()
	}
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.rd.Read(p)
	if err != nil && err != io.EOF {
		d.err = d.wrap(err)
		err = d.err
	}
	return n, err
}

// start builds the decoding chain, unless the body is empty.
func (d *decoder) start() {
	br := bufio.NewReader(&d.src)
	if _, err := br.Peek(1); err != nil {
		if err == io.EOF {
			d.rd = eofReader{}
			return
		}
		d.err = err
		return
	}
	var rd io.Reader = br
	for i := len(d.codings) - 1; i >= 0; i-- {
		var err error
		if rd, err = decoders[d.codings[i]](rd); err != nil {
			d.err = d.wrap(err)
			return
		}
	}
	d.rd = rd
}

func (d *decoder) wrap(err error) error {
	if err == d.src.err {
		return err
	}
	return fmt.Errorf("client: decoding %s body: %w", strings.Join(d.codings, ", "), err)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

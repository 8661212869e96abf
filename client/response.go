package client

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Response is an HTTP response with its body read into memory, unless the
// request asked to [Stream]. Its fields are plain data; the methods that read
// the body are not safe for concurrent use on a streamed response.
type Response struct {
	StatusCode    int         // e.g. 200
	Status        string      // e.g. "200 OK"
	Proto         string      // e.g. "HTTP/2.0"
	Header        http.Header // as received, including Content-Encoding
	Trailer       http.Header // trailers, once the body has been read
	ContentLength int64       // as announced by the server, -1 if unknown

	// URL is the final URL, after redirects.
	URL *url.URL
	// Request is the last request sent (its body already consumed).
	Request *http.Request
	// History holds the redirect responses that led here, oldest first.
	// Their bodies have been read (up to 1 MiB) and closed.
	History []*Response
	// Attempts is how many requests were sent to get this response,
	// counting every redirect hop and every retry.
	Attempts int
	// Elapsed is the time from sending the request to reading the body (for
	// a streamed response: to receiving the headers).
	Elapsed time.Duration

	// Body is the decoded body of a streamed response (see [Stream]): read
	// it, then call Close. It is nil when the body was read into memory.
	Body io.ReadCloser

	content []byte    // the decoded body, once read
	read    bool      // content holds the whole body
	readErr error     // the error that ended reading, if any
	body    io.Reader // streamed: the decoded body
	cancel  func()    // streamed: ends the call's context
	maxBody int64
	raw     *http.Response // as the transport returned it
}

func newResponse(h *http.Response, history []*Response, start time.Time) *Response {
	r := new(Response)
	r.init(h, history, start)
	return r
}

// init sets r from h.
func (r *Response) init(h *http.Response, history []*Response, start time.Time) {
	*r = Response{
		StatusCode:    h.StatusCode,
		Status:        h.Status,
		Proto:         h.Proto,
		Header:        h.Header,
		Trailer:       h.Trailer,
		ContentLength: h.ContentLength,
		URL:           h.Request.URL,
		Request:       h.Request,
		History:       history,
		raw:           h,
	}
	if !start.IsZero() {
		r.Elapsed = time.Since(start)
	}
	if r.History == nil {
		r.History = []*Response{}
	}
}

// historyBodyLimit caps what is kept of a redirect response's body.
const historyBodyLimit = 1 << 20

// readHistory reads and closes the body of a redirect response.
func (r *Response) readHistory(h *http.Response) {
	defer h.Body.Close()
	data, err := io.ReadAll(io.LimitReader(h.Body, historyBodyLimit))
	r.content, r.read, r.readErr = data, true, err
}

// drainClose reads a little of an unwanted body so that its connection can
// be reused, then closes it.
func drainClose(h *http.Response) {
	io.CopyN(io.Discard, h.Body, 64<<10)
	h.Body.Close()
}

// readAll reads the decoded body of h into r, up to limit bytes (no limit if
// negative), and closes it.
func (r *Response) readAll(h *http.Response, limit int64) error {
	defer h.Body.Close()
	r.read = true
	if !hasBody(h) {
		return nil
	}
	encoded := contentEncoding(h) != ""
	if limit >= 0 && !encoded && h.ContentLength > limit {
		return fmt.Errorf("%w: Content-Length %d exceeds %d bytes", ErrBodyTooLarge, h.ContentLength, limit)
	}
	rd, err := decode(h, h.Body)
	if err != nil {
		return err
	}
	if !encoded && h.ContentLength >= 0 {
		buf := make([]byte, h.ContentLength)
		n, err := io.ReadFull(rd, buf)
		r.content = buf[:n]
		if err != nil {
			return err
		}
		r.Trailer = h.Trailer
		return nil
	}
	if limit < 0 {
		r.content, err = io.ReadAll(rd)
		r.Trailer = h.Trailer
		return err
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(rd, limit+1))
	if err != nil {
		return err
	}
	if n > limit {
		return fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	r.content = buf.Bytes()
	r.Trailer = h.Trailer
	return nil
}

func hasBody(h *http.Response) bool {
	if h.Request != nil && h.Request.Method == http.MethodHead {
		return false
	}
	return h.StatusCode != http.StatusNoContent && h.StatusCode != http.StatusNotModified &&
		!(h.StatusCode >= 100 && h.StatusCode < 200)
}

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

// decode undoes the content codings of h, last applied first. An unknown
// coding leaves the body as it is.
func decode(h *http.Response, body io.Reader) (io.Reader, error) {
	ce := contentEncoding(h)
	if ce == "" {
		return body, nil
	}
	codings := strings.Split(ce, ",")
	for _, c := range codings {
		if decoders[strings.TrimSpace(c)] == nil {
			return body, nil
		}
	}
	rd := body
	for i := len(codings) - 1; i >= 0; i-- {
		var err error
		if rd, err = decoders[strings.TrimSpace(codings[i])](rd); err != nil {
			return nil, fmt.Errorf("client: decoding %s body: %w", strings.TrimSpace(codings[i]), err)
		}
	}
	return rd, nil
}

// streamBody is the Body of a streamed response.
type streamBody struct {
	rd     io.Reader     // decoded
	raw    io.ReadCloser // as received
	ctx    context.Context
	cancel func()
	once   sync.Once
	closed bool
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errors.New("client: read on closed response body")
	}
	n, err := b.rd.Read(p)
	if err != nil && err != io.EOF {
		err = classify(b.ctx, err) // a deadline that fires mid-body is ErrTimeout
	}
	return n, err
}

func (b *streamBody) Close() error {
	var err error
	b.once.Do(func() {
		b.closed = true
		err = b.raw.Close()
		b.cancel()
	})
	return err
}

// Close releases a streamed response: it closes the body and ends the
// request's context. It is safe to call more than once, and does nothing for
// a response whose body was read into memory.
func (r *Response) Close() error {
	if r.Body != nil {
		return r.Body.Close()
	}
	return nil
}

// Bytes returns the body. For a streamed response it reads the rest of the
// body (up to the maximum body size) and closes it.
func (r *Response) Bytes() ([]byte, error) {
	if r.read || r.Body == nil {
		return r.content, r.readErr
	}
	defer r.Close()
	r.read = true
	if r.maxBody < 0 {
		r.content, r.readErr = io.ReadAll(r.Body)
		return r.content, r.readErr
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, r.maxBody+1))
	if err == nil && int64(len(data)) > r.maxBody {
		data, err = nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, r.maxBody)
	}
	r.content, r.readErr = data, err
	return data, err
}

// Text returns the body decoded to UTF-8. The character set is taken from
// the Content-Type header; without one, JSON is UTF-8 and anything else is
// sniffed from byte order marks and HTML meta tags, falling back to
// Windows-1252 for text that is not valid UTF-8.
func (r *Response) Text() (string, error) {
	data, err := r.Bytes()
	if err != nil {
		return "", err
	}
	return decodeText(data, r.Header.Get("Content-Type"))
}

// Encoding returns the name of the character set [Response.Text] decodes
// with, such as "utf-8" or "windows-1252".
func (r *Response) Encoding() string {
	data, _ := r.Bytes()
	_, name := textEncoding(data, r.Header.Get("Content-Type"))
	return name
}

func textEncoding(data []byte, contentType string) (func([]byte) ([]byte, error), string) {
	mediatype, params, _ := mime.ParseMediaType(contentType)
	if cs := params["charset"]; cs != "" {
		if enc, name := charset.Lookup(cs); enc != nil {
			return enc.NewDecoder().Bytes, name
		}
	}
	if mediatype == "application/json" || strings.HasSuffix(mediatype, "+json") {
		if enc, name, _ := charset.DetermineEncoding(data, "text/plain"); name != "utf-8" && bomPresent(data) {
			return enc.NewDecoder().Bytes, name
		}
		return nil, "utf-8"
	}
	if utf8.Valid(data) && !bomPresent(data) && !strings.Contains(mediatype, "html") {
		return nil, "utf-8"
	}
	enc, name, _ := charset.DetermineEncoding(data, contentType)
	if name == "utf-8" {
		return nil, name
	}
	return enc.NewDecoder().Bytes, name
}

func bomPresent(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) ||
		bytes.HasPrefix(data, []byte{0xFF, 0xFE})
}

func decodeText(data []byte, contentType string) (string, error) {
	dec, _ := textEncoding(data, contentType)
	if dec == nil {
		return string(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})), nil
	}
	out, err := dec(data)
	if err != nil {
		return "", fmt.Errorf("client: decoding text: %w", err)
	}
	return string(out), nil
}

// JSON decodes the body as JSON into v. A decoding error never quotes the
// body.
func (r *Response) JSON(v any) error {
	data, err := r.Bytes()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("client: decoding JSON body of %s: %w", r.Status, err)
	}
	return nil
}

// DecodeJSON decodes the body of r as JSON into a new T.
func DecodeJSON[T any](r *Response) (T, error) {
	var v T
	err := r.JSON(&v)
	return v, err
}

// OK reports whether the status is below 400, as Requests' Response.ok.
func (r *Response) OK() bool { return r.StatusCode < 400 }

// CheckStatus returns a [*StatusError] if the status is 4xx or 5xx, and nil
// otherwise.
func (r *Response) CheckStatus() error {
	if r.StatusCode < 400 || r.StatusCode > 599 {
		return nil
	}
	method := http.MethodGet
	if r.Request != nil {
		method = r.Request.Method
	}
	return &StatusError{StatusCode: r.StatusCode, Status: r.Status, Method: method, URL: redactURL(r.URL), Response: r}
}

// Cookies returns the cookies set by this response (not those of the
// redirects before it).
func (r *Response) Cookies() []*http.Cookie {
	return (&http.Response{Header: r.Header}).Cookies()
}

// WriteTo writes the body to w and returns the number of bytes written. For
// a streamed response it copies the rest of the body without holding it in
// memory, then closes it.
func (r *Response) WriteTo(w io.Writer) (int64, error) {
	if r.read || r.Body == nil {
		n, err := w.Write(r.content)
		return int64(n), err
	}
	defer r.Close()
	r.read = true
	return io.Copy(w, r.Body)
}

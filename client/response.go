package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"
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
	// Timings break the last request down: DNS, connect, TLS, first byte
	// and whether its connection was reused.
	Timings Timings

	// Body is the decoded body of a streamed response (see [Stream]): read
	// it, then call Close. It is nil when the body was read into memory.
	Body io.ReadCloser

	content []byte // the decoded body, once read
	read    bool   // content holds the whole body
	readErr error  // the error that ended reading, if any
	maxBody int64
	raw     *http.Response // as the transport returned it
}

func newResponse(h *http.Response, history []*Response) *Response {
	r := new(Response)
	r.init(h, history)
	return r
}

// init sets r from h.
func (r *Response) init(h *http.Response, history []*Response) {
	*r = Response{
		StatusCode:    h.StatusCode,
		Status:        reasonText(h.Status),
		Proto:         h.Proto,
		Header:        h.Header,
		Trailer:       h.Trailer,
		ContentLength: h.ContentLength,
		URL:           h.Request.URL,
		Request:       h.Request,
		History:       history,
		raw:           h,
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

// readAll reads the body of h into r, up to limit bytes (no limit if
// negative), and closes it. The body is decoded unless raw is set, and the
// limit applies to the decoded size. A body whose Content-Length is over the
// limit fails before any of it is read. Closing a body that was not read to
// the end closes its HTTP/1 connection (an HTTP/2 stream is reset), so a
// connection is never reused with a response left on it.
func (r *Response) readAll(h *http.Response, limit int64, raw bool) error {
	defer h.Body.Close()
	r.read = true
	if !hasBody(h) {
		return nil
	}
	body, encoded := decode(h, raw)
	defer body.Close()
	if limit >= 0 && !encoded && h.ContentLength > limit {
		return fmt.Errorf("%w: Content-Length %d exceeds %d bytes", ErrBodyTooLarge, h.ContentLength, limit)
	}
	var rd io.Reader = body
	var err error
	if !encoded && h.ContentLength >= 0 && h.ContentLength <= maxPrealloc {
		// The transport holds the body to its Content-Length: read it
		// into a buffer of exactly that size.
		buf := make([]byte, h.ContentLength)
		n, err := io.ReadFull(rd, buf)
		r.content = buf[:n]
		if err != nil {
			return err
		}
		r.Trailer = h.Trailer
		return nil
	}
	if limit >= 0 {
		rd = io.LimitReader(rd, limit+1)
	}
	r.content, err = io.ReadAll(rd)
	if err != nil {
		return err
	}
	if limit >= 0 && int64(len(r.content)) > limit {
		r.content = nil
		return fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	r.Trailer = h.Trailer
	return nil
}

// maxPrealloc bounds the buffer allocated up front for a body of known
// length, so that a server announcing a huge body it never sends cannot make
// the client allocate it when the size is not capped.
const maxPrealloc = DefaultMaxBodySize

func hasBody(h *http.Response) bool {
	if h.Request != nil && h.Request.Method == http.MethodHead {
		return false
	}
	return h.StatusCode != http.StatusNoContent && h.StatusCode != http.StatusNotModified &&
		!(h.StatusCode >= 100 && h.StatusCode < 200)
}

// streamBody is the Body of a streamed response.
type streamBody struct {
	rc     io.ReadCloser // decoded as asked
	ctx    context.Context
	cancel func()
	once   sync.Once
	closed bool
	yield  bool // see waitsForReadLoop
}

func (b *streamBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = classify(b.ctx, err) // a deadline that fires mid-body is ErrTimeout
	}
	return n, err
}

// copyBufferSize is the size of the buffers [streamBody.WriteTo] copies
// through.
const copyBufferSize = 32 << 10

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// WriteTo copies the body to w through a pooled buffer of 32 KiB, so that
// io.Copy(w, resp.Body) reads the body in large pieces whatever w is. The
// size of a read matters: io.Discard's own ReadFrom reads 8 KiB at a time,
// an HTTP/1 body read with a buffer larger than the connection's reads the
// socket directly, and over HTTP/2 every read of 4 KiB or more sends the
// server a window update, one write to the connection per read.
//
// The loop is io.CopyBuffer's: calling it would need wrappers to hide w's
// ReadFrom and this method from it, two allocations per copy.
func (b *streamBody) WriteTo(w io.Writer) (int64, error) {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	var written int64
	for {
		n, rerr := b.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			written += int64(m)
			if werr != nil {
				return written, werr
			}
			if m != n {
				return written, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

func (b *streamBody) Close() error {
	var err error
	b.once.Do(func() {
		b.closed = true
		err = b.rc.Close()
		b.cancel()
		if b.yield {
			yieldToReadLoop()
		}
	})
	return err
}

// yieldToReadLoop gives up the processor once, after an HTTP/1 response's
// body has been read to its end or closed. net/http's read loop puts the
// connection back in the idle pool only when it next runs, and the caller's
// next request, made before then, would find no idle connection and dial
// another. Where the caller's goroutine shares its processor with the read
// loop (one P, or all of them busy), yielding lets the read loop run first
// (docs/decisions.md, "The session yields after an HTTP/1 body").
func yieldToReadLoop() { runtime.Gosched() }

// waitsForReadLoop reports whether resp's connection goes back to the idle
// pool only when net/http's read loop next runs, once its body is done
// with: an HTTP/1 response with a body, read by net/http's transport. A
// response without a body had its connection given back before it was
// returned, and the session's own HTTP/1.1 transport (h1Transport) gives
// it back on the reader's goroutine.
func waitsForReadLoop(resp *http.Response) bool {
	if resp.ProtoMajor != 1 || resp.Body == http.NoBody {
		return false
	}
	_, own := resp.Body.(*h1Body)
	return !own
}

// Close releases a streamed response: it closes the body and ends the
// request's context. It is safe to call more than once, and does nothing for
// a response whose body was read into memory. Reading the body of a closed
// response fails with [http.ErrBodyReadAfterClose].
func (r *Response) Close() error {
	if r.Body != nil {
		return r.Body.Close()
	}
	return nil
}

// Bytes returns the body. For a streamed response it reads the rest of the
// body (up to the maximum body size, else [ErrBodyTooLarge]) and closes it,
// and later calls return the same bytes; once the body has been consumed by
// [Response.WriteTo], [Response.Lines] or [Response.Chunks], or closed, it
// fails with [http.ErrBodyReadAfterClose].
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

// JSON decodes the body as JSON into v. The body is UTF-8 unless a byte
// order mark, the charset of the Content-Type or the pattern of zero bytes
// that starts UTF-16 or UTF-32 JSON (RFC 4627) says otherwise; see
// [Response.Text]. A decoding error never quotes the body: it wraps the
// error of encoding/json (such as a [*json.SyntaxError], with its offset).
func (r *Response) JSON(v any) error {
	data, err := r.Bytes()
	if err != nil {
		return err
	}
	if data, err = jsonUTF8(data, r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &jsonError{status: r.Status, size: len(data), err: err}
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
// a streamed response it copies the rest of the body through a pooled 32 KiB
// buffer (a destination's own ReadFrom is not used: io.Discard's reads 8 KiB
// at a time), without holding it in memory, and closes it: the body can be
// consumed once, and a later [Response.Bytes] fails with
// [http.ErrBodyReadAfterClose].
// The maximum body size does not apply. [OnProgress] reports the copy as it
// goes; [Session.Download] writes a body to a file and resumes it if cut.
func (r *Response) WriteTo(w io.Writer) (int64, error) {
	if r.read || r.Body == nil {
		if r.readErr != nil {
			return 0, r.readErr
		}
		n, err := w.Write(r.content)
		return int64(n), err
	}
	defer r.Close()
	return io.Copy(w, r.Body)
}

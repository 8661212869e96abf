package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// OnProgress calls fn as the response body arrives, after every read that
// returned bytes, with the number of bytes received so far and the total
// expected: the Content-Length, or -1 if the server did not send one. Both
// count the body as sent, before content decoding, so done reaches total
// when the body is complete. fn runs on the goroutine that reads the body:
// while [Session.Do] reads it into memory, or during reads of a streamed
// [Response.Body] and [Response.WriteTo]. It should return quickly. The
// bodies of redirect responses are not counted. With [Session.Download],
// done and total count the whole file.
func OnProgress(fn func(done, total int64)) RequestOption {
	return requestOptionFunc(func(r *Request) { r.progress = fn })
}

// watchProgress makes h's body report progress to fn.
func watchProgress(h *http.Response, fn func(done, total int64), done, total int64) {
	h.Body = &progressBody{rc: h.Body, fn: fn, done: done, total: total}
}

// progressBody reports the bytes read through it.
type progressBody struct {
	rc          io.ReadCloser
	fn          func(done, total int64)
	done, total int64
}

func (p *progressBody) Read(b []byte) (int, error) {
	n, err := p.rc.Read(b)
	if n > 0 {
		p.done += int64(n)
		p.fn(p.done, p.total)
	}
	return n, err
}

func (p *progressBody) Close() error { return p.rc.Close() }

// DownloadResult describes a finished [Session.Download].
type DownloadResult struct {
	// Path is the file written.
	Path string
	// Size is its size in bytes.
	Size int64
	// Attempts is the number of transfers made: 1 unless a transfer was
	// cut and resumed or started over.
	Attempts int
	// ResumedAt is where the last transfer began: 0 if it fetched the
	// whole file, else the size of the partial file it completed with a
	// range request.
	ResumedAt int64
	// Response is the response of the last transfer, its body consumed.
	Response *Response
}

// maxDownloadAttempts bounds the transfers of one Download.
const maxDownloadAttempts = 5

// Download fetches url into the file at path with GET, without holding the
// body in memory. It writes to path+".part" and, once the whole body has
// arrived and its size matches what the server announced (Content-Length,
// or the total of Content-Range), renames that file to path in one step,
// so that path never holds a partial file.
//
// A transfer cut short by the connection is resumed, up to 5 transfers in
// all: Download asks for the rest with a Range request, validated with
// If-Range by the ETag (or Last-Modified) of the first response, and
// appends the 206 Partial Content answer whose Content-Range starts where
// the file ends. A server that answers 200 instead (it ignores ranges, or
// the file changed), or that said Accept-Ranges: none, gets the whole file
// again, from the start. A path+".part" left by an earlier call is resumed
// the same way, without If-Range, since its validator is not known: the
// size check is then the only guard against a file that changed on the
// server.
//
// Download asks for the body without content coding (Accept-Encoding:
// identity) and stores it as sent, so that byte ranges mean the same on
// every transfer. [OnProgress] among opts reports the bytes of the whole
// file. Each transfer is one request with the session's settings: its
// total timeout bounds each transfer, so set a larger [Timeout] for a
// large file. A timeout, a canceled ctx, a 4xx or 5xx status (returned as
// a [*StatusError]) or an error writing the file ends the call at once,
// leaving path+".part" for a later call to resume.
func (s *Session) Download(ctx context.Context, url, path string, opts ...RequestOption) (res *DownloadResult, err error) {
	base := NewRequest(http.MethodGet, url, opts...)
	progress := base.progress
	base = base.With(OnProgress(nil), Stream(true), Decompress(false), Header{"Accept-Encoding": "identity"})

	part := path + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("client: download: %w", err)
	}
	offset, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("client: download: %w", err)
	}
	d := &download{f: f, offset: offset, progress: progress}
	defer func() {
		if err != nil {
			// Keep what arrived for a later call; an empty file is no use.
			f.Close()
			if d.offset == 0 {
				os.Remove(part)
			}
		}
	}()

	for attempt := 1; ; attempt++ {
		resp, err := s.Do(ctx, d.request(base))
		if err != nil {
			return nil, err
		}
		done, err := d.receive(resp)
		resp.Close()
		if err != nil {
			if !d.cut || attempt == maxDownloadAttempts || ctx.Err() != nil {
				return nil, s.requestError(base, resp.URL, err)
			}
			continue
		}
		if !done {
			if attempt == maxDownloadAttempts {
				return nil, s.requestError(base, resp.URL, fmt.Errorf("client: download: incomplete after %d transfers: %d bytes", attempt, d.offset))
			}
			continue
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("client: download: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("client: download: %w", err)
		}
		if err := os.Rename(part, path); err != nil {
			return nil, fmt.Errorf("client: download: %w", err)
		}
		return &DownloadResult{Path: path, Size: d.offset, Attempts: attempt, ResumedAt: d.start, Response: resp}, nil
	}
}

// Download fetches url into the file at path with the default session. See
// [Session.Download].
func Download(ctx context.Context, url, path string, opts ...RequestOption) (*DownloadResult, error) {
	return Default().Download(ctx, url, path, opts...)
}

// download is the state of one Download.
type download struct {
	f         *os.File
	offset    int64  // bytes in the file
	start     int64  // where the last transfer began
	validator string // If-Range value from an earlier response, if any
	noRanges  bool   // the server said Accept-Ranges: none
	cut       bool   // the last transfer failed reading the body
	progress  func(done, total int64)
}

// request returns the request for the next transfer: a range request for
// the rest of the file when there is a partial file and the server may
// serve ranges.
func (d *download) request(base *Request) *Request {
	if d.offset == 0 || d.noRanges {
		return base
	}
	h := Header{"Range": "bytes=" + strconv.FormatInt(d.offset, 10) + "-"}
	if d.validator != "" {
		h["If-Range"] = d.validator
	}
	return base.With(h)
}

// receive writes the body of resp to the file. It reports whether the file
// is complete; false with a nil error means another transfer should start
// from the file's new offset (possibly zero).
func (d *download) receive(resp *Response) (bool, error) {
	d.cut = false
	ranged := resp.Request.Header.Get("Range") != ""
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Accept-Ranges")), "none") {
		d.noRanges = true
	}
	total := int64(-1)
	switch resp.StatusCode {
	case http.StatusOK:
		// The whole body: start over, whether or not a range was asked.
		if err := d.truncate(0); err != nil {
			return false, err
		}
		total = resp.ContentLength
	case http.StatusPartialContent:
		first, _, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || first != d.offset || !d.sameEntity(resp) {
			// Not the part that was asked for: start over.
			d.validator = ""
			return false, d.truncate(0)
		}
		total = size
	case http.StatusRequestedRangeNotSatisfiable:
		if _, _, size, ok := parseContentRange(resp.Header.Get("Content-Range")); ranged && ok && size == d.offset {
			d.start = d.offset
			return true, nil // the partial file was complete already
		}
		d.validator = ""
		return false, d.truncate(0)
	default:
		if err := resp.CheckStatus(); err != nil {
			return false, err
		}
		return false, fmt.Errorf("client: download: unexpected status %q", resp.Status)
	}
	if d.validator == "" {
		d.validator = validatorOf(resp)
	}
	d.start = d.offset

	body := resp.Body
	if d.progress != nil {
		body = &progressBody{rc: body, fn: d.progress, done: d.offset, total: total}
	}
	fw := &fileWriter{f: d.f}
	n, err := io.Copy(fw, body)
	d.offset += n
	if err != nil {
		if fw.err == nil && !errors.Is(err, ErrTimeout) {
			d.cut = true
		}
		return false, err
	}
	if total >= 0 && d.offset != total {
		if resp.StatusCode == http.StatusPartialContent && d.offset < total {
			return false, nil // a part of the rest: ask for what is left
		}
		return false, fmt.Errorf("client: download: got %d bytes, want %d", d.offset, total)
	}
	return true, nil
}

// truncate cuts the file to n bytes and writes from there on.
func (d *download) truncate(n int64) error {
	if err := d.f.Truncate(n); err != nil {
		return err
	}
	if _, err := d.f.Seek(n, io.SeekStart); err != nil {
		return err
	}
	d.offset = n
	return nil
}

// sameEntity reports whether a 206 is a part of the same file as the
// earlier response: the same strong ETag, when both have one.
func (d *download) sameEntity(resp *Response) bool {
	if !strings.HasPrefix(d.validator, `"`) {
		return true
	}
	etag := resp.Header.Get("ETag")
	return etag == "" || etag == d.validator
}

// validatorOf returns the If-Range validator of resp: its ETag if strong,
// else its Last-Modified, else "".
func validatorOf(resp *Response) string {
	if etag := resp.Header.Get("ETag"); strings.HasPrefix(etag, `"`) {
		return etag
	}
	return resp.Header.Get("Last-Modified")
}

// parseContentRange parses "bytes first-last/size"; size is -1 for "*".
// For "bytes */size" (an unsatisfiable range) first and last are -1.
func parseContentRange(s string) (first, last, size int64, ok bool) {
	unit, rest, found := strings.Cut(strings.TrimSpace(s), " ")
	if !found || !strings.EqualFold(unit, "bytes") {
		return 0, 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	size = -1
	if sz != "*" {
		n, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, 0, false
		}
		size = n
	}
	if rng == "*" {
		return -1, -1, size, size >= 0
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first || (size >= 0 && last >= size) {
		return 0, 0, 0, false
	}
	return first, last, size, true
}

// fileWriter writes to a file and records a failure, to tell it from a
// failure reading the body.
type fileWriter struct {
	f   *os.File
	err error
}

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

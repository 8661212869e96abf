package client

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is the content of one file part of a multipart/form-data body; see
// [Files] and [AddFile]. Build one with [FileFromPath] or [FileFromBytes],
// or set Reader for any other source.
type File struct {
	// Name is the filename sent with the part. Empty means the base name
	// of the reader's Name method (an *os.File has one), else the field
	// name, as in Python Requests.
	Name string
	// ContentType is the Content-Type of the part; empty means
	// application/octet-stream.
	ContentType string
	// Header holds more headers for the part. Its Content-Disposition and
	// Content-Type are replaced by the ones made from the fields above.
	Header http.Header
	// Reader supplies the content. A *bytes.Buffer, *bytes.Reader or
	// *strings.Reader is read when the option is applied, like [Body]
	// does, so the request can be sent any number of times. Any other
	// reader is read when the request is sent, never closed by the session,
	// and shared by every send of the request: one that can seek is
	// measured (so the body gets a Content-Length) and rewound for
	// redirects and retries; one that cannot is sent once, with chunked
	// encoding, and its request is then neither retried nor redirected
	// with its body.
	Reader io.Reader

	data    []byte // from FileFromBytes or an in-memory reader
	hasData bool
	path    string // from FileFromPath: opened for each send
}

// FileFromPath returns a file part read from the file at path. The file is
// opened each time the request is sent and closed once it has been sent,
// so it can be sent any number of times; its size gives the body a
// Content-Length. Name is the base name of path and ContentType is guessed
// from its extension. A file that cannot be opened fails the request
// before any I/O, with an error that [errors.Is] matches to
// [ErrInvalidRequest] and to the cause (such as fs.ErrNotExist).
func FileFromPath(path string) File {
	return File{
		Name:        filepath.Base(path),
		ContentType: mime.TypeByExtension(filepath.Ext(path)),
		path:        path,
	}
}

// FileFromBytes returns a file part named name with data as its content.
// data is not copied: it must not change until the request has been sent.
func FileFromBytes(name string, data []byte) File {
	return File{Name: name, data: data, hasData: true}
}

// Files adds file parts to a multipart/form-data body, one per field, in
// sorted order of field names; use [AddFile] for several files under one
// field or an order of your own. Fields of [Form] and [FormValues] go
// first, as text parts in sorted order of their keys. The body is streamed:
// files are read while the request is written, never held in memory.
//
// Files cannot be combined with [JSON], [Body] or [BodyChunks]: such a
// request fails with [ErrInvalidRequest] before any I/O, as does a File
// with no content (nil Reader and not made by a constructor). The body has
// a Content-Length when the size of every part is known, and is sent with
// chunked encoding otherwise.
type Files map[string]File

func (f Files) applyRequest(r *Request) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := r.setPayload()
		p.files = append(p.files, newFilePart(k, f[k]))
	}
}

// AddFile adds a file part for field to a multipart/form-data body, after
// the parts added before it; a field may have several. See [Files].
func AddFile(field string, f File) RequestOption {
	part := newFilePart(field, f)
	return requestOptionFunc(func(r *Request) {
		p := r.setPayload()
		p.files = append(p.files, part)
	})
}

// filePart is a file of a request, as the option was applied.
type filePart struct {
	field string
	file  File
	start int64 // for a reader that can seek: where to rewind it to, else -1
}

func newFilePart(field string, f File) filePart {
	p := filePart{field: field, file: f, start: -1}
	if f.Name == "" {
		if n, ok := f.Reader.(interface{ Name() string }); ok && n.Name() != "" {
			p.file.Name = filepath.Base(n.Name())
		} else {
			p.file.Name = field
		}
	}
	if f.Header != nil {
		p.file.Header = f.Header.Clone()
	}
	switch v := f.Reader.(type) {
	case *bytes.Buffer:
		p.file.data, p.file.hasData, p.file.Reader = v.Bytes(), true, nil
	case *bytes.Reader, *strings.Reader:
		data, _ := io.ReadAll(v) // reading memory cannot fail
		p.file.data, p.file.hasData, p.file.Reader = data, true, nil
	case io.Seeker:
		if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
			p.start = pos
		}
	}
	return p
}

// multipartBody is a multipart/form-data body ready to be written: text
// fields, then files.
type multipartBody struct {
	boundary string
	fields   []param
	parts    []*preparedPart
}

// preparedPart is a file part of one prepared request.
type preparedPart struct {
	header textproto.MIMEHeader
	size   int64 // -1 if unknown
	// open returns the part's content for one send and what to call once
	// it has been written; nil when rw is set.
	open func() (io.Reader, func(), error)
	// rw, for a caller's io.ReadSeeker, is claimed by each send as the
	// send is made (see send).
	rw   *rewinder
	once bool // open works once only
}

// openMultipart prepares the multipart body of r: its reader, length (-1
// if unknown), GetBody (nil if a part cannot be rewound) and Content-Type.
func (r *Request) openMultipart() (io.Reader, int64, func() (io.ReadCloser, error), string, error) {
	b := r.bodyOf()
	switch b.kind {
	case noBody, formBody:
	case jsonBody:
		return nil, 0, nil, "", fmt.Errorf("%w: files cannot be sent with a JSON body", ErrInvalidRequest)
	default:
		return nil, 0, nil, "", fmt.Errorf("%w: files cannot be sent with a raw body", ErrInvalidRequest)
	}
	mb := &multipartBody{boundary: multipart.NewWriter(nil).Boundary()}
	keys := make([]string, 0, len(b.form))
	for k := range b.form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range b.form[k] {
			mb.fields = append(mb.fields, param{k, v})
		}
	}
	rewindable := true
	for _, fp := range r.fileParts() {
		p, err := fp.prepare()
		if err != nil {
			return nil, 0, nil, "", err
		}
		rewindable = rewindable && !p.once
		mb.parts = append(mb.parts, p)
	}
	ctype := "multipart/form-data; boundary=" + mb.boundary
	var getBody func() (io.ReadCloser, error)
	if rewindable {
		getBody = func() (io.ReadCloser, error) { return mb.send(), nil }
	}
	return mb.send(), mb.length(), getBody, ctype, nil
}

// prepare checks a file part and finds how to read it and its size.
func (fp filePart) prepare() (*preparedPart, error) {
	f := fp.file
	h := make(textproto.MIMEHeader, len(f.Header)+2)
	for k, vs := range f.Header {
		h[textproto.CanonicalMIMEHeaderKey(k)] = append([]string(nil), vs...)
	}
	ctype := f.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Disposition", `form-data; name="`+escapeParam(fp.field)+`"; filename="`+escapeParam(f.Name)+`"`)
	h.Set("Content-Type", ctype)
	if err := validHeader(http.Header(h)); err != nil {
		return nil, fmt.Errorf("file part %q: %w", fp.field, err)
	}

	p := &preparedPart{header: h, size: -1}
	switch {
	case f.hasData:
		data := f.data
		p.size = int64(len(data))
		p.open = func() (io.Reader, func(), error) { return bytes.NewReader(data), func() {}, nil }
	case f.path != "":
		info, err := os.Stat(f.path)
		if err != nil {
			return nil, fmt.Errorf("%w: file part %q: %w", ErrInvalidRequest, fp.field, err)
		}
		if info.Mode().IsRegular() {
			p.size = info.Size()
		}
		path := f.path
		p.open = func() (io.Reader, func(), error) {
			file, err := os.Open(path)
			if err != nil {
				return nil, nil, err
			}
			return file, func() { file.Close() }, nil
		}
	case f.Reader == nil:
		return nil, fmt.Errorf("%w: file part %q has no content", ErrInvalidRequest, fp.field)
	default:
		sk, ok := f.Reader.(io.ReadSeeker)
		if !ok || fp.start < 0 {
			rd := f.Reader
			p.once = true
			p.open = func() (io.Reader, func(), error) { return rd, func() {}, nil }
			break
		}
		end, err := sk.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = sk.Seek(fp.start, io.SeekStart)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: file part %q: %w", ErrInvalidRequest, fp.field, err)
		}
		p.size = max(end-fp.start, 0)
		p.rw = &rewinder{rs: sk, start: fp.start}
	}
	return p, nil
}

// send returns the body of one send. The parts read from a caller's
// io.ReadSeeker are claimed now, before the writer starts: the writer of an
// older send may still be running (a server can answer before it has read
// the body), and it must find its claim gone rather than rewind the reader
// under this send.
func (mb *multipartBody) send() *pipeBody {
	claims := make([]*rewoundBody, len(mb.parts))
	for i, p := range mb.parts {
		if p.rw != nil {
			claims[i] = p.rw.claim()
		}
	}
	return newPipeBody(func(w io.Writer) error { return mb.write(w, claims) })
}

// write writes the whole body to w: the text fields, then each part,
// exactly as many bytes of a part as its size, when known. claims holds
// the readers of the parts that have a rewinder.
func (mb *multipartBody) write(w io.Writer, claims []*rewoundBody) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(mb.boundary); err != nil {
		return err
	}
	for _, f := range mb.fields {
		pw, err := mw.CreatePart(fieldHeader(f.key))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, f.value); err != nil {
			return err
		}
	}
	for i, p := range mb.parts {
		pw, err := mw.CreatePart(p.header)
		if err != nil {
			return err
		}
		if err := p.writeTo(pw, claims[i]); err != nil {
			return err
		}
	}
	return mw.Close()
}

func (p *preparedPart) writeTo(w io.Writer, claim *rewoundBody) error {
	var rd io.Reader
	if claim != nil {
		rd = claim
	} else {
		r, done, err := p.open()
		if err != nil {
			return fmt.Errorf("client: file part: %w", err)
		}
		defer done()
		rd = r
	}
	if p.size < 0 {
		_, err := io.Copy(w, rd)
		return err
	}
	n, err := io.CopyN(w, rd, p.size)
	if err == io.EOF {
		return fmt.Errorf("client: file part ended after %d of %d bytes", n, p.size)
	}
	return err
}

// length returns the size of the whole body, or -1 if a part's size is
// unknown. It writes the framing (boundaries and part headers) to a
// counter and adds the parts' sizes.
func (mb *multipartBody) length() int64 {
	var cw countWriter
	mw := multipart.NewWriter(&cw)
	mw.SetBoundary(mb.boundary) // valid: it came from multipart.NewWriter
	for _, f := range mb.fields {
		pw, _ := mw.CreatePart(fieldHeader(f.key))
		io.WriteString(pw, f.value)
	}
	total := int64(0)
	for _, p := range mb.parts {
		if p.size < 0 {
			return -1
		}
		mw.CreatePart(p.header)
		total += p.size
	}
	mw.Close()
	return total + cw.n
}

func fieldHeader(name string) textproto.MIMEHeader {
	return textproto.MIMEHeader{"Content-Disposition": {`form-data; name="` + escapeParam(name) + `"`}}
}

// escapeParam quotes a name or filename for a Content-Disposition
// parameter: backslash and double quote are escaped as in a quoted-string
// (as mime/multipart does), and control characters, CR and LF among them,
// are percent-encoded as browsers do, so that a name cannot add headers to
// its part. Other bytes, UTF-8 included, are sent as they are (RFC 7578).
func escapeParam(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

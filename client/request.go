package client

import (
	"bytes"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/requests3/requests/retry"
)

// Request is a plain description of an HTTP request: it can be built ahead
// of time, queued, retried and prepared more than once. It holds no context
// and no connection. Build one with [NewRequest]; a Request is not modified
// by sending it, and is safe to send from several goroutines at once as long
// as nobody modifies it (a request body given as a one-shot io.Reader can
// only be sent once).
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is absolute, or relative to the session's base URL.
	URL string

	params    []param
	header    http.Header
	delHeader []string
	payload   *payload // nil: no body and no files
	cookies   []*http.Cookie
	auth      Auth
	timeout   time.Duration
	redirects int
	progress  func(done, total int64) // OnProgress
	maxBody   int64
	hooks     *hooks // nil: none
	retry     *retry.Policy
	from      *adapted // set by the HTTPClient adapter

	// The flags are kept together, so that a Request (allocated with the
	// call's state on every Get) takes no padding.
	authSet    bool
	redirSet   bool
	stream     bool
	noDecode   bool // Decompress(false)
	maxBodySet bool
	retrySet   bool
	timings    bool // TraceTimings
	timingsSet bool
}

type param struct{ key, value string }

// payload is what a request sends: its body and multipart files. Most
// requests send neither, and carry none: a Request is allocated with
// every call's state.
type payload struct {
	body  body
	files []filePart // multipart file parts, in order
}

// setPayload returns r's payload, made if r has none, for an option to set.
func (r *Request) setPayload() *payload {
	if r.payload == nil {
		r.payload = new(payload)
	}
	return r.payload
}

// bodyOf returns r's body; the zero body is none.
func (r *Request) bodyOf() body {
	if r.payload == nil {
		return body{}
	}
	return r.payload.body
}

// fileParts returns r's multipart files.
func (r *Request) fileParts() []filePart {
	if r.payload == nil {
		return nil
	}
	return r.payload.files
}

// NewRequest returns a request for method and url with the options applied in
// order.
func NewRequest(method, url string, opts ...RequestOption) *Request {
	r := &Request{Method: method, URL: url}
	for _, o := range opts {
		if o != nil {
			o.applyRequest(r)
		}
	}
	return r
}

// With returns a copy of r with more options applied; r is unchanged.
func (r *Request) With(opts ...RequestOption) *Request {
	c := r.Clone()
	for _, o := range opts {
		if o != nil {
			o.applyRequest(c)
		}
	}
	return c
}

// Clone returns a deep copy of r. A body reader is shared, not copied.
func (r *Request) Clone() *Request {
	c := *r
	c.params = append([]param(nil), r.params...)
	c.header = r.header.Clone()
	c.delHeader = append([]string(nil), r.delHeader...)
	c.cookies = append([]*http.Cookie(nil), r.cookies...)
	if r.payload != nil {
		c.payload = &payload{body: r.payload.body.clone(), files: append([]filePart(nil), r.payload.files...)}
	}
	if r.hooks != nil {
		h := r.hooks.clone()
		c.hooks = &h
	}
	return &c
}

// A RequestOption sets something on a [Request], the way keyword arguments do
// in Python Requests. Options are applied in order; where two set the same
// thing, the last one wins.
type RequestOption interface {
	applyRequest(*Request)
}

type requestOptionFunc func(*Request)

func (f requestOptionFunc) applyRequest(r *Request) { f(r) }

// Params adds query parameters, merged after any query already in the URL.
// Keys are added in sorted order, so the URL is the same every time; use
// [Param] for repeated keys or an order of your own.
type Params map[string]string

func (p Params) applyRequest(r *Request) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.params = append(r.params, param{k, p[k]})
	}
}

// Param adds a query parameter with one or more values, in the order given:
// Param("tag", "a", "b") adds "tag=a&tag=b".
func Param(key string, values ...string) RequestOption {
	return requestOptionFunc(func(r *Request) {
		for _, v := range values {
			r.params = append(r.params, param{key, v})
		}
	})
}

// Header sets request headers, replacing the session's headers of the same
// name (compared case-insensitively). A Host header sets the host the
// request names (net/http would otherwise ignore it); Content-Length is
// described at [Body]. A name or value that cannot be sent (CR, LF or
// another control character, a value starting with white space) fails the
// request with [ErrInvalidHeader], whose message names the header but never
// holds its value.
type Header map[string]string

func (h Header) applyRequest(r *Request) {
	if r.header == nil {
		r.header = make(http.Header, len(h))
	}
	for k, v := range h {
		r.header.Set(k, v)
		r.delHeader = deleteFold(r.delHeader, k)
	}
}

// AddHeader adds values to a request header without replacing the values
// already set on the request, for headers sent more than once. Like
// [Header], a request header replaces the session's header of that name:
// the session's values are not kept.
func AddHeader(key string, values ...string) RequestOption {
	return requestOptionFunc(func(r *Request) {
		if r.header == nil {
			r.header = make(http.Header)
		}
		for _, v := range values {
			r.header.Add(key, v)
		}
		r.delHeader = deleteFold(r.delHeader, key)
	})
}

// RemoveHeader drops headers from this request, compared
// case-insensitively, including those the session would add: a session-wide
// header, User-Agent (none is sent, not even net/http's), Accept or
// Accept-Encoding. A later [Header] or [AddHeader] of that name sets it
// again.
func RemoveHeader(keys ...string) RequestOption {
	return requestOptionFunc(func(r *Request) {
		for _, k := range keys {
			r.header.Del(k)
			r.delHeader = append(deleteFold(r.delHeader, k), http.CanonicalHeaderKey(k))
		}
	})
}

func deleteFold(list []string, key string) []string {
	key = http.CanonicalHeaderKey(key)
	out := list[:0]
	for _, k := range list {
		if k != key {
			out = append(out, k)
		}
	}
	return out
}

// Cookies sends cookies with this request only. They are not stored in the
// session's jar, they replace jar cookies of the same name, and they are sent
// only to the request's own origin: on every redirect to it, but not to
// another host, port or scheme, nor back after a redirect has left it.
//
// A Cookie header set by hand with [Header] is treated the same way; the
// cookies given here and the jar's are added to it, leaving out the names
// it already has.
type Cookies map[string]string

func (c Cookies) applyRequest(r *Request) {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.cookies = append(r.cookies, &http.Cookie{Name: k, Value: c[k]})
	}
}

// AddCookie sends an [http.Cookie] with this request only, like [Cookies].
func AddCookie(c *http.Cookie) RequestOption {
	return requestOptionFunc(func(r *Request) { r.cookies = append(r.cookies, c) })
}

// UseAuth sets the credentials of this request, replacing the session's.
// UseAuth(nil) sends the request without the session's credentials and
// without .netrc credentials (a user name and password in the URL are
// still used).
func UseAuth(a Auth) RequestOption {
	return requestOptionFunc(func(r *Request) { r.auth, r.authSet = a, true })
}

// Timeout sets the total timeout of this request, replacing the session's
// Timeouts.Total. [NoTimeout] turns it off; any other negative duration
// fails the request with [ErrInvalidRequest] before any I/O.
func Timeout(d time.Duration) RequestOption {
	return requestOptionFunc(func(r *Request) { r.timeout = d })
}

// MaxRedirects sets how many redirects this request follows; 0 returns the
// first 3xx response as it is.
func MaxRedirects(n int) RequestOption {
	return requestOptionFunc(func(r *Request) { r.redirects, r.redirSet = max(n, 0), true })
}

// MaxBodySize caps the body of this response, replacing the session's cap.
func MaxBodySize(n int64) RequestOption {
	return requestOptionFunc(func(r *Request) { r.maxBody, r.maxBodySet = n, true })
}

// Stream leaves the response body unread: read it from [Response.Body] or
// with [Response.Lines], [Response.Chunks] or [Response.WriteTo], then call
// [Response.Close]. The total timeout runs until Close.
func Stream(on bool) RequestOption {
	return requestOptionFunc(func(r *Request) { r.stream = on })
}

// body is what a request sends. At most one of form, json and reader is
// used: the last body option given wins.
type body struct {
	kind   bodyKind
	form   url.Values
	json   any
	data   []byte                   // bytesBody: the whole body, shared by every send
	reader io.Reader                // readerBody
	start  int64                    // readerBody: the position to rewind an io.Seeker to, or -1
	chunks iter.Seq2[[]byte, error] // chunksBody
}

type bodyKind uint8

const (
	noBody bodyKind = iota
	formBody
	jsonBody
	bytesBody
	readerBody
	chunksBody
)

func (b body) clone() body {
	if b.form != nil {
		b.form = cloneValues(b.form)
	}
	return b
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Form sends fields as an application/x-www-form-urlencoded body. Several
// Form options merge; a later [JSON] or [Body] replaces them. With [Files]
// the fields become the first parts of a multipart/form-data body.
type Form map[string]string

func (f Form) applyRequest(r *Request) {
	p := r.setPayload()
	if p.body.kind != formBody {
		p.body = body{kind: formBody, form: make(url.Values, len(f))}
	}
	for k, v := range f {
		p.body.form.Set(k, v)
	}
}

// FormValues sends url.Values as a form body, for repeated keys.
func FormValues(v url.Values) RequestOption {
	return requestOptionFunc(func(r *Request) {
		p := r.setPayload()
		if p.body.kind != formBody {
			p.body = body{kind: formBody, form: make(url.Values, len(v))}
		}
		for k, vs := range v {
			p.body.form[k] = append(p.body.form[k], vs...)
		}
	})
}

// JSON sends v encoded as JSON with Content-Type application/json (unless
// the request sets its own Content-Type). The encoding is UTF-8 and does not
// escape <, > and & as encoding/json does by default. A value that cannot be
// encoded (a NaN, an infinity, a channel) fails the request before any I/O
// with [ErrInvalidRequest].
//
// A request has one body: the last of [JSON], [Form], [FormValues] and
// [Body] wins (Requests, given both data and json, sends data).
func JSON(v any) RequestOption {
	return requestOptionFunc(func(r *Request) { r.setPayload().body = body{kind: jsonBody, json: v} })
}

// Body sends the bytes read from rd. Content-Length is set when the size is
// known (a *bytes.Buffer, *bytes.Reader or *strings.Reader, or any
// io.Seeker, read from its current position); otherwise the body is sent
// with chunked transfer encoding (over HTTP/2, without a length), or with
// the length given by a Content-Length [Header]. Never are both sent. A
// Content-Length header that disagrees with a body of known length fails
// with [ErrInvalidHeader]. Bodies that can seek are rewound for redirects
// and retries; others are sent once, and so is a reader whose Seek fails
// when the option is applied. A 307 or 308 redirect that would need a body
// sent once already is not followed: the redirect response is returned
// (Requests raises UnrewindableBodyError).
//
// A request without a body sends Content-Length: 0 for POST, PUT and PATCH
// and no Content-Length for other methods (RFC 9110, section 8.6), like
// net/http and curl; Requests also sends one for OPTIONS.
//
// A *bytes.Buffer, *bytes.Reader or *strings.Reader is read when the option
// is applied, so the request can be sent any number of times, from any
// number of goroutines. Any other reader is shared by every send of the
// request and the session never closes it.
func Body(rd io.Reader) RequestOption {
	b := body{kind: readerBody, reader: rd, start: -1}
	switch v := rd.(type) {
	case nil:
		b = body{}
	case *bytes.Buffer:
		b = body{kind: bytesBody, data: v.Bytes()}
	case *bytes.Reader, *strings.Reader:
		data, _ := io.ReadAll(v) // reading memory cannot fail
		b = body{kind: bytesBody, data: data}
	case io.Seeker:
		if pos, err := v.Seek(0, io.SeekCurrent); err == nil {
			b.start = pos
		}
	}
	return requestOptionFunc(func(r *Request) { r.setPayload().body = b })
}

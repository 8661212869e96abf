package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/requests3/requests/internal/attempt"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/idna"
)

// Prepare builds the *http.Request that [Session.Do] would send first for
// r: the URL resolved against the base URL with params merged, headers
// merged over the session's, the body encoded, cookies from the jar and
// credentials added. Nothing is sent. r is not modified.
func (s *Session) Prepare(ctx context.Context, r *Request) (*http.Request, error) {
	return s.prepare(ctx, r, new(call))
}

// prepare builds the first request of a call and fills in c, the call's
// state.
func (s *Session) prepare(ctx context.Context, r *Request, c *call) (*http.Request, error) {
	if s.cfg.err != nil {
		return nil, s.cfg.err
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return nil, fmt.Errorf("%w: method %q", ErrInvalidRequest, method)
	}
	if err := checkTimeout("request", r.timeout); err != nil {
		return nil, err
	}
	u := attempt.From(ctx).TakeURL(r) // resolved by the pool already
	if u == nil {
		var err error
		if u, err = s.ResolveURL(r); err != nil {
			return nil, err
		}
	}

	header := make(http.Header, len(s.cfg.header)+len(r.header)+4)
	// The default values live in the call; each slice is capped at its
	// length, so appending to one never writes over the next.
	c.defaults = [3]string{UserAgent, "*/*", acceptEncoding}
	header["User-Agent"] = c.defaults[0:1:1]
	header["Accept"] = c.defaults[1:2:2]
	header["Accept-Encoding"] = c.defaults[2:3:3]
	for k, vs := range s.cfg.header {
		header[k] = vs
	}
	for k, vs := range r.header {
		header[k] = vs
	}
	for _, k := range r.delHeader {
		delete(header, k)
	}
	if _, ok := header["User-Agent"]; !ok {
		// net/http sends its own User-Agent when the key is missing; an
		// empty value makes it send none.
		header["User-Agent"] = []string{}
	}
	// The defaults are valid and the session's headers were checked by
	// NewSession: only the request's own need a look.
	if err := validHeader(r.header); err != nil {
		return nil, err
	}
	for _, ck := range r.cookies {
		// net/http would drop the bad bytes silently (and log them).
		if !httpguts.ValidHeaderFieldName(ck.Name) || !validCookieValue(ck.Value) {
			return nil, fmt.Errorf("%w: cookie %q has a character a cookie cannot carry", ErrInvalidHeader, ck.Name)
		}
	}

	rd, length, getBody, ctype, err := r.openBody()
	if err != nil {
		return nil, err
	}
	if r.from != nil {
		// Through HTTPClient these headers mean what they mean to
		// net/http: nothing; the adapted request carries its own length
		// and host.
		delete(header, "Content-Length")
		delete(header, "Host")
	}
	if length, err = contentLength(header, rd, length); err != nil {
		return nil, err
	}
	host := u.Host
	if h, ok := header["Host"]; ok {
		// net/http sends req.Host and ignores a Host header.
		if len(h) > 0 && h[0] != "" {
			host = h[0]
		}
		delete(header, "Host")
		if len(h) > 1 || !httpguts.ValidHostHeader(host) {
			return nil, fmt.Errorf("%w: %q is not a host", ErrInvalidHeader, "Host")
		}
	}
	// The keys of header are canonical (Header, AddHeader and WithHeader
	// make them so), so it is indexed directly rather than through Get.
	if ctype != "" && firstValue(header["Content-Type"]) == "" {
		header["Content-Type"] = []string{ctype}
	}

	// The request is built on the stack and copied once by WithContext:
	// an http.Request's context can only be set on a copy.
	first := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Host:          host,
		ContentLength: length,
		GetBody:       getBody,
	}
	if rd != nil {
		if pb, ok := rd.(*pipeBody); ok {
			first.Body = pb // its Close stops its writer
		} else {
			first.Body = io.NopCloser(rd)
		}
		if length == 0 {
			first.Body = http.NoBody
		}
	}
	if r.from != nil {
		r.from.adopt(first)
	}
	req := first.WithContext(ctx)

	c.s, c.r, c.origin = s, r, u
	c.auth, c.stream, c.retry = s.cfg.auth, r.stream, s.cfg.retry
	c.maxBody, c.maxHops = s.cfg.maxBodySize, s.cfg.maxRedirects
	if r.retrySet {
		c.retry = r.retry
	}
	if r.authSet {
		c.auth = r.auth
	}
	if r.maxBodySet {
		c.maxBody = r.maxBody
	}
	if r.redirSet {
		c.maxHops = r.redirects
	}
	c.manualCookie = firstValue(header["Cookie"])
	c.manualAuth = firstValue(header["Authorization"])
	// Credentials in the URL are basic auth for this origin only: take them
	// out of the URL so they are handled like any other credentials.
	// url.Parse has percent-decoded them.
	userinfo := false
	if u.User != nil {
		pass, _ := u.User.Password()
		if c.auth == nil && (u.User.Username() != "" || pass != "") {
			c.auth, userinfo = basicAuth{u.User.Username(), pass}, true
		}
		u.User = nil
	}
	// Netrc credentials belong to a host: they are looked up for each
	// hop's host (see addCredentials). The session reads .netrc by itself
	// only when nothing else gave credentials, an Authorization header set
	// by hand included.
	if na, ok := c.auth.(*netrcAuth); ok {
		c.auth, c.netrc = nil, na
	} else if c.auth == nil && !r.authSet && !userinfo && !s.cfg.noNetrc && c.manualAuth == "" {
		c.netrc = envNetrc
	}
	if err := c.addCredentials(req); err != nil {
		return nil, err
	}
	return req, nil
}

// ResolveURL returns the absolute URL that r is sent to: r.URL re-quoted,
// with an internationalised host name converted to punycode, joined to the
// session's base URL (see [WithBaseURL]), and with r's params appended to
// the query, before any fragment. Params are added only to URLs whose scheme
// starts with "http", as in Requests.
func (s *Session) ResolveURL(r *Request) (*url.URL, error) {
	if s.cfg.err != nil {
		return nil, s.cfg.err
	}
	var u *url.URL
	if s.cfg.baseURL == nil || strings.TrimSpace(r.URL) != "" {
		var err error
		if u, err = parseURL(r.URL); err != nil {
			return nil, err
		}
	} else {
		u = &url.URL{} // an empty URL means the base URL itself
	}
	if !u.IsAbs() {
		if s.cfg.baseURL == nil {
			return nil, fmt.Errorf("%w: %q has no scheme (such as https://)", ErrInvalidURL, r.URL)
		}
		u = joinBase(s.cfg.baseURL, u)
	}
	if err := s.checkTarget(u); err != nil {
		return nil, err
	}
	if len(r.params) > 0 && strings.HasPrefix(u.Scheme, "http") {
		var b strings.Builder
		b.WriteString(u.RawQuery)
		for _, p := range r.params {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(p.key))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(p.value))
		}
		u.RawQuery = b.String()
		u.ForceQuery = false
	}
	return u, nil
}

// checkTarget rejects URLs the session cannot send: unsupported schemes and
// missing hosts. A mounted transport may handle any scheme.
func (s *Session) checkTarget(u *url.URL) error {
	if s.mounted(u) {
		return nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: unsupported scheme %q", ErrInvalidURL, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: no host in %q", ErrInvalidURL, u.Redacted())
	}
	return nil
}

// parseURL parses a URL the way Requests prepares one: surrounding white
// space removed, the host converted to punycode, and the rest re-quoted so
// that spaces and non-ASCII characters are escaped once and valid escapes
// are kept. Control characters are rejected: they have no place in a URL and
// CR or LF would let a URL inject headers.
func parseURL(raw string) (*url.URL, error) {
	if plainURL(raw) {
		// Nothing to trim, convert or quote: the common case, checked in
		// one pass.
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidURL, redactURLError(err))
		}
		return u, nil
	}
	return parseURLSlow(raw)
}

// parseURLSlow is parseURL for URLs that may need rewriting.
func parseURLSlow(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, fmt.Errorf("%w: empty URL", ErrInvalidURL)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return nil, fmt.Errorf("%w: control character in URL", ErrInvalidURL)
		}
	}
	head, rest := "", s
	authStart := -1 // where the authority starts, after "scheme://" or "//"
	if i := strings.Index(s, "://"); i > 0 && validScheme(s[:i]) {
		head, authStart = s[:i+3], i+3
		if scheme := strings.ToLower(s[:i]); scheme != s[:i] {
			head = scheme + "://"
		}
	} else if strings.HasPrefix(s, "//") {
		head, authStart = "//", 2
	}
	if authStart >= 0 {
		authEnd := len(s)
		if j := strings.IndexAny(s[authStart:], "/?#"); j >= 0 {
			authEnd = authStart + j
		}
		host, err := asciiAuthority(s[authStart:authEnd])
		if err != nil {
			return nil, err
		}
		if head == s[:authStart] && host == s[authStart:authEnd] {
			head = s[:authEnd]
		} else {
			head += host
		}
		rest = s[authEnd:]
	}
	// Most URLs need no change: parse s itself rather than a copy.
	full := s
	if q := requote(rest); q != rest || len(head)+len(rest) != len(s) || head != s[:len(head)] {
		full = head + q
	}
	u, err := url.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, redactURLError(err))
	}
	return u, nil
}

// plainURL reports whether parseURL would pass s to url.Parse unchanged
// and without error of its own: an http or https URL whose host is lower
// case letters, digits, dots and hyphens (not starting with a dot), with
// an optional numeric port, no userinfo, and a path, query and fragment
// of characters that need no quoting and no percent escapes.
func plainURL(s string) bool {
	var rest string
	switch {
	case strings.HasPrefix(s, "https://"):
		rest = s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		rest = s[len("http://"):]
	default:
		return false
	}
	i := 0
	for i < len(rest) && hostByte(rest[i]) {
		i++
	}
	if i == 0 || rest[0] == '.' {
		return false
	}
	if i < len(rest) && rest[i] == ':' {
		j := i + 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(rest) && rest[i] != '/' && rest[i] != '?' && rest[i] != '#' {
		return false // userinfo, or a byte a host cannot have
	}
	for ; i < len(rest); i++ {
		if c := rest[i]; c == '%' || !uriSafe(c) {
			return false
		}
	}
	return true
}

func hostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

// redactURLError drops the URL that *url.Error carries: it may hold secrets.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// asciiAuthority converts the host of "userinfo@host:port" to ASCII.
func asciiAuthority(auth string) (string, error) {
	userinfo, hostport := "", auth
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		userinfo, hostport = quoteUserinfo(auth[:i])+"@", auth[i+1:]
	}
	if strings.HasPrefix(hostport, "[") {
		// An IPv6 literal; url.Parse checks it, but lets through bytes in a
		// zone that it then cannot write back.
		for i := 0; i < len(hostport); i++ {
			if hostport[i] >= 0x7f {
				return "", fmt.Errorf("%w: invalid IPv6 host %q", ErrInvalidURL, hostport)
			}
		}
		return userinfo + hostport, nil
	}
	host, port := hostport, ""
	if i := strings.LastIndex(hostport, ":"); i >= 0 {
		host, port = hostport[:i], hostport[i:]
	}
	if strings.HasPrefix(host, "*") || strings.HasPrefix(host, ".") || strings.Contains(host, ":") {
		// A wildcard, an empty label, or an IPv6 address without brackets.
		return "", fmt.Errorf("%w: invalid host %q", ErrInvalidURL, host)
	}
	if port != "" && strings.Trim(port[1:], "0123456789") != "" {
		return "", fmt.Errorf("%w: invalid port %q", ErrInvalidURL, strings.TrimPrefix(port, ":"))
	}
	ascii, lower := true, true
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 0x80 {
			ascii = false
			break
		} else if 'A' <= c && c <= 'Z' {
			lower = false
		}
	}
	if ascii && lower && userinfo == auth[:len(auth)-len(hostport)] {
		return auth, nil // nothing to change
	}
	if !ascii {
		h, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", fmt.Errorf("%w: host %q: %w", ErrInvalidURL, host, err)
		}
		if strings.HasPrefix(h, ".") {
			// IDNA maps the ideographic full stop and its kin to '.'.
			return "", fmt.Errorf("%w: invalid host %q", ErrInvalidURL, host)
		}
		host = h
	}
	return userinfo + strings.ToLower(host) + port, nil
}

const hexDigits = "0123456789ABCDEF"

// requote escapes the characters of a URL's path, query and fragment that
// are not allowed there, the way Requests' requote_uri does: valid percent
// escapes are kept (escapes of unreserved characters are decoded), a '%'
// that starts no valid escape becomes "%25", and everything outside the
// reserved and unreserved sets is percent-encoded as UTF-8 bytes.
func requote(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || !uriSafe(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
				d := unhex(s[i+1])<<4 | unhex(s[i+2])
				if unreserved(d) {
					b.WriteByte(d)
				} else {
					b.WriteByte('%')
					b.WriteByte(upper(s[i+1]))
					b.WriteByte(upper(s[i+2]))
				}
				i += 2
			} else {
				b.WriteString("%25")
			}
		case uriSafe(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// uriSafe reports whether c may stand unescaped in a URL: unreserved
// characters and the reserved set Requests leaves alone.
func uriSafe(c byte) bool {
	return unreserved(c) || strings.IndexByte("!#$&'()*+,/:;=?@[]~", c) >= 0
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		if !httpguts.IsTokenRune(rune(m[i])) {
			return false
		}
	}
	return m != ""
}

// firstValue returns the first of a header's values, or "", as
// http.Header.Get does.
func firstValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// validHeader rejects header names and values that cannot be sent. The
// error names the header, never its value, which may be a secret.
func validHeader(h http.Header) error {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("%w: name %q", ErrInvalidHeader, k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) || strings.HasPrefix(v, " ") || strings.HasPrefix(v, "\t") {
				return fmt.Errorf("%w: value of %q has CR, LF, a control character or leading white space", ErrInvalidHeader, k)
			}
		}
	}
	return nil
}

// openBody returns what r sends: see body.open. Files make it a multipart
// body.
func (r *Request) openBody() (io.Reader, int64, func() (io.ReadCloser, error), string, error) {
	if len(r.fileParts()) > 0 {
		return r.openMultipart()
	}
	return r.bodyOf().open()
}

// open returns what the body sends: a reader, its length (-1 if unknown),
// a function that returns a fresh copy for redirects and retries (nil if the
// body cannot be rewound), and the Content-Type it implies.
func (b body) open() (io.Reader, int64, func() (io.ReadCloser, error), string, error) {
	switch b.kind {
	case formBody:
		data := b.form.Encode()
		rd, n, get := bytesReader([]byte(data))
		return rd, n, get, "application/x-www-form-urlencoded", nil
	case jsonBody:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b.json); err != nil {
			return nil, 0, nil, "", fmt.Errorf("%w: JSON body: %w", ErrInvalidRequest, err)
		}
		data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		rd, n, get := bytesReader(data)
		return rd, n, get, "application/json", nil
	case bytesBody:
		rd, n, get := bytesReader(b.data)
		return rd, n, get, "", nil
	case readerBody:
		return readerBodyOf(b.reader, b.start)
	case chunksBody:
		seq := b.chunks
		return newPipeBody(func(w io.Writer) error { return writeChunks(seq, w) }), -1, nil, "", nil
	}
	return nil, 0, nil, "", nil
}

func bytesReader(data []byte) (io.Reader, int64, func() (io.ReadCloser, error)) {
	get := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return bytes.NewReader(data), int64(len(data)), get
}

// readerBodyOf handles a caller's reader: an io.Seeker is measured and
// rewound to where it stood when the option was applied; anything else is
// sent once, with chunked encoding.
func readerBodyOf(rd io.Reader, start int64) (io.Reader, int64, func() (io.ReadCloser, error), string, error) {
	sk, ok := rd.(io.ReadSeeker)
	if !ok || start < 0 {
		return rd, -1, nil, "", nil
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, nil, "", fmt.Errorf("%w: body: %w", ErrInvalidRequest, err)
	}
	rw := &rewinder{rs: sk, start: start}
	first, err := rw.body()
	if err != nil {
		return nil, 0, nil, "", fmt.Errorf("%w: body: %w", ErrInvalidRequest, err)
	}
	return first, end - start, rw.body, "", nil
}

// contentLength reconciles a Content-Length header set by hand with the
// body, and removes the header: net/http writes Content-Length from
// http.Request.ContentLength and ignores the header. A hand-set length is
// used for a body whose length is unknown (so it is sent with that length
// rather than chunked); for any other body it must match.
func contentLength(header http.Header, rd io.Reader, length int64) (int64, error) {
	vs, ok := header["Content-Length"]
	if !ok {
		return length, nil
	}
	delete(header, "Content-Length")
	delete(header, "Transfer-Encoding")
	if len(vs) == 0 || (len(vs) == 1 && vs[0] == "") {
		return length, nil
	}
	n, err := strconv.ParseInt(vs[0], 10, 64)
	if len(vs) != 1 || err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %q is not a length", ErrInvalidHeader, "Content-Length")
	}
	switch {
	case rd == nil && n == 0, length == n:
		return length, nil
	case rd != nil && length < 0:
		return n, nil
	}
	return 0, fmt.Errorf("%w: %q is %d but the body has %d bytes", ErrInvalidHeader, "Content-Length", n, max(length, 0))
}

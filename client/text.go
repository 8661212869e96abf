package client

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Text returns the body decoded to UTF-8. The character set is chosen as a
// browser would, in this order:
//
//  1. a byte order mark (UTF-8, UTF-16 or UTF-32), which is dropped;
//  2. the charset parameter of the Content-Type header, if it names a known
//     character set;
//  3. for JSON (application/json and +json types), UTF-16 or UTF-32 told
//     from the zero bytes of the first four (RFC 4627), else UTF-8;
//  4. for HTML (or no Content-Type), a <meta charset> or <meta http-equiv>
//     in the first 1024 bytes; for XML (or no Content-Type), the encoding
//     of the XML declaration;
//  5. UTF-8 if the body is valid UTF-8;
//  6. Windows-1252, which is what "ISO-8859-1" means on the web.
//
// Unlike Requests, a text/* type without a charset is not taken to be
// ISO-8859-1: valid UTF-8 is read as UTF-8. Bytes that are invalid in the
// chosen character set become U+FFFD. For a streamed response Text reads
// the rest of the body, like [Response.Bytes].
func (r *Response) Text() (string, error) {
	data, err := r.Bytes()
	if err != nil {
		return "", err
	}
	return decodeText(data, r.Header.Get("Content-Type"))
}

// Encoding returns the name of the character set [Response.Text] decodes
// with, as the WHATWG Encoding Standard names it ("utf-8", "windows-1252",
// "utf-16le", "shift_jis", …), or "utf-32le" or "utf-32be". For a streamed
// response it reads the rest of the body, like [Response.Bytes]; if that
// fails, it names the character set of what was read.
func (r *Response) Encoding() string {
	data, _ := r.Bytes()
	_, name, _ := textEncoding(data, r.Header.Get("Content-Type"))
	return name
}

// decodeText decodes data to a UTF-8 string.
func decodeText(data []byte, contentType string) (string, error) {
	enc, _, bom := textEncoding(data, contentType)
	return decodeWith(enc, data[bom:])
}

// decodeWith decodes data with enc; nil means UTF-8.
func decodeWith(enc encoding.Encoding, data []byte) (string, error) {
	if enc == nil {
		if utf8.Valid(data) {
			return string(data), nil
		}
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("client: decoding text: %w", err)
	}
	return string(out), nil
}

// jsonUTF8 returns a JSON body as UTF-8, without a byte order mark.
func jsonUTF8(data []byte, contentType string) ([]byte, error) {
	enc, _, bom := jsonEncoding(data, contentType)
	if enc == nil {
		return data[bom:], nil
	}
	s, err := decodeWith(enc, data[bom:])
	return []byte(s), err
}

// textEncoding returns the character set of a body (nil for UTF-8), its
// name, and the length of its byte order mark.
func textEncoding(data []byte, contentType string) (encoding.Encoding, string, int) {
	mediatype, _, _ := mime.ParseMediaType(contentType)
	if isJSON(mediatype) {
		return jsonEncoding(data, contentType)
	}
	if enc, name, n := bomEncoding(data); n > 0 {
		return enc, name, n
	}
	if enc, name, ok := charsetParam(contentType); ok {
		return enc, name, 0
	}
	if mediatype == "" || strings.Contains(mediatype, "html") {
		if enc, name, ok := htmlMetaCharset(data); ok {
			return enc, name, 0
		}
	}
	if mediatype == "" || strings.Contains(mediatype, "xml") {
		if enc, name, ok := xmlDeclCharset(data); ok {
			return enc, name, 0
		}
	}
	if utf8.Valid(data) {
		return nil, "utf-8", 0
	}
	enc, name := charset.Lookup("windows-1252")
	return enc, name, 0
}

// jsonEncoding is textEncoding for JSON: a byte order mark, the charset
// parameter, or the pattern of zero bytes in the first four bytes, as
// Requests' guess_json_utf reads it.
func jsonEncoding(data []byte, contentType string) (encoding.Encoding, string, int) {
	if enc, name, n := bomEncoding(data); n > 0 {
		return enc, name, n
	}
	if enc, name, ok := charsetParam(contentType); ok {
		return enc, name, 0
	}
	if len(data) >= 4 {
		z := [4]bool{data[0] == 0, data[1] == 0, data[2] == 0, data[3] == 0}
		switch z {
		case [4]bool{true, false, true, false}:
			return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 0
		case [4]bool{false, true, false, true}:
			return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 0
		case [4]bool{true, true, true, false}:
			return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 0
		case [4]bool{false, true, true, true}:
			return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 0
		}
	}
	return nil, "utf-8", 0
}

func isJSON(mediatype string) bool {
	return mediatype == "application/json" || strings.HasSuffix(mediatype, "+json")
}

// bomEncoding returns the encoding that a byte order mark at the start of
// data announces, and the mark's length (0 if there is none). UTF-32 is
// tested first: its little-endian mark starts with UTF-16's.
func bomEncoding(data []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return nil, "utf-8", 3
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	}
	return nil, "", 0
}

// charsetParam returns the character set named by the charset parameter of
// a Content-Type, if it is one the WHATWG Encoding Standard knows.
func charsetParam(contentType string) (encoding.Encoding, string, bool) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A malformed header may still carry a usable charset, such as
		// `text/html; charset="utf-8` or `text/plain;;charset=latin1`.
		params = looseParams(contentType)
	}
	cs := params["charset"]
	if cs == "" {
		return nil, "", false
	}
	return lookupCharset(cs)
}

// looseParams reads the parameters of a malformed media type one by one,
// skipping those that do not parse.
func looseParams(contentType string) map[string]string {
	params := map[string]string{}
	_, rest, _ := strings.Cut(contentType, ";")
	for p := range strings.SplitSeq(rest, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if _, seen := params[k]; !seen && k != "" {
			params[k] = v
		}
	}
	return params
}

func lookupCharset(label string) (encoding.Encoding, string, bool) {
	enc, name := charset.Lookup(label)
	switch {
	case enc == nil:
		return nil, "", false
	case name == "utf-8":
		return nil, name, true
	}
	return enc, name, true
}

// htmlMetaCharset returns the character set that a <meta> element in the
// first 1024 bytes of an HTML document declares, by the HTML5 prescan
// algorithm (both <meta charset> and <meta http-equiv="Content-Type">).
//
// x/net/html/charset runs that prescan only inside DetermineEncoding, which
// falls back to UTF-8 or Windows-1252 when no <meta> is found. It is run
// twice here, on inputs built so that each fallback is known: once made
// invalid UTF-8 (the fallback is then windows-1252) and once made valid
// UTF-8 (the fallback is then utf-8). A <meta> gives the same answer both
// times; no <meta> gives the two fallbacks.
func htmlMetaCharset(data []byte) (encoding.Encoding, string, bool) {
	head := data[:min(len(data), 1000)]
	if !bytes.Contains(bytes.ToLower(head), []byte("<meta")) {
		return nil, "", false
	}
	invalid := append(append([]byte(nil), head...), ' ', 0x80, 0x80)
	_, a, _ := charset.DetermineEncoding(invalid, "text/html")
	valid := []byte(strings.ToValidUTF8(string(head), ""))
	_, b, _ := charset.DetermineEncoding(valid, "text/html")
	if a != b {
		return nil, "", false
	}
	return lookupCharset(a)
}

// xmlDecl matches the encoding of an XML declaration.
var xmlDecl = regexp.MustCompile(`^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']`)

// xmlDeclCharset returns the character set named by the XML declaration
// that starts data, if any.
func xmlDeclCharset(data []byte) (encoding.Encoding, string, bool) {
	m := xmlDecl.FindSubmatch(data[:min(len(data), 1024)])
	if m == nil {
		return nil, "", false
	}
	return lookupCharset(string(m[1]))
}

// reasonText returns a status line as valid UTF-8. A reason phrase that is
// not ASCII is ISO-8859-1 on the wire (RFC 9110, section 5.5), though some
// servers send UTF-8: as in Requests, valid UTF-8 is kept and anything else
// is read as Latin-1.
func reasonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

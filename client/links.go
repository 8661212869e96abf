package client

import (
	"net/url"
	"strings"
)

// Link is one link of a response's Link header (RFC 8288), as used for
// pagination ("next", "prev", "last") and resource hints.
type Link struct {
	// URL is the link's target, resolved against the response's final URL.
	URL *url.URL
	// Rel is the relation type, in lower case, such as "next"; "" for a
	// link without one. A link with several relation types
	// (rel="next last") is listed once for each, as RFC 8288 says it
	// means.
	Rel string
	// Params holds the link's other target attributes by lower-case name,
	// such as "title", "type", "hreflang" or "anchor", with quotes and
	// escapes removed; an attribute without a value maps to "". Where an
	// attribute is repeated the first one counts. An extended value
	// (RFC 8187, title*=UTF-8''%E2%82%AC) is decoded and kept under its
	// name with the star ("title*"). Params is never nil, and each Link
	// has its own.
	Params map[string]string
}

// Links returns the links of the response's Link headers, in the order
// they were sent. Links whose target is not a valid URL are left out, and
// so is text that is not a link (the parser resynchronises at the next
// comma). The headers are parsed on every call.
func (r *Response) Links() []Link {
	return parseLinks(r.Header.Values("Link"), r.URL)
}

// Link returns the first link whose relation type is rel, compared
// case-insensitively, as Requests' Response.links[rel] does:
//
//	if next, ok := resp.Link("next"); ok {
//		resp, err = s.Get(ctx, next.URL.String())
//	}
func (r *Response) Link(rel string) (Link, bool) {
	rel = strings.ToLower(rel)
	for _, l := range r.Links() {
		if l.Rel == rel {
			return l, true
		}
	}
	return Link{}, false
}

// parseLinks parses Link header values, resolving targets against base (if
// not nil).
func parseLinks(values []string, base *url.URL) []Link {
	var links []Link
	for _, v := range values {
		p := linkParser{s: v}
		for p.i < len(p.s) {
			links = p.link(base, links)
		}
	}
	return links
}

// linkParser reads a Link header value: link-values separated by commas,
// each a <URI-Reference> followed by ";"-separated parameters.
type linkParser struct {
	s string
	i int
}

func (p *linkParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// skipTo moves to the next of the bytes in stops that is outside a quoted
// string or an angle-bracketed URI, or to the end.
func (p *linkParser) skipTo(stops string) {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case strings.IndexByte(stops, c) >= 0:
			return
		case c == '"':
			p.quoted()
		case c == '<':
			if j := strings.IndexByte(p.s[p.i:], '>'); j >= 0 {
				p.i += j + 1
			} else {
				p.i = len(p.s)
			}
		default:
			p.i++
		}
	}
}

// quoted reads a quoted-string starting at p.i and returns its value with
// the escapes removed. An unterminated string runs to the end.
func (p *linkParser) quoted() string {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String()
		case '\\':
			if p.i+1 < len(p.s) {
				p.i++
			}
			b.WriteByte(p.s[p.i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// token reads characters that are neither separators of the Link syntax
// nor white space.
func (p *linkParser) token(stops string) string {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte(stops, p.s[p.i]) < 0 && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
		p.i++
	}
	return p.s[start:p.i]
}

// link reads one link-value and appends its links.
func (p *linkParser) link(base *url.URL, links []Link) []Link {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
	if p.i >= len(p.s) {
		return links
	}
	if p.s[p.i] != '<' {
		p.skipTo(",")
		return links
	}
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		p.i = len(p.s)
		return links
	}
	target := p.s[p.i+1 : p.i+end]
	p.i += end + 1

	var rel string
	hasRel := false
	params := map[string]string{}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] == ',' {
			break
		}
		if p.s[p.i] != ';' { // not a parameter: drop the rest of the link-value
			p.skipTo(",")
			break
		}
		p.i++
		p.skipSpace()
		name := strings.ToLower(p.token(";,="))
		p.skipSpace()
		value := ""
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '"' {
				value = p.quoted()
			} else {
				value = p.token(";,")
			}
		}
		if name == "" {
			p.skipTo(";,")
			continue
		}
		if strings.HasSuffix(name, "*") {
			var ok bool
			if value, ok = decodeExtValue(value); !ok {
				continue
			}
		}
		switch _, seen := params[name]; {
		case name == "rel":
			if !hasRel {
				rel, hasRel = value, true
			}
		case !seen:
			params[name] = value
		}
	}

	u, err := parseURL(target)
	if err != nil {
		return links
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	rels := strings.Fields(strings.ToLower(rel))
	if len(rels) == 0 {
		rels = []string{""}
	}
	for i, r := range rels {
		l := Link{URL: u, Rel: r, Params: params}
		if i > 0 {
			c := *u
			l.URL = &c
			l.Params = make(map[string]string, len(params))
			for k, v := range params {
				l.Params[k] = v
			}
		}
		links = append(links, l)
	}
	return links
}

// decodeExtValue decodes an RFC 8187 ext-value: charset'language'pct-encoded,
// where charset is UTF-8 or ISO-8859-1.
func decodeExtValue(v string) (string, bool) {
	cs, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", false
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	raw, err := url.PathUnescape(enc)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(cs) {
	case "utf-8":
		return strings.ToValidUTF8(raw, "\uFFFD"), true
	case "iso-8859-1":
		var b strings.Builder
		for i := 0; i < len(raw); i++ {
			b.WriteRune(rune(raw[i]))
		}
		return b.String(), true
	}
	return "", false
}

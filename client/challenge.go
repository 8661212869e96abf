package client

import "strings"

// AuthChallenge is one challenge of a WWW-Authenticate or
// Proxy-Authenticate header (RFC 9110 section 11.6.1), such as
// `Digest realm="api", nonce="abc", qop="auth"`. It is plain data for
// [Challenger] implementations; parse one with [ParseChallenges].
type AuthChallenge struct {
	// Scheme is the auth scheme as sent, such as "Digest" or "Bearer".
	// Schemes are case-insensitive: compare with strings.EqualFold.
	Scheme string
	// Params holds the auth parameters, names in lower case and values
	// unquoted (escapes removed). When a name is repeated the first value
	// is kept. It is nil when the challenge has none.
	Params map[string]string
	// Token68 is the token68 form some schemes send instead of or before
	// parameters (such as `Negotiate a87421000492aa874209af8bc028==`),
	// or "".
	Token68 string
}

// ParseChallenges parses the values of WWW-Authenticate (or
// Proxy-Authenticate) header fields, each of which may hold several
// challenges separated by commas, and returns them in the order sent:
//
//	client.ParseChallenges(resp.Header.Values("WWW-Authenticate"))
//
// Quoted strings may hold commas and backslash escapes. Parsing is lenient,
// as clients must be with real servers: a missing comma between parameters
// is tolerated, an unquoted value runs to the next comma or space, and a
// malformed part is skipped up to the next comma. It never fails.
func ParseChallenges(values []string) []AuthChallenge {
	var out []AuthChallenge
	for _, v := range values {
		p := challengeParser{s: v}
		out = p.parse(out)
	}
	return out
}

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) done() bool { return p.i >= len(p.s) }

func (p *challengeParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

// skipSpace skips optional white space.
func (p *challengeParser) skipSpace() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// skipSeparators skips white space and the commas of a list.
func (p *challengeParser) skipSeparators() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// skipItem skips a malformed list element: up to the next comma that is
// not inside a quoted string.
func (p *challengeParser) skipItem() {
	quoted := false
	for ; !p.done(); p.i++ {
		switch c := p.s[p.i]; {
		case quoted && c == '\\':
			p.i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			return
		}
	}
}

func (p *challengeParser) token() string {
	start := p.i
	for !p.done() && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// token68 reads a token68 (RFC 9110 section 11.2) if one stands at the
// cursor and is the whole list element; otherwise it moves nothing.
func (p *challengeParser) token68() (string, bool) {
	start := p.i
	j := p.i
	for j < len(p.s) && isToken68Char(p.s[j]) {
		j++
	}
	if j == start {
		return "", false
	}
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	end := j
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	if j < len(p.s) && p.s[j] != ',' {
		return "", false
	}
	p.i = j
	return p.s[start:end], true
}

// value reads a parameter value: a quoted string, or a run of characters
// up to a comma, white space or quote.
func (p *challengeParser) value() (string, bool) {
	if p.peek() != '"' {
		start := p.i
		for !p.done() {
			c := p.s[p.i]
			if c == ',' || c == ' ' || c == '\t' || c == '"' {
				break
			}
			p.i++
		}
		return p.s[start:p.i], true
	}
	p.i++ // opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return b.String(), true
		case '\\':
			if p.done() {
				return "", false
			}
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return "", false // unterminated
}

func (p *challengeParser) parse(out []AuthChallenge) []AuthChallenge {
	cur := -1 // index in out of the challenge being read
	for {
		p.skipSeparators()
		if p.done() {
			return out
		}
		name := p.token()
		if name == "" {
			p.i++ // a character that starts nothing
			p.skipItem()
			continue
		}
		p.skipSpace()
		if p.peek() == '=' {
			// An auth-param of the current challenge.
			p.i++
			p.skipSpace()
			v, ok := p.value()
			if !ok || cur < 0 {
				p.skipItem()
				continue
			}
			key := strings.ToLower(name)
			if out[cur].Params == nil {
				out[cur].Params = make(map[string]string)
			}
			if _, dup := out[cur].Params[key]; !dup {
				out[cur].Params[key] = v
			}
			continue
		}
		// A new challenge: name is its scheme. A token68 may follow.
		out = append(out, AuthChallenge{Scheme: name})
		cur = len(out) - 1
		if t, ok := p.token68(); ok {
			out[cur].Token68 = t
		}
	}
}

// isTokenChar reports whether c is a tchar of RFC 9110.
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken68Char reports whether c may appear in a token68 before its
// trailing '=' signs.
func isToken68Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~+/", c) >= 0
}

// quoteString returns s as an HTTP quoted-string, with '"' and '\'
// escaped.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

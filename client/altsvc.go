package client

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// defaultAltSvcMaxAge is how long an Alt-Svc alternative without an ma
// parameter stays fresh (RFC 7838, section 3.1).
const defaultAltSvcMaxAge = 24 * time.Hour

// maxAltSvcMaxAge caps the ma parameter: a year is long enough, and keeps
// the arithmetic far from overflow.
const maxAltSvcMaxAge = 365 * 24 * time.Hour

// parseAltSvc reads the Alt-Svc header values of a response from host (RFC
// 7838, section 3) and returns the port of the first HTTP/3 ("h3")
// alternative on host itself, and how long it may be used. ok is false if
// the header offers no such alternative or says "clear". Alternatives on
// other hosts, for other protocols or malformed are passed over.
func parseAltSvc(values []string, host string) (port string, maxAge time.Duration, ok bool) {
	for _, v := range values {
		l := altParser{challengeParser{s: v}}
		for {
			l.skipSpace()
			if l.done() {
				break
			}
			if l.take(',') {
				continue // an empty list element
			}
			proto := l.token()
			l.skipSpace()
			if proto == "clear" && (l.done() || l.peek() == ',') {
				return "", 0, false
			}
			p, ma, good := l.alternative()
			if !l.endOfElement() {
				good = false
				l.skipItem()
			}
			if !good {
				continue
			}
			if id, err := url.PathUnescape(proto); err != nil || id != "h3" {
				continue
			}
			i := strings.LastIndexByte(p, ':') // after an IPv6 literal's colons
			if i < 0 || !validPort(p[i+1:]) {
				continue
			}
			if h := strings.TrimSuffix(strings.TrimPrefix(p[:i], "["), "]"); h != "" && !strings.EqualFold(h, host) {
				continue
			}
			return p[i+1:], ma, true
		}
	}
	return "", 0, false
}

// validPort reports whether p is a port number from 1 to 65535.
func validPort(p string) bool {
	n, err := strconv.ParseUint(p, 10, 16)
	return err == nil && n > 0 && p[0] != '+'
}

// altParser reads an Alt-Svc header value, with the lexing of auth
// challenges (challenge.go).
type altParser struct{ challengeParser }

func (l *altParser) take(c byte) bool {
	if !l.done() && l.peek() == c {
		l.i++
		return true
	}
	return false
}

// alternative reads `="authority" *( ; name=value )` after a protocol-id,
// and returns the authority and the ma parameter.
func (l *altParser) alternative() (authority string, maxAge time.Duration, ok bool) {
	maxAge = defaultAltSvcMaxAge
	if !l.take('=') {
		return "", 0, false
	}
	l.skipSpace()
	if authority, ok = l.value(); !ok {
		return "", 0, false
	}
	for {
		l.skipSpace()
		if !l.take(';') {
			return authority, maxAge, true
		}
		l.skipSpace()
		name := l.token()
		l.skipSpace()
		if name == "" || !l.take('=') {
			return "", 0, false
		}
		l.skipSpace()
		v, ok := l.value()
		if !ok {
			return "", 0, false
		}
		if strings.EqualFold(name, "ma") {
			secs, err := strconv.ParseUint(v, 10, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return "", 0, false
			}
			maxAge = maxAltSvcMaxAge
			if secs < uint64(maxAltSvcMaxAge/time.Second) {
				maxAge = time.Duration(secs) * time.Second
			}
		}
	}
}

// value reads a quoted string or a token.
func (l *altParser) value() (string, bool) {
	if l.peek() == '"' {
		return l.challengeParser.value()
	}
	t := l.token()
	return t, t != ""
}

// endOfElement reports whether the list element ends here.
func (l *altParser) endOfElement() bool {
	l.skipSpace()
	return l.done() || l.peek() == ','
}

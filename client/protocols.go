package client

import (
	"fmt"
	"net/http"
	"strings"
)

// Protocols is a set of HTTP versions a session may use, combined with |:
// client.HTTP1 | client.HTTP2 | client.HTTP3. The zero value means
// [DefaultProtocols].
//
// Which one a request uses depends on its URL:
//
//   - https:// URLs are sent over TLS with HTTP/2 or HTTP/1.1, as the set
//     allows and the server agrees in the TLS handshake (ALPN). With HTTP3
//     in the set, HTTP/3 over QUIC is tried first (see [HTTP3Config]), and
//     TCP is the fallback.
//   - http:// URLs are sent with HTTP/2 in the clear if H2C is in the set,
//     and with HTTP/1.1 otherwise.
//
// A request that no protocol of the set can send (an http:// URL when the
// set holds neither HTTP1 nor H2C, say) fails with [ErrInvalidURL] before
// any I/O. The set applies to the session's own transport only, not to one
// given with [WithTransport] or [Mount].
type Protocols uint8

const (
	// HTTP1 is HTTP/1.1, over TLS for https:// URLs and in the clear for
	// http:// URLs. Connections are kept alive and reused, one request at a
	// time each.
	HTTP1 Protocols = 1 << iota
	// HTTP2 is HTTP/2 over TLS for https:// URLs, chosen with the server
	// during the TLS handshake (ALPN). Concurrent requests to one origin
	// share one connection.
	HTTP2
	// H2C is HTTP/2 in the clear with prior knowledge (RFC 9113, section
	// 3.3) for http:// URLs: the session speaks HTTP/2 from the first byte,
	// without asking, so every server it sends http:// URLs to must accept
	// HTTP/2 (a Go server with [http.Protocols.SetUnencryptedHTTP2], for
	// one). There is no fallback to HTTP/1.1 for such URLs: the
	// negotiation that would allow it (the Upgrade: h2c header) is
	// deprecated by RFC 9113 and not supported by net/http. Through an
	// HTTP proxy, HTTP/2 is spoken to the proxy.
	H2C
	// HTTP3 is HTTP/3 over QUIC for https:// URLs. See [WithHTTP3] for how
	// it is chosen and how the session falls back to TCP.
	HTTP3
)

// DefaultProtocols is what a session uses unless told otherwise: HTTP/2
// over TLS where the server offers it, and HTTP/1.1.
const DefaultProtocols = HTTP1 | HTTP2

const allProtocols = HTTP1 | HTTP2 | H2C | HTTP3

// String returns the names in the set, such as "HTTP1|HTTP2".
func (p Protocols) String() string {
	if p == 0 {
		return "none"
	}
	var names []string
	for _, n := range []struct {
		p    Protocols
		name string
	}{{HTTP1, "HTTP1"}, {HTTP2, "HTTP2"}, {H2C, "H2C"}, {HTTP3, "HTTP3"}} {
		if p&n.p != 0 {
			names = append(names, n.name)
		}
	}
	if rest := p &^ allProtocols; rest != 0 {
		names = append(names, fmt.Sprintf("%#x", uint8(rest)))
	}
	return strings.Join(names, "|")
}

// orDefault returns p without unknown bits, or the defaults if that leaves
// nothing.
func (p Protocols) orDefault() Protocols {
	if p &= allProtocols; p == 0 {
		return DefaultProtocols
	}
	return p
}

// WithProtocols sets the HTTP versions the session may use. Zero restores
// [DefaultProtocols]. Like the other transport settings, it does not apply
// to a transport given with [WithTransport].
func WithProtocols(p Protocols) Option {
	return optionFunc(func(c *config) { c.protocols = p })
}

// Protocols returns the HTTP versions the session's own transport may use.
func (s *Session) Protocols() Protocols { return s.cfg.protocols.orDefault() }

// protoTransport is the session's own transport: it sends each request with
// a protocol of the session's set, and makes concurrent requests to an
// origin that may speak HTTP/2 share one connection from the start.
type protoTransport struct {
	protos Protocols
	tcp    *http.Transport // HTTP/1.1 and HTTP/2 over TLS, HTTP/1.1 in the clear; nil if the set has neither
	h1     *h1Transport    // plain HTTP/1.1 without a body (see h1Eligible); nil without HTTP1
	h2c    *http.Transport // HTTP/2 in the clear; nil without H2C
	h3     *h3Transport    // nil without HTTP3
	gate   dialGate
}

func newProtoTransport(c *config) *protoTransport {
	p := c.protocols.orDefault()
	t := &protoTransport{protos: p}
	t.gate.idle = idleConnTimeout
	if p&(HTTP1|HTTP2|H2C) != 0 {
		base := newTransport(c)
		if p&HTTP1 != 0 {
			t.h1 = newH1Transport(base, c.dialer())
		}
		if p&(HTTP1|HTTP2) != 0 {
			t.tcp = base
			t.tcp.Protocols = new(http.Protocols)
			t.tcp.Protocols.SetHTTP1(p&HTTP1 != 0)
			t.tcp.Protocols.SetHTTP2(p&HTTP2 != 0)
		}
		if p&H2C != 0 {
			// A transport of its own: net/http speaks h2c only when
			// HTTP/1 is off. Clone also gives it its own TLS
			// configuration, which net/http changes to set up HTTP/2.
			t.h2c = base.Clone()
			t.h2c.Protocols = new(http.Protocols)
			t.h2c.Protocols.SetUnencryptedHTTP2(true)
			batchH2(t.h2c)
		}
		if t.tcp != nil {
			batchH2(t.tcp)
		}
	}
	if p&HTTP3 != 0 {
		var fallback http.RoundTripper
		if t.tcp != nil {
			fallback = roundTripFunc(t.overTLS)
		}
		t.h3 = newH3Transport(c, fallback)
	}
	return t
}

// RoundTrip sends req with the protocol its scheme calls for.
func (t *protoTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Scheme {
	case "https":
		if t.h3 != nil {
			return t.h3.RoundTrip(req)
		}
		if t.tcp != nil {
			return t.overTLS(req)
		}
	case "http":
		if t.h2c != nil {
			return t.gate.roundTrip(t.h2c, req)
		}
		if t.protos&HTTP1 != 0 {
			if h1Eligible(req) {
				return t.h1.RoundTrip(req)
			}
			return t.tcp.RoundTrip(req)
		}
	default:
		if t.tcp != nil {
			return t.tcp.RoundTrip(req) // net/http reports the scheme
		}
	}
	closeBody(req)
	return nil, fmt.Errorf("%w: the session's protocols (%v) cannot send %s:// URLs", ErrInvalidURL, t.protos, req.URL.Scheme)
}

// overTLS sends an https:// request over TCP.
func (t *protoTransport) overTLS(req *http.Request) (*http.Response, error) {
	if t.protos&HTTP2 != 0 {
		return t.gate.roundTrip(t.tcp, req)
	}
	return t.tcp.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections of every protocol. The
// HTTP/3 connections and their UDP socket are closed once the requests in
// flight over them are done.
func (t *protoTransport) CloseIdleConnections() {
	if t.tcp != nil {
		t.tcp.CloseIdleConnections()
	}
	if t.h2c != nil {
		t.h2c.CloseIdleConnections()
	}
	if t.h1 != nil {
		t.h1.CloseIdleConnections()
	}
	if t.h3 != nil {
		t.h3.closeIdle()
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// closeBody closes the body of a request that will not be sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

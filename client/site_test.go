package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
)

// site is a plain and a TLS test server that a session reaches under any
// host name, so that tests can redirect between hosts, schemes and ports
// without DNS: ports 80 and 8080 lead to the plain server, 443 and 8443 to
// the TLS server. The TLS certificate is valid for example.com and
// *.example.com.
type site struct {
	plain, secure *httptest.Server
	proto         string // the protocol of the TLS server: "HTTP/1.1" or "HTTP/2"
}

// eachSite runs f against a site serving h, once with a TLS server speaking
// HTTP/1.1 and once with one speaking HTTP/2.
func eachSite(t *testing.T, h http.Handler, f func(t *testing.T, st site)) {
	t.Helper()
	for _, h2 := range []bool{false, true} {
		name := "HTTP/1.1"
		if h2 {
			name = "HTTP/2"
		}
		t.Run(name, func(t *testing.T) {
			plain := httptest.NewServer(h)
			t.Cleanup(plain.Close)
			secure := httptest.NewUnstartedServer(h)
			secure.EnableHTTP2 = h2
			secure.StartTLS()
			t.Cleanup(secure.Close)
			f(t, site{plain, secure, name})
		})
	}
}

// session returns a session whose transport dials the site's servers for
// every host name, by port.
func (st site) session(t testing.TB, opts ...client.Option) *client.Session {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(st.secure.Certificate())
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			switch port {
			case "80", "8080":
				return d.DialContext(ctx, network, st.plain.Listener.Addr().String())
			case "443", "8443":
				return d.DialContext(ctx, network, st.secure.Listener.Addr().String())
			}
			return nil, fmt.Errorf("test site: nothing listens on port %s", port)
		},
		TLSClientConfig:    &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2:  true,
		DisableCompression: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	s := client.NewSession(append([]client.Option{client.WithTransport(tr)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// seen is a request as a test server received it.
type seen struct {
	Method string
	URL    string // scheme://host/path?query as received
	Header http.Header
	Body   []byte
	// ContentLength and TransferEncoding as the server parsed them.
	ContentLength    int64
	TransferEncoding []string
}

// script is a handler driven by the query of each request, and a record of
// every request it served:
//
//	to=URL        redirect there, with status code=NNN (default 302)
//	set=COOKIE    add a Set-Cookie header with this value (repeatable)
//
// Anything else gets 200 and an empty body.
type script struct {
	mu   sync.Mutex // guards reqs
	reqs []seen
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{
		Method:           r.Method,
		URL:              scheme + "://" + r.Host + r.RequestURI,
		Header:           r.Header.Clone(),
		Body:             body,
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
	})
	s.mu.Unlock()
	q := r.URL.Query()
	for _, c := range q["set"] {
		w.Header().Add("Set-Cookie", c)
	}
	if to := q.Get("to"); to != "" {
		code := http.StatusFound
		if c := q.Get("code"); c != "" {
			code, _ = strconv.Atoi(c)
		}
		w.Header().Set("Location", to)
		w.WriteHeader(code)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// take returns the requests served since the last call.
func (s *script) take() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.reqs
	s.reqs = nil
	return reqs
}

// chain returns a URL that redirects through urls in turn with status
// code, ending at the last one. Each URL should have a path; a fragment
// stays at the end.
func chain(code int, urls ...string) string {
	u := urls[len(urls)-1]
	for i := len(urls) - 2; i >= 0; i-- {
		base, frag, hasFrag := strings.Cut(urls[i], "#")
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		u = base + sep + "code=" + strconv.Itoa(code) + "&to=" + url.QueryEscape(u)
		if hasFrag {
			u += "#" + frag
		}
	}
	return u
}

// urlsOf returns where each request went, without the query.
func urlsOf(reqs []seen) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i], _, _ = strings.Cut(r.URL, "?")
	}
	return out
}

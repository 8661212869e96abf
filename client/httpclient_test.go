package client_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

func TestHTTPClientSendsThroughSession(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		core, logs := observer.New(zapcore.DebugLevel)
		var hops, hooked atomic.Int32
		count := func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(req *http.Request) (*http.Response, error) {
				hops.Add(1)
				return next.RoundTrip(req)
			})
		}
		s := srv.session(t, client.WithHeader("X-Session", "1"), client.BasicAuth("user", "pass"),
			client.WithMiddleware(count), client.WithLogger(zap.New(core)), clienttest.CheckClosed(t),
			client.OnResponse(func(*client.Response) error { hooked.Add(1); return nil }))
		hc := s.HTTPClient()

		req, err := http.NewRequest(http.MethodPost, srv.URL+"/post?a=1", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Caller", "2")
		req.Header.Set("Content-Type", "text/plain")
		before := req.Header.Clone()
		beforeURL := req.URL.String()

		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e echo
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if e.Data != "payload" || e.Args["a"][0] != "1" {
			t.Errorf("server got body %q and args %v, want %q and a=1", e.Data, e.Args, "payload")
		}
		for k, want := range map[string]string{"X-Session": "1", "X-Caller": "2", "Authorization": basic("user", "pass"), "User-Agent": client.UserAgent} {
			if got := e.Headers[k]; len(got) != 1 || got[0] != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		if want := map[string]string{"HTTP/1.1": "HTTP/1.1", "HTTP/2": "HTTP/2.0"}[srv.proto]; resp.Proto != want {
			t.Errorf("Proto %q, want %q", resp.Proto, want)
		}
		if !reflect.DeepEqual(req.Header, before) || req.URL.String() != beforeURL {
			t.Errorf("the caller's request changed: %v %s, want %v %s", req.Header, req.URL, before, beforeURL)
		}
		if hops.Load() != 1 || hooked.Load() != 1 || logs.Len() != 1 {
			t.Errorf("middleware saw %d, hooks %d, log entries %d; want 1 each", hops.Load(), hooked.Load(), logs.Len())
		}
	})
}

func TestHTTPClientDecoding(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		hc := srv.session(t, clienttest.CheckClosed(t)).HTTPClient()

		resp, err := hc.Get(srv.URL + "/gzip")
		if err != nil {
			t.Fatal(err)
		}
		var g struct{ Gzipped bool }
		err = json.NewDecoder(resp.Body).Decode(&g)
		resp.Body.Close()
		if err != nil || !g.Gzipped {
			t.Errorf("decoded body: %v, gzipped=%v; want JSON with gzipped true", err, g.Gzipped)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" || !resp.Uncompressed || resp.ContentLength != -1 {
			t.Errorf("Content-Encoding %q, Uncompressed %v, ContentLength %d; want none, true, -1", ce, resp.Uncompressed, resp.ContentLength)
		}

		// A caller that asks for an encoding itself gets the body as sent.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/gzip", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err = hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" || resp.Uncompressed {
			t.Errorf("Content-Encoding %q, Uncompressed %v; want gzip, false", ce, resp.Uncompressed)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("raw body is not gzip: %v", err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			t.Error(err)
		}
	})
}

func TestHTTPClientCookiesInSessionJar(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		hc := s.HTTPClient()
		if hc.Jar != nil {
			t.Errorf("Jar = %v, want nil: cookies live in the session", hc.Jar)
		}
		resp, err := hc.Get(srv.URL + "/cookies/set?flavour=oat")
		if err != nil {
			t.Fatal(err)
		}
		var c struct{ Cookies map[string]string }
		json.NewDecoder(resp.Body).Decode(&c)
		resp.Body.Close()
		if c.Cookies["flavour"] != "oat" {
			t.Errorf("after the session followed the redirect, cookies %v, want flavour=oat", c.Cookies)
		}
		if resp.Request.URL.Path != "/cookies" {
			t.Errorf("Request.URL %s, want the final URL", resp.Request.URL)
		}
		u, _ := url.Parse(srv.URL)
		if got := s.Jar().Cookies(u); len(got) != 1 || got[0].Value != "oat" {
			t.Errorf("session jar has %v, want flavour=oat", got)
		}
		r2, err := s.Get(context.Background(), srv.URL+"/cookies")
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := r2.Text(); !strings.Contains(body, `"oat"`) {
			t.Errorf("Session.Get after HTTPClient: %s, want the cookie sent", body)
		}
	})
}

func TestHTTPClientRedirects(t *testing.T) {
	for _, p := range []struct {
		name  string
		start func(clienttest.Script) *clienttest.Server
	}{{"HTTP/1.1", clienttest.NewServer}, {"HTTP/2", clienttest.NewTLSServer}} {
		t.Run(p.name, func(t *testing.T) {
			other := p.start(clienttest.Script{"/landing": {{Body: "landed"}}})
			t.Cleanup(other.Close)
			srv := p.start(clienttest.Script{
				"/away": {{Status: 302, Header: http.Header{"Location": {other.URL + "/landing"}}}},
				"/307":  {{Status: 307, Header: http.Header{"Location": {"/echo"}}}},
				"/echo": {{Body: "echo"}},
			})
			t.Cleanup(srv.Close)
			opts := []client.Option{client.BearerAuth("session-token"), clienttest.CheckClosed(t)}
			if srv.Certificate() != nil {
				pool := x509.NewCertPool()
				pool.AddCert(srv.Certificate())
				pool.AddCert(other.Certificate())
				opts = append(opts, client.WithTLSConfig(&tls.Config{RootCAs: pool}))
			}
			s := client.NewSession(opts...)
			t.Cleanup(s.Close)
			hc := s.HTTPClient()

			// Credentials never follow a redirect to another origin.
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/away", nil)
			req.Header.Set("Cookie", "sid=caller")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "landed" {
				t.Fatalf("body %q, want the redirect followed", body)
			}
			first, landed := srv.Requests()[0], other.Requests()
			if first.Header.Get("Authorization") != "Bearer session-token" || first.Header.Get("Cookie") != "sid=caller" {
				t.Errorf("origin got %v, want the credentials", first.Header)
			}
			if len(landed) != 1 || landed[0].Header.Get("Authorization") != "" || landed[0].Header.Get("Cookie") != "" {
				t.Errorf("other origin got %v, want no Authorization and no Cookie", landed)
			}

			// A 307 sends the caller's body again, rewound with GetBody.
			resp, err = hc.Post(srv.URL+"/307", "text/plain", bytes.NewReader([]byte("again")))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			reqs := srv.Requests()
			if n := len(reqs); n != 3 || string(reqs[1].Body) != "again" || string(reqs[2].Body) != "again" || reqs[2].Method != "POST" {
				t.Errorf("307: server got %d requests %v, want the POST body sent twice", n, reqs)
			}

			// With redirects off, the 3xx comes back as it is: net/http does
			// not follow it either.
			noFollow := client.NewSession(append(opts, client.WithMaxRedirects(0))...)
			t.Cleanup(noFollow.Close)
			resp, err = noFollow.HTTPClient().Get(srv.URL + "/away")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 302 || len(other.Requests()) != 1 {
				t.Errorf("got %d with %d requests at the target, want 302 and none more", resp.StatusCode, len(other.Requests())-1)
			}
		})
	}
}

// TestHTTPClientStreams shows that neither body is held in memory: the
// server answers the first half of the request body before the client sends
// the second, and the client reads the first half of the response before
// the server sends the second.
func TestHTTPClientStreams(t *testing.T) {
	const wait = 5 * time.Second // only reached if a body is buffered
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex() // HTTP/1.1 reads on after writing
		buf := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return
		}
		w.Write(append([]byte("got "), buf...))
		http.NewResponseController(w).Flush()
		rest, _ := io.ReadAll(r.Body)
		w.Write(append([]byte(", then "), rest...))
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		hc := srv.session(t, clienttest.CheckClosed(t)).HTTPClient()
		pr, pw := io.Pipe()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
		var wg sync.WaitGroup
		defer wg.Wait()
		sent := make(chan struct{})
		wg.Go(func() {
			pw.Write([]byte("first"))
			select {
			case <-sent:
			case <-time.After(wait):
				t.Errorf("no answer to the first half of the body after %v: a body was buffered", wait)
			}
			pw.Write([]byte("second"))
			pw.Close()
		})
		resp, err := hc.Do(req)
		if err != nil {
			close(sent)
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, len("got first"))
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "got first" {
			t.Errorf("first half %q, %v; want %q before the rest is sent", buf, err, "got first")
		}
		close(sent)
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(rest) != ", then second" {
			t.Errorf("second half %q, %v; want %q", rest, err, ", then second")
		}
	})
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

func TestHTTPClientErrors(t *testing.T) {
	script := clienttest.Script{"/slow": {{Delay: time.Hour}}, "/loop": {{Status: 302, Header: http.Header{"Location": {"/loop"}}}}}
	eachScript(t, script, func(t *testing.T, srv *clienttest.Server) {
		refuse := errors.New("no")
		tests := []struct {
			name string
			s    *client.Session
			url  string
			is   []error
		}{
			{"refused", srv.Session(), "http://" + closedAddr(t) + "/", []error{client.ErrConnect}},
			{"timeout", srv.Session(client.WithTimeout(short)), srv.URL + "/slow", []error{client.ErrTimeout, context.DeadlineExceeded}},
			{"redirects", srv.Session(client.WithMaxRedirects(2)), srv.URL + "/loop", []error{client.ErrTooManyRedirects}},
			{"hook", srv.Session(client.OnRequest(func(*http.Request) error { return refuse })), srv.URL + "/slow", []error{refuse}},
		}
		for _, tt := range tests {
			body := &closeRecorder{Reader: strings.NewReader("body")}
			req, _ := http.NewRequest(http.MethodPut, tt.url, body)
			_, err := tt.s.HTTPClient().Do(req)
			for _, want := range tt.is {
				if !errors.Is(err, want) {
					t.Errorf("%s: errors.Is(%v, %v) = false, want true", tt.name, err, want)
				}
			}
			var re *client.RequestError
			var ue *url.Error
			if !errors.As(err, &re) || !errors.As(err, &ue) {
				t.Errorf("%s: got %T, want a *url.Error around a *client.RequestError", tt.name, err)
			}
			if !body.closed.Load() {
				t.Errorf("%s: the request body was not closed", tt.name)
			}
		}
	})
}

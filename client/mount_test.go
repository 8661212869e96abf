package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// named answers every request itself, saying who it is in X-Via.
func named(name string) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"X-Via": {name}}, Body: io.NopCloser(strings.NewReader(name)),
			ContentLength: int64(len(name)), Request: req,
		}, nil
	})
}

func TestMountPrefixMatching(t *testing.T) {
	s := client.NewSession(
		client.WithTransport(named("base")),
		client.Mount("https://example.com", named("root")),
		client.Mount("https://example.com/api", named("api")),
		client.Mount("HTTPS://Other.Example.COM/v1/", named("other")),
		client.Mount("https://example.com:8443", named("8443")),
		client.Mount("https://port.test:443/", named("port")),
		client.Mount("mock://", named("mock")),
		client.Mount("https://dup.test", named("first")),
		client.Mount("https://dup.test", named("second")),
	)
	tests := []struct {
		url  string
		want string
	}{
		{"https://example.com", "root"},
		{"https://example.com/", "root"},
		{"https://example.com/x", "root"},
		{"https://EXAMPLE.com/x", "root"},
		{"HTTPS://example.com/x", "root"},
		{"https://example.com:443/x", "root"},
		{"https://example.com.evil.net/", "base"},
		{"https://evil.net/https://example.com", "base"},
		{"http://example.com/", "base"},
		{"https://example.com:8443/x", "8443"},
		{"https://example.com:8444/x", "base"},
		{"https://example.com/api", "api"},
		{"https://example.com/api/v1?x=1", "api"},
		{"https://example.com/apiary", "root"},
		{"https://example.com/API", "root"},
		{"https://other.example.com/v1/x", "other"},
		{"https://other.example.com/v1/", "other"},
		{"https://other.example.com/v1", "base"},
		{"https://other.example.com/v2", "base"},
		{"https://port.test/x", "port"},
		{"https://port.test:443", "port"},
		{"mock://anything/x", "mock"},
		{"MOCK://other/y", "mock"},
		{"https://dup.test/", "second"},
	}
	for _, tt := range tests {
		resp, err := s.Get(context.Background(), tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if got := resp.Header.Get("X-Via"); got != tt.want {
			t.Errorf("%s: sent through %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestMountSchemes(t *testing.T) {
	ctx := context.Background()
	s := client.NewSession(client.Mount("mock://", named("mock")))
	if _, err := s.Get(ctx, "mock://host/path", client.Params{"a": "1"}); err != nil {
		t.Errorf("mounted scheme: got %v, want it accepted", err)
	}
	if _, err := s.Get(ctx, "file:///etc/hosts"); !errors.Is(err, client.ErrInvalidURL) {
		t.Errorf("scheme without a mount: got %v, want ErrInvalidURL", err)
	}
}

func TestMountInvalidPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		rt     http.RoundTripper
	}{
		{"example.com/api", named("x")},
		{"https://user:s3cret@example.com", named("x")},
		{"https://example.com/?q=1", named("x")},
		{"https://example.com/#f", named("x")},
		{"https://example.com", nil},
		{"https://[::1", named("x")},
	}
	for _, tt := range tests {
		s := client.NewSession(client.WithTransport(named("base")), client.Mount(tt.prefix, tt.rt))
		_, err := s.Get(context.Background(), "https://elsewhere.test/")
		if !errors.Is(err, client.ErrInvalidURL) {
			t.Errorf("Mount(%q): got %v, want ErrInvalidURL", tt.prefix, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Mount(%q): error %q shows the password", tt.prefix, err)
		}
	}
}

// TestMountRealTransport mounts a path of a real server on a transport of
// its own; the rest of the server goes through the session's transport.
func TestMountRealTransport(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		var mu sync.Mutex
		var mounted []string
		rt := srv.Client().Transport
		spy := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			mu.Lock()
			mounted = append(mounted, req.URL.Path)
			mu.Unlock()
			return rt.RoundTrip(req)
		})
		s := srv.session(t, client.Mount(srv.URL+"/anything", spy))
		for _, p := range []string{"/anything/x", "/get", "/anything"} {
			resp, err := s.Get(context.Background(), srv.URL+p)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v", p, err)
			}
		}
		if want := []string{"/anything/x", "/anything"}; !reflect.DeepEqual(mounted, want) {
			t.Errorf("mounted transport got %q, want %q", mounted, want)
		}
	})
}

func TestMiddlewareOrderAndHops(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		var got []string
		mw := func(name string) func(http.RoundTripper) http.RoundTripper {
			return func(next http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(req *http.Request) (*http.Response, error) {
					got = append(got, name+">"+req.URL.Path)
					resp, err := next.RoundTrip(req)
					got = append(got, "<"+name)
					return resp, err
				})
			}
		}
		s := srv.Session(client.WithMiddleware(mw("a"), mw("b")), client.WithMiddleware(mw("c")))
		if _, err := s.Get(context.Background(), srv.URL+"/start"); err != nil {
			t.Fatal(err)
		}
		want := []string{"a>/start", "b>/start", "c>/start", "<c", "<b", "<a", "a>/end", "b>/end", "c>/end", "<c", "<b", "<a"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("middleware ran %q, want %q", got, want)
		}
	})
}

func TestMiddlewareAnswersOrFails(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		ctx := context.Background()
		answer := func(http.RoundTripper) http.RoundTripper { return named("cache") }
		resp, err := srv.Session(client.WithMiddleware(answer)).Get(ctx, srv.URL+"/end")
		if err != nil || resp.Header.Get("X-Via") != "cache" {
			t.Errorf("answering middleware: got %v, %v; want its response", resp, err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server got %d requests, want 0", n)
		}

		refuse := errors.New("refused by policy")
		fail := func(http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, refuse })
		}
		_, err = srv.Session(client.WithMiddleware(fail)).Get(ctx, srv.URL+"/end")
		var re *client.RequestError
		if !errors.Is(err, refuse) || !errors.As(err, &re) {
			t.Errorf("failing middleware: got %v, want its error in a *client.RequestError", err)
		}
		if errors.Is(err, client.ErrConnect) || errors.Is(err, client.ErrTimeout) {
			t.Errorf("failing middleware: got %v, want neither ErrConnect nor ErrTimeout", err)
		}
	})
}

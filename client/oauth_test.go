package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/requests3/requests/client"
)

// countingSource issues token-1, token-2, … each valid for ttl, and keeps
// the last one so that a test can expire it.
type countingSource struct {
	ttl time.Duration
	err error // returned instead of a token, if set

	mu   sync.Mutex
	n    int
	last *oauth2.Token
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.n++
	s.last = &oauth2.Token{AccessToken: fmt.Sprintf("token-%d", s.n), Expiry: time.Now().Add(s.ttl)}
	return s.last, nil
}

func (s *countingSource) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestTokenSourceAuth: a reused token is sent until it expires, then the
// refreshed one.
func TestTokenSourceAuth(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		src := &countingSource{ttl: time.Hour}
		s := srv.session(t, client.TokenSourceAuth(oauth2.ReuseTokenSource(nil, src)))
		token := func() string {
			t.Helper()
			resp, err := s.Get(context.Background(), srv.URL+"/bearer")
			if err != nil {
				t.Fatal(err)
			}
			r, _ := client.DecodeJSON[authResult](resp)
			return r.Token
		}
		for i, want := range []string{"token-1", "token-1"} {
			if got := token(); got != want {
				t.Errorf("request %d: got %q, want %q", i, got, want)
			}
		}
		// The token expires (its Expiry is what ReuseTokenSource checks).
		src.mu.Lock()
		src.last.Expiry = time.Now().Add(-time.Minute)
		src.mu.Unlock()
		for i, want := range []string{"token-2", "token-2"} {
			if got := token(); got != want {
				t.Errorf("after expiry, request %d: got %q, want %q", i, got, want)
			}
		}
		if got := src.calls(); got != 2 {
			t.Errorf("token source called %d times, want 2", got)
		}
	})
}

// handlerTransport serves requests with a handler in memory, so that a
// test can run inside a synctest bubble, where real network I/O cannot.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// TestTokenSourceAuthExpiry runs the clock: a token with a one-hour life
// is reused for an hour (less oauth2's ten-second margin), then refreshed.
func TestTokenSourceAuthExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &countingSource{ttl: time.Hour}
		s := client.NewSession(
			client.WithTransport(handlerTransport{httpbinHandler}),
			client.TokenSourceAuth(oauth2.ReuseTokenSource(nil, src)))
		token := func() string {
			t.Helper()
			resp, err := s.Get(context.Background(), "http://api.test/bearer")
			if err != nil {
				t.Fatal(err)
			}
			r, _ := client.DecodeJSON[authResult](resp)
			return r.Token
		}
		steps := []struct {
			wait time.Duration
			want string
		}{
			{0, "token-1"},
			{59 * time.Minute, "token-1"},
			{45 * time.Second, "token-1"},
			{10 * time.Second, "token-2"}, // within ten seconds of expiry
			{30 * time.Minute, "token-2"},
		}
		for i, st := range steps {
			time.Sleep(st.wait)
			if got := token(); got != st.want {
				t.Errorf("step %d: got %q, want %q", i, got, st.want)
			}
		}
	})
}

// TestTokenSourceAuthErrors: a failing token source fails the request
// before anything is sent, with an error that wraps the cause and never
// shows a token.
func TestTokenSourceAuthErrors(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	t.Cleanup(srv.Close)
	cause := &oauth2.RetrieveError{ErrorCode: "invalid_grant", ErrorDescription: "refresh token revoked"}
	src := &countingSource{ttl: time.Hour}
	reuse := oauth2.ReuseTokenSource(nil, src)
	s := server{srv, "HTTP/1.1"}.session(t, client.TokenSourceAuth(reuse))
	if _, err := s.Get(context.Background(), srv.URL); err != nil { // token-1, then it expires
		t.Fatal(err)
	}
	src.mu.Lock()
	src.last.Expiry = time.Now().Add(-time.Minute)
	src.err = cause
	src.mu.Unlock()

	tests := []struct {
		name string
		s    *client.Session
		want error
	}{
		{"refresh fails", s, cause},
		{"nil token", server{srv, "HTTP/1.1"}.session(t, client.TokenSourceAuth(oauth2.StaticTokenSource(nil))), nil},
		{"empty token", server{srv, "HTTP/1.1"}.session(t, client.TokenSourceAuth(oauth2.StaticTokenSource(&oauth2.Token{}))), nil},
	}
	for _, tt := range tests {
		hits = 0
		_, err := tt.s.Get(context.Background(), srv.URL)
		if !errors.Is(err, client.ErrAuth) {
			t.Errorf("%s: got %v, want ErrAuth", tt.name, err)
		}
		var re *client.RequestError
		if !errors.As(err, &re) {
			t.Errorf("%s: got %T, want *client.RequestError", tt.name, err)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want it to wrap %v", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "token-") {
			t.Errorf("%s: error %q shows a token", tt.name, err)
		}
		if hits != 0 {
			t.Errorf("%s: server saw %d requests, want 0", tt.name, hits)
		}
	}
}

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/requests3/requests/client"
)

// TestFasthttpTransport checks that the reference driver's adapter hands
// the session what net/http would: status, every header value, the body,
// and the request's headers and deadline on the way out.
func TestFasthttpTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" || r.Header.Get("User-Agent") != client.UserAgent {
			http.Error(w, "missing headers", http.StatusBadRequest)
			return
		}
		w.Header().Add("X-Many", "a")
		w.Header().Add("X-Many", "b")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	}))
	defer srv.Close()
	fc := &fasthttp.Client{StreamResponseBody: true, MaxIdleConnDuration: time.Millisecond}
	s := client.NewSession(client.WithTransport(fasthttpTransport{fc}))
	defer fc.CloseIdleConnections()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/pot", client.Header{"X-Test": "yes"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTeapot || body != "short and stout" {
		t.Errorf("got %d %q, want 418 %q", resp.StatusCode, body, "short and stout")
	}
	if got := resp.Header.Values("X-Many"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("X-Many: got %q, want [a b]", got)
	}
}

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

type echo struct {
	Args    map[string][]string `json:"args"`
	Headers map[string][]string `json:"headers"`
	Form    map[string][]string `json:"form"`
	JSON    any                 `json:"json"`
	Data    string              `json:"data"`
	URL     string              `json:"url"`
	Method  string              `json:"method"`
}

func TestGetWithParams(t *testing.T) {
	eachProto3(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/get?a=1", client.Params{"b": "2"}, client.Param("a", "3"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !resp.OK() {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got, want := resp.URL.RawQuery, "a=1&b=2&a=3"; got != want {
			t.Errorf("query %q, want %q", got, want)
		}
		if resp.Proto != srv.wantProto() {
			t.Errorf("proto %q under %s", resp.Proto, srv.proto)
		}
		e, err := client.DecodeJSON[echo](resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Args["a"]; len(got) != 2 || got[0] != "1" || got[1] != "3" {
			t.Errorf("args a = %v, want [1 3]", got)
		}
		if got := e.Headers["User-Agent"]; len(got) != 1 || got[0] != client.UserAgent {
			t.Errorf("User-Agent %v, want %q", got, client.UserAgent)
		}
	})
}

func TestPostBodies(t *testing.T) {
	eachProto3(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()

		resp, err := s.Post(ctx, srv.URL+"/post", client.Form{"life": "42"})
		if err != nil {
			t.Fatal(err)
		}
		e, _ := client.DecodeJSON[echo](resp)
		if got := e.Form["life"]; len(got) != 1 || got[0] != "42" {
			t.Errorf("form life = %v, want [42]", got)
		}

		resp, err = s.Post(ctx, srv.URL+"/post", client.JSON(map[string]int{"life": 42}))
		if err != nil {
			t.Fatal(err)
		}
		e, _ = client.DecodeJSON[echo](resp)
		if got := e.Headers["Content-Type"]; len(got) != 1 || got[0] != "application/json" {
			t.Errorf("Content-Type %v, want application/json", got)
		}
		if got, _ := json.Marshal(e.JSON); string(got) != `{"life":42}` {
			t.Errorf("json %s", got)
		}

		resp, err = s.Put(ctx, srv.URL+"/put", client.Body(strings.NewReader("raw bytes")), client.Header{"Content-Type": "text/plain"})
		if err != nil {
			t.Fatal(err)
		}
		e, _ = client.DecodeJSON[echo](resp)
		if e.Data != "raw bytes" {
			t.Errorf("data %q, want %q", e.Data, "raw bytes")
		}
	})
}

func TestInvalidInputFailsBeforeIO(t *testing.T) {
	hits := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ })
	eachProto3(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		tests := []struct {
			name string
			url  string
			opts []client.RequestOption
			want error
		}{
			{"no scheme", "example.com/x", nil, client.ErrInvalidURL},
			{"bad scheme", "localhost:3128", nil, client.ErrInvalidURL},
			{"ftp", "ftp://example.com/", nil, client.ErrInvalidURL},
			{"no host", "http://", nil, client.ErrInvalidURL},
			{"star host", "http://*.google.com", nil, client.ErrInvalidURL},
			{"CRLF in URL", srv.URL + "/a\r\nX-Evil: 1", nil, client.ErrInvalidURL},
			{"CRLF in header value", srv.URL, []client.RequestOption{client.Header{"X-A": "a\r\nX-Evil: 1"}}, client.ErrInvalidHeader},
			{"LF in header name", srv.URL, []client.RequestOption{client.Header{"X-A\nB": "a"}}, client.ErrInvalidHeader},
			{"leading space", srv.URL, []client.RequestOption{client.Header{"X-A": " a"}}, client.ErrInvalidHeader},
			{"NaN JSON", srv.URL, []client.RequestOption{client.JSON(map[string]any{"x": nan()})}, client.ErrInvalidRequest},
		}
		for _, tt := range tests {
			_, err := s.Post(ctx, tt.url, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			}
			var re *client.RequestError
			if !errors.As(err, &re) {
				t.Errorf("%s: got %T, want *client.RequestError", tt.name, err)
			}
		}
		if hits != 0 {
			t.Errorf("server saw %d requests, want 0", hits)
		}
	})
}

package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
)

// TestCheckStatus covers test_request_ok_set, test_status_raising and
// test_http_error: OK is false from 400 on; CheckStatus returns a
// *StatusError for 4xx and 5xx only, with the method and a redacted URL.
func TestCheckStatus(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithMaxRedirects(0))
		for _, code := range []int{200, 201, 204, 302, 304, 399, 400, 401, 404, 418, 425, 499, 500, 503, 599} {
			u := strings.Replace(srv.URL, "://", "://user:hunter2@", 1) + "/status/" + strconv.Itoa(code) + "?token=abc&page=1"
			resp, err := s.Request(context.Background(), "PATCH", u)
			if err != nil {
				t.Fatalf("%d: %v", code, err)
			}
			if resp.StatusCode != code {
				t.Fatalf("status %d, want %d", resp.StatusCode, code)
			}
			if got, want := resp.OK(), code < 400; got != want {
				t.Errorf("%d: OK() = %v, want %v", code, got, want)
			}
			err = resp.CheckStatus()
			if code < 400 {
				if err != nil {
					t.Errorf("%d: CheckStatus() = %v, want nil", code, err)
				}
				continue
			}
			var se *client.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("%d: CheckStatus() = %v, want a *StatusError", code, err)
			}
			if se.StatusCode != code || se.Method != "PATCH" || se.Response != resp || se.Status != resp.Status {
				t.Errorf("%d: StatusError %+v", code, se)
			}
			if msg := err.Error(); strings.Contains(msg, "abc") || strings.Contains(msg, "hunter2") || !strings.Contains(msg, "page=1") {
				t.Errorf("%d: error %q is not redacted as it should be", code, msg)
			}
		}
	})
}

// rawServer serves one canned HTTP/1.1 response to every connection, for
// what net/http's server cannot send (a Latin-1 reason phrase).
func rawServer(t *testing.T, response string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				io.WriteString(c, response)
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "http://" + ln.Addr().String()
}

// TestReasonPhrase covers test_response_reason_unicode and
// test_response_reason_unicode_fallback. HTTP/2 has no reason phrase, so
// this is HTTP/1.1 only.
func TestReasonPhrase(t *testing.T) {
	tests := []struct {
		reason string // as sent
		want   string
	}{
		{"Komponenttia ei l\xf6ydy", "Komponenttia ei löydy"}, // Latin-1
		{"Komponenttia ei löydy", "Komponenttia ei löydy"},    // UTF-8
		{"Not Found", "Not Found"},
	}
	s := client.NewSession()
	t.Cleanup(s.Close)
	for _, tt := range tests {
		u := rawServer(t, "HTTP/1.1 404 "+tt.reason+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		resp, err := s.Get(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if want := "404 " + tt.want; resp.Status != want {
			t.Errorf("Status %q, want %q", resp.Status, want)
		}
		if err := resp.CheckStatus(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckStatus() = %v, want it to hold %q", err, tt.want)
		}
	}
}

// TestResponseCookies checks Cookies (the final response's Set-Cookie) and
// that the jar keeps them.
func TestResponseCookies(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Get(context.Background(), srv.URL+"/response-headers",
			client.Param("Set-Cookie", "a=1; Path=/", "b=two; HttpOnly"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range resp.Cookies() {
			got[c.Name] = c.Value
		}
		if len(got) != 2 || got["a"] != "1" || got["b"] != "two" {
			t.Errorf("Cookies() = %v, want a=1 and b=two", got)
		}
		if n := len(s.Jar().Cookies(resp.URL)); n != 2 {
			t.Errorf("jar holds %d cookies, want 2", n)
		}
	})
}

// TestNoBodyResponses checks HEAD, 204 and 304 responses: no body, even
// when the headers announce one.
func TestNoBodyResponses(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", "1000")
		}
		w.WriteHeader(code)
		w.Write([]byte("{}"))
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		for _, tt := range []struct {
			method string
			code   int
		}{{"HEAD", 200}, {"GET", 204}, {"GET", 304}, {"POST", 204}} {
			for _, stream := range []bool{false, true} {
				resp, err := s.Request(context.Background(), tt.method, srv.URL+"?code="+strconv.Itoa(tt.code), client.Stream(stream))
				if err != nil {
					t.Fatal(err)
				}
				if b, err := resp.Bytes(); len(b) != 0 || err != nil {
					t.Errorf("%s %d (stream %v): body %q, %v; want none", tt.method, tt.code, stream, b, err)
				}
				if err := resp.JSON(new(any)); err == nil {
					t.Errorf("%s %d: JSON of no body succeeded", tt.method, tt.code)
				}
				resp.Close()
			}
		}
	})
}

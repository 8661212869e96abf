package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// wireRequest is what a server saw of a request.
type wireRequest struct {
	method           string
	header           http.Header
	contentLength    int64
	transferEncoding []string
	body             string
}

// recorder is a handler that sends what it saw of each request on a
// channel.
func recorder() (http.Handler, <-chan wireRequest) {
	ch := make(chan wireRequest, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- wireRequest{r.Method, r.Header.Clone(), r.ContentLength, r.TransferEncoding, string(body)}
	}), ch
}

func TestDefaultHeaders(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		if _, err := srv.session(t).Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		r := <-got
		want := map[string]string{"User-Agent": client.UserAgent, "Accept": "*/*", "Accept-Encoding": "gzip, deflate, br, zstd"}
		for k, v := range want {
			if got := r.header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s: got %q, want %q", k, got, v)
			}
		}
	})
}

// TestInvalidHeaders covers test_header_no_return_chars,
// test_header_no_leading_space and test_header_value_not_str: names and
// values that cannot be sent fail with ErrInvalidHeader before any I/O, and
// the error names the header but never holds its value.
func TestInvalidHeaders(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		const secret = "s3cr3t"
		tests := []struct {
			name string
			key  string
			opt  client.RequestOption
		}{
			{"CR LF in value", "X-Token", client.Header{"X-Token": secret + "\r\nX-Evil: 1"}},
			{"LF in value", "X-Token", client.Header{"X-Token": secret + "\nfoo"}},
			{"CR in value", "X-Token", client.Header{"X-Token": secret + "\rfoo"}},
			{"NUL in value", "X-Token", client.AddHeader("X-Token", secret+"\x00")},
			{"leading space", "X-Token", client.Header{"X-Token": " " + secret}},
			{"leading tab", "X-Token", client.Header{"X-Token": "\t" + secret}},
			{"CR LF in name", "X-Token\r\nX-Evil", client.Header{"X-Token\r\nX-Evil": secret}},
			{"space in name", "X Token", client.Header{"X Token": secret}},
			{"colon in name", "X-Token:", client.Header{"X-Token:": secret}},
			{"empty name", "", client.Header{"": secret}},
			{"non-ASCII name", "X-Tökén", client.Header{"X-Tökén": secret}},
		}
		for _, tt := range tests {
			_, err := s.Get(context.Background(), srv.URL, tt.opt)
			if !errors.Is(err, client.ErrInvalidHeader) {
				t.Errorf("%s: got %v, want ErrInvalidHeader", tt.name, err)
				continue
			}
			if msg := err.Error(); strings.Contains(msg, secret) {
				t.Errorf("%s: error %q holds the value", tt.name, msg)
			}
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(tt.key)) {
				t.Errorf("%s: error %q does not name %q", tt.name, msg, tt.key)
			}
		}
		// A session header is checked the same way, for every request.
		bad := srv.session(t, client.WithHeader("X-Token", secret+"\r\n"))
		if _, err := bad.Get(context.Background(), srv.URL); !errors.Is(err, client.ErrInvalidHeader) {
			t.Errorf("session header: got %v, want ErrInvalidHeader", err)
		}
		select {
		case r := <-got:
			t.Errorf("server saw a %s request", r.method)
		default:
		}
	})
}

// TestHeaderMerging covers test_header_remove_is_case_insensitive,
// test_fixes_1329 and test_headers_on_session_with_None_are_not_sent:
// request headers replace session headers name by name, case-insensitively,
// and RemoveHeader drops any header, the session's defaults included.
func TestHeaderMerging(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithHeader("X-Session", "s"), client.WithHeader("accept", "application/json"))
		tests := []struct {
			name   string
			opts   []client.RequestOption
			want   map[string][]string // nil value: must be absent
			absent []string
		}{
			{"session headers sent", nil,
				map[string][]string{"X-Session": {"s"}, "Accept": {"application/json"}}, nil},
			{"request overrides session, any case", []client.RequestOption{client.Header{"x-session": "r", "ACCEPT": "text/html"}},
				map[string][]string{"X-Session": {"r"}, "Accept": {"text/html"}}, nil},
			{"remove session header, any case", []client.RequestOption{client.RemoveHeader("x-SESSION")},
				map[string][]string{"Accept": {"application/json"}}, []string{"X-Session"}},
			{"remove User-Agent", []client.RequestOption{client.RemoveHeader("user-agent")},
				nil, []string{"User-Agent"}},
			{"remove Accept-Encoding", []client.RequestOption{client.RemoveHeader("Accept-Encoding")},
				nil, []string{"Accept-Encoding"}},
			{"remove several", []client.RequestOption{client.RemoveHeader("Accept", "X-Session")},
				nil, []string{"Accept", "X-Session"}},
			{"custom User-Agent", []client.RequestOption{client.Header{"User-Agent": "mine/1"}},
				map[string][]string{"User-Agent": {"mine/1"}}, nil},
			{"AddHeader keeps every value", []client.RequestOption{client.AddHeader("X-Multi", "a", "b"), client.AddHeader("x-multi", "c")},
				map[string][]string{"X-Multi": {"a", "b", "c"}}, nil},
			{"AddHeader adds to Header", []client.RequestOption{client.Header{"X-Multi": "a"}, client.AddHeader("X-Multi", "b")},
				map[string][]string{"X-Multi": {"a", "b"}}, nil},
			{"Header replaces AddHeader", []client.RequestOption{client.AddHeader("X-Multi", "a", "b"), client.Header{"X-Multi": "c"}},
				map[string][]string{"X-Multi": {"c"}}, nil},
			{"AddHeader replaces the session's values", []client.RequestOption{client.AddHeader("X-Session", "r1", "r2")},
				map[string][]string{"X-Session": {"r1", "r2"}}, nil},
			{"set after remove wins", []client.RequestOption{client.RemoveHeader("X-Session"), client.Header{"X-Session": "back"}},
				map[string][]string{"X-Session": {"back"}}, nil},
			{"remove after set wins", []client.RequestOption{client.Header{"X-New": "v"}, client.RemoveHeader("x-new")},
				nil, []string{"X-New"}},
			{"empty value is sent", []client.RequestOption{client.Header{"X-Empty": ""}},
				map[string][]string{"X-Empty": {""}}, nil},
		}
		for _, tt := range tests {
			if _, err := s.Get(context.Background(), srv.URL, tt.opts...); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			r := <-got
			for k, want := range tt.want {
				if got := r.header.Values(k); !slices.Equal(got, want) {
					t.Errorf("%s: %s = %q, want %q", tt.name, k, got, want)
				}
			}
			for _, k := range tt.absent {
				if got, ok := r.header[k]; ok {
					t.Errorf("%s: %s = %q, want it absent", tt.name, k, got)
				}
			}
		}
	})
}

// TestRequestNotModified checks that sending a request leaves it as it
// was, so it can be sent again with the same headers.
func TestRequestNotModified(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t, client.WithHeader("X-Session", "s"))
		req := client.NewRequest("POST", srv.URL, client.Header{"X-A": "1"}, client.RemoveHeader("User-Agent"), client.Form{"a": "b"})
		for i := range 2 {
			if _, err := s.Do(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.header.Get("X-A") != "1" || r.header.Get("X-Session") != "s" || r.header.Get("User-Agent") != "" || r.body != "a=b" {
				t.Errorf("send %d: server saw %v with body %q", i, r.header, r.body)
			}
		}
	})
}

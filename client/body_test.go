package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// oneShot hides every method of a reader but Read, so the session cannot
// learn its length or rewind it.
type oneShot struct{ r io.Reader }

func (o oneShot) Read(p []byte) (int, error) { return o.r.Read(p) }

// framing is how a request body was framed on the wire.
func framing(r wireRequest) (cl []string, chunked bool) {
	return r.header.Values("Content-Length"), slices.Contains(r.transferEncoding, "chunked")
}

// TestContentLengthByMethod covers test_no_content_length,
// test_no_body_content_length and test_empty_content_length: a request
// without a body sends Content-Length: 0 only for POST, PUT and PATCH, whose
// semantics expect a body. OPTIONS (and DELETE) send none, as net/http and
// curl do; Requests sends "0" for OPTIONS too.
func TestContentLengthByMethod(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			method string
			opts   []client.RequestOption
			want   []string
		}{
			{"GET", nil, nil},
			{"HEAD", nil, nil},
			{"DELETE", nil, nil},
			{"OPTIONS", nil, nil},
			{"POST", nil, []string{"0"}},
			{"PUT", nil, []string{"0"}},
			{"PATCH", nil, []string{"0"}},
			{"POST", []client.RequestOption{client.Body(strings.NewReader(""))}, []string{"0"}},
			{"POST", []client.RequestOption{client.Form{}}, []string{"0"}},
			{"GET", []client.RequestOption{client.Body(strings.NewReader("x"))}, []string{"1"}},
			{"OPTIONS", []client.RequestOption{client.Body(strings.NewReader("xy"))}, []string{"2"}},
		}
		for _, tt := range tests {
			if _, err := s.Request(context.Background(), tt.method, srv.URL, tt.opts...); err != nil {
				t.Fatalf("%s: %v", tt.method, err)
			}
			r := <-got
			cl, chunked := framing(r)
			if !slices.Equal(cl, tt.want) || chunked {
				t.Errorf("%s with %d options: Content-Length %q, chunked %v; want %q, not chunked", tt.method, len(tt.opts), cl, chunked, tt.want)
			}
		}
	})
}

// TestContentLengthCountsBytes covers test_content_length_for_bytes_data
// and test_content_length_for_string_data_counts_bytes.
func TestContentLengthCountsBytes(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		tests := []struct {
			name string
			opt  client.RequestOption
			body string
		}{
			{"string", client.Body(strings.NewReader("ñ日本")), "ñ日本"},
			{"bytes", client.Body(bytes.NewReader([]byte("\xf0\x9f\x98\x80"))), "\xf0\x9f\x98\x80"},
			{"buffer", client.Body(bytes.NewBufferString("ü")), "ü"},
			{"form", client.Form{"k": "ü"}, "k=%C3%BC"},
			{"json", client.JSON("ü"), `"ü"`},
		}
		for _, tt := range tests {
			if _, err := s.Post(context.Background(), srv.URL, tt.opt); err != nil {
				t.Fatal(err)
			}
			r := <-got
			want := []string{strconv.Itoa(len(tt.body))}
			if cl, _ := framing(r); !slices.Equal(cl, want) || r.body != tt.body {
				t.Errorf("%s: Content-Length %q, body %q; want %q, %q", tt.name, cl, r.body, want, tt.body)
			}
		}
	})
}

// TestStreamedUploadFraming covers test_chunked_upload,
// test_chunked_upload_does_not_set_content_length_header and
// test_empty_stream_with_auth_does_not_set_content_length_header: a reader
// of unknown length is sent chunked (HTTP/1.1) or as a stream of DATA
// frames (HTTP/2), never with both framings, unless the caller gives its
// length.
func TestStreamedUploadFraming(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()

		if _, err := s.Post(ctx, srv.URL, client.Body(oneShot{strings.NewReader("hello, world")})); err != nil {
			t.Fatal(err)
		}
		r := <-got
		cl, chunked := framing(r)
		if len(cl) != 0 || r.contentLength != -1 || r.body != "hello, world" {
			t.Errorf("one-shot reader: Content-Length %q (%d), body %q; want none (-1), %q", cl, r.contentLength, r.body, "hello, world")
		}
		if srv.proto == "HTTP/1.1" && !chunked {
			t.Errorf("one-shot reader over HTTP/1.1: Transfer-Encoding %q, want chunked", r.transferEncoding)
		}

		// An empty stream, with auth: one framing at most.
		if _, err := s.Post(ctx, srv.URL, client.Body(oneShot{strings.NewReader("")}), client.BasicAuth("u", "p")); err != nil {
			t.Fatal(err)
		}
		r = <-got
		if cl, chunked := framing(r); len(cl) > 0 && chunked || r.body != "" {
			t.Errorf("empty stream: Content-Length %q and chunked %v, body %q", cl, chunked, r.body)
		}

		// A Content-Length given by hand frames a stream of unknown length.
		if _, err := s.Put(ctx, srv.URL, client.Body(oneShot{strings.NewReader("12345")}), client.Header{"Content-Length": "5"}); err != nil {
			t.Fatal(err)
		}
		r = <-got
		if cl, chunked := framing(r); !slices.Equal(cl, []string{"5"}) || chunked || r.body != "12345" {
			t.Errorf("stream with Content-Length: Content-Length %q, chunked %v, body %q", cl, chunked, r.body)
		}
	})
}

// TestContentLengthHeaderByHand covers test_override_content_length as it
// applies here: a hand-set Content-Length must agree with a body of known
// length and be a number.
func TestContentLengthHeaderByHand(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		if _, err := s.Post(ctx, srv.URL, client.Body(strings.NewReader("abc")), client.Header{"content-length": "3"}); err != nil {
			t.Fatal(err)
		}
		if r := <-got; r.body != "abc" {
			t.Errorf("matching Content-Length: body %q", r.body)
		}
		for _, tt := range []struct {
			name string
			opts []client.RequestOption
		}{
			{"mismatch", []client.RequestOption{client.Body(strings.NewReader("abc")), client.Header{"Content-Length": "4"}}},
			{"not a number", []client.RequestOption{client.Header{"Content-Length": "not zero"}}},
			{"negative", []client.RequestOption{client.Body(oneShot{strings.NewReader("abc")}), client.Header{"Content-Length": "-1"}}},
			{"no body", []client.RequestOption{client.Header{"Content-Length": "3"}}},
		} {
			if _, err := s.Post(ctx, srv.URL, tt.opts...); !errors.Is(err, client.ErrInvalidHeader) {
				t.Errorf("%s: got %v, want ErrInvalidHeader", tt.name, err)
			}
		}
	})
}

// TestSeekableBodyFromCurrentPosition covers
// test_POSTBIN_SEEKED_OBJECT_WITH_NO_ITER: a body that can seek is sent
// from where it stood when the option was given, with its length.
func TestSeekableBodyFromCurrentPosition(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		f, err := os.Create(filepath.Join(t.TempDir(), "body"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		io.WriteString(f, "0123456789")
		if _, err := f.Seek(3, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		req := client.NewRequest("POST", srv.URL, client.Body(f))
		for i := range 2 { // sent twice: rewound to 3 each time
			if _, err := s.Do(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if cl, chunked := framing(r); !slices.Equal(cl, []string{"7"}) || chunked || r.body != "3456789" {
				t.Errorf("file from offset 3, send %d: Content-Length %q, chunked %v, body %q; want 7, %q", i, cl, chunked, r.body, "3456789")
			}
		}

		br := bytes.NewReader([]byte("abcdef"))
		br.Seek(2, io.SeekStart)
		if _, err := s.Post(context.Background(), srv.URL, client.Body(br)); err != nil {
			t.Fatal(err)
		}
		if r := <-got; r.body != "cdef" {
			t.Errorf("bytes.Reader from offset 2: body %q, want %q", r.body, "cdef")
		}
	})
}

// TestFormBodies covers test_basic_building,
// test_form_encoded_post_query_multivalued_element and
// test_data_argument_accepts_tuples (as FormValues).
func TestFormBodies(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		s := srv.session(t)
		resp, err := s.Post(context.Background(), srv.URL+"/post",
			client.Form{"life": "42"},
			client.FormValues(url.Values{"test": {"foo", "baz"}, "ü": {"ø"}}),
			client.FormValues(url.Values{"test": {"qux"}}))
		if err != nil {
			t.Fatal(err)
		}
		e, err := client.DecodeJSON[echo](resp)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"life": {"42"}, "test": {"foo", "baz", "qux"}, "ü": {"ø"}}
		for k, vs := range want {
			if got := e.Form[k]; !slices.Equal(got, vs) {
				t.Errorf("form[%q] = %q, want %q", k, got, vs)
			}
		}
		if ct := e.Headers["Content-Type"]; !slices.Equal(ct, []string{"application/x-www-form-urlencoded"}) {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// TestJSONBodies covers test_json_param_post_content_type_works,
// test_json_encodes_as_bytes, test_post_json_nan and
// test_json_param_post_should_not_override_data_param, which differs: the
// last body option wins here, where Requests lets data win over json.
func TestJSONBodies(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx := context.Background()
		tests := []struct {
			name     string
			opts     []client.RequestOption
			wantBody string
			wantCT   string
		}{
			{"json", []client.RequestOption{client.JSON(map[string]any{"life": 42})}, `{"life":42}`, "application/json"},
			{"no HTML escaping", []client.RequestOption{client.JSON(map[string]string{"a": "<b> & </b>"})}, `{"a":"<b> & </b>"}`, "application/json"},
			{"UTF-8, not escaped", []client.RequestOption{client.JSON("ü日本")}, `"ü日本"`, "application/json"},
			{"form then json: json", []client.RequestOption{client.Form{"a": "b"}, client.JSON(1)}, `1`, "application/json"},
			{"json then form: form", []client.RequestOption{client.JSON(1), client.Form{"a": "b"}}, `a=b`, "application/x-www-form-urlencoded"},
			{"json then body: body", []client.RequestOption{client.JSON(1), client.Body(strings.NewReader("raw"))}, `raw`, ""},
			{"own content type kept", []client.RequestOption{client.JSON([]int{1}), client.Header{"Content-Type": "application/vnd.api+json"}}, `[1]`, "application/vnd.api+json"},
		}
		for _, tt := range tests {
			if _, err := s.Post(ctx, srv.URL, tt.opts...); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			r := <-got
			if r.body != tt.wantBody {
				t.Errorf("%s: body %q, want %q", tt.name, r.body, tt.wantBody)
			}
			if ct := strings.Join(r.header.Values("Content-Type"), ","); ct != tt.wantCT {
				t.Errorf("%s: Content-Type %q, want %q", tt.name, ct, tt.wantCT)
			}
		}
		for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"c": make(chan int)}} {
			if _, err := s.Post(ctx, srv.URL, client.JSON(v)); !errors.Is(err, client.ErrInvalidRequest) {
				t.Errorf("JSON(%T): got %v, want ErrInvalidRequest", v, err)
			}
		}
		select {
		case r := <-got:
			t.Errorf("server saw a request with body %q", r.body)
		default:
		}
	})
}

// TestHTTPClientHeadersAsNetHTTP checks that through HTTPClient a
// Content-Length or Host in the header map is ignored, as net/http ignores
// it, rather than checked against a body the adapter streams itself.
func TestHTTPClientHeadersAsNetHTTP(t *testing.T) {
	h, got := recorder()
	eachProto(t, h, func(t *testing.T, srv server) {
		req, err := http.NewRequest("POST", srv.URL, strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Length", "99")
		req.Header.Set("Host", "ignored.example")
		resp, err := srv.session(t).HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if r := <-got; r.body != "hello" || r.contentLength != 5 {
			t.Errorf("server got %q with length %d, want hello with 5", r.body, r.contentLength)
		}
	})
}

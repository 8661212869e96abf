package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/requests3/requests/client"
)

// The examples below follow Requests' Quickstart, against a local httpbin.

// Make a request: a session, a context and a URL.
func Example_get() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()

	s := client.NewSession()
	defer s.Close()
	resp, err := s.Get(ctx, srv.URL+"/get")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)

	// Other methods read the same way.
	resp, _ = s.Post(ctx, srv.URL+"/post", client.Form{"key": "value"})
	fmt.Println(resp.Status)
	resp, _ = s.Delete(ctx, srv.URL+"/delete")
	fmt.Println(resp.Status)
	resp, _ = s.Request(ctx, "PUT", srv.URL+"/put")
	fmt.Println(resp.Status)
	// Output:
	// 200 OK
	// 200 OK
	// 200 OK
	// 200 OK
}

// Pass parameters in URLs: Params for a map, Param for repeated keys.
func Example_params() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()

	resp, _ := s.Get(ctx, srv.URL+"/get", client.Params{"key1": "value1", "key2": "value2"})
	fmt.Println(resp.URL.RequestURI())

	resp, _ = s.Get(ctx, srv.URL+"/get", client.Param("key1", "value1"), client.Param("key2", "value2", "value3"))
	fmt.Println(resp.URL.RequestURI())
	// Output:
	// /get?key1=value1&key2=value2
	// /get?key1=value1&key2=value2&key2=value3
}

// Response content: the body is read and closed for you, and decoded to
// text by the charset the server gives or the page declares.
func Example_content() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/encoding/utf8")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	body, _ := resp.Bytes()
	fmt.Println(resp.Encoding(), len(text) == len(body))
	// Output: utf-8 true
}

// JSON response content: into a value, or a typed result with DecodeJSON.
func Example_json() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/get", client.Params{"q": "gopher"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var got struct {
		Args map[string][]string `json:"args"`
	}
	if err := resp.JSON(&got); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Args["q"])

	type uuid struct {
		UUID string `json:"uuid"`
	}
	resp, _ = s.Get(context.Background(), srv.URL+"/uuid")
	u, err := client.DecodeJSON[uuid](resp)
	fmt.Println(len(u.UUID), err)
	// Output:
	// [gopher]
	// 36 <nil>
}

// Custom headers, for one request or for the whole session.
func Example_headers() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession(client.WithHeader("Accept", "application/json"))
	defer s.Close()

	resp, _ := s.Get(context.Background(), srv.URL+"/headers", client.Header{"User-Agent": "my-app/0.0.1"})
	var got struct {
		Headers map[string][]string `json:"headers"`
	}
	resp.JSON(&got)
	fmt.Println(got.Headers["User-Agent"], got.Headers["Accept"])
	// Output: [my-app/0.0.1] [application/json]
}

// More complicated POST requests: a form, or JSON.
func Example_post() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()

	var echo struct {
		Form map[string][]string `json:"form"`
		JSON map[string]any      `json:"json"`
	}
	resp, _ := s.Post(ctx, srv.URL+"/post", client.Form{"key1": "value1", "key2": "value2"})
	resp.JSON(&echo)
	fmt.Println(echo.Form)

	resp, _ = s.Post(ctx, srv.URL+"/post", client.JSON(map[string]any{"some": "data"}))
	resp.JSON(&echo)
	fmt.Println(echo.JSON)
	// Output:
	// map[key1:[value1] key2:[value2]]
	// map[some:data]
}

// Response status codes: a 4xx or 5xx is a response, not an error, until
// you ask with CheckStatus.
func Example_status() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/status/404")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.OK())

	err = resp.CheckStatus()
	var se *client.StatusError
	if errors.As(err, &se) {
		fmt.Println("status error:", se.StatusCode)
	}
	// Output:
	// 404 false
	// status error: 404
}

// Response headers: an http.Header, case-insensitive.
func Example_responseHeaders() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, _ := s.Get(context.Background(), srv.URL+"/response-headers", client.Params{"X-Powered-By": "gophers"})
	fmt.Println(resp.Header.Get("x-powered-by"))
	// Output: gophers
}

// Cookies: the session keeps what servers set; Cookies sends more with one
// request.
func Example_cookies() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()

	resp, _ := s.Get(ctx, srv.URL+"/cookies/set", client.Params{"flavour": "oatmeal"})
	var got struct {
		Cookies map[string]string `json:"cookies"`
	}
	resp.JSON(&got)
	fmt.Println(got.Cookies)

	resp, _ = s.Get(ctx, srv.URL+"/cookies", client.Cookies{"extra": "one request only"})
	resp.JSON(&got)
	fmt.Println(got.Cookies)
	// Output:
	// map[flavour:oatmeal]
	// map[extra:one request only flavour:oatmeal]
}

// Redirection and history: redirects are followed (up to 30), and the
// responses that led to the final one are in History.
func Example_redirects() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	ctx := context.Background()

	resp, _ := s.Get(ctx, srv.URL+"/redirect/2")
	fmt.Println(resp.URL.Path, resp.StatusCode)
	for _, h := range resp.History {
		fmt.Println(" via", h.URL.Path, h.StatusCode)
	}

	resp, _ = s.Get(ctx, srv.URL+"/redirect/2", client.MaxRedirects(0))
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// Output:
	// /get 200
	//  via /redirect/2 302
	//  via /relative-redirect/1 302
	// 302 /relative-redirect/1
}

// Timeouts: every request has one (30s in all by default); Timeout sets
// one request's, WithTimeout or WithTimeouts the session's.
func Example_timeouts() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession(client.WithTimeout(10 * time.Second))
	defer s.Close()

	_, err := s.Get(context.Background(), srv.URL+"/delay/1", client.Timeout(50*time.Millisecond))
	fmt.Println(errors.Is(err, client.ErrTimeout))
	// Output: true
}

// Errors and exceptions: every failure is a *RequestError wrapping a
// sentinel to test with errors.Is.
func Example_errors() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	s := client.NewSession()
	defer s.Close()
	_, err := s.Get(context.Background(), "http://"+addr+"/")
	var re *client.RequestError
	fmt.Println(errors.Is(err, client.ErrConnect), errors.As(err, &re), re.Method)

	_, err = s.Get(context.Background(), "http://[::1")
	fmt.Println(errors.Is(err, client.ErrInvalidURL))
	// Output:
	// true true GET
	// true
}

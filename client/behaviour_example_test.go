package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// An SDK that takes an *http.Client gets the session's headers, auth,
// cookies, redirect policy, hooks, middleware and timeouts.
func ExampleSession_HTTPClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "key=%s agent=%s", r.Header.Get("X-Api-Key"), r.Header.Get("User-Agent"))
	}))
	defer srv.Close()

	s := client.NewSession(client.WithHeader("X-Api-Key", "k-123"))
	defer s.Close()
	hc := s.HTTPClient() // give this to the SDK

	resp, err := hc.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body) == "key=k-123 agent="+client.UserAgent)
	// Output:
	// true
}

// WithDialer reaches a server on a Unix socket.
func ExampleWithDialer() {
	dir, _ := os.MkdirTemp("", "sock")
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "api.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello over ", r.Host)
	}))
	srv.Listener = l
	srv.Start()
	defer srv.Close()

	s := client.NewSession(client.WithDialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}))
	defer s.Close()
	resp, err := s.Get(context.Background(), "http://docker/version")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := resp.Text()
	fmt.Println(body)
	// Output:
	// hello over docker
}

// Every request has a deadline; a timeout is ErrTimeout and
// context.DeadlineExceeded, and a connect timeout is ErrConnect too.
func ExampleWithTimeouts() {
	srv := clienttest.NewServer(clienttest.Script{"/slow": {{Delay: time.Minute}}})
	defer srv.Close()

	s := srv.Session(client.WithTimeouts(client.Timeouts{Connect: 5 * time.Second, Total: 100 * time.Millisecond}))
	fmt.Println(s.Timeouts())
	_, err := s.Get(context.Background(), srv.URL+"/slow")
	fmt.Println(errors.Is(err, client.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, client.ErrConnect))
	// Output:
	// {5s -1ns 100ms}
	// true true false
}

// Mount sends the URLs under a prefix through a transport of one's own,
// here one that answers "mock://" URLs from memory.
func ExampleMount() {
	mock := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		body := "mocked " + req.URL.Path
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		}, nil
	})
	s := client.NewSession(client.Mount("mock://", mock))
	resp, err := s.Get(context.Background(), "mock://service/users")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := resp.Text()
	fmt.Println(body)
	// Output:
	// mocked /users
}

// Hooks run around every call: session hooks first, then the request's.
func ExampleOnResponse() {
	srv := clienttest.NewServer(clienttest.Script{"/missing": {{Status: 404}}})
	defer srv.Close()

	s := srv.Session(client.OnResponse(func(r *client.Response) error {
		return r.CheckStatus() // turn 4xx and 5xx into errors for this session
	}))
	_, err := s.Get(context.Background(), srv.URL+"/missing")
	var se *client.StatusError
	fmt.Println(errors.As(err, &se), se.StatusCode)
	// Output:
	// true 404
}

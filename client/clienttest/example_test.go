package clienttest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

func ExampleNewServer() {
	srv := clienttest.NewServer(clienttest.Script{
		"/flaky": {{Status: 503, Body: "try again"}, {Body: "ok"}},
	})
	defer srv.Close()

	s := srv.Session()
	for range 3 {
		resp, err := s.Get(context.Background(), srv.URL+"/flaky")
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := resp.Text()
		fmt.Println(resp.StatusCode, body)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.URL.Path)
	}
	fmt.Println("connections:", srv.Connections())
	// Output:
	// 503 try again
	// 200 ok
	// 200 ok
	// GET /flaky
	// GET /flaky
	// GET /flaky
	// connections: 1
}

func ExampleNewTLSServer() {
	srv := clienttest.NewTLSServer(clienttest.Script{
		"/old": {{Status: http.StatusMovedPermanently, Header: http.Header{"Location": {"/new"}}}},
		"/new": {{Body: "moved here"}},
	})
	defer srv.Close()

	resp, err := srv.Session().Get(context.Background(), srv.URL+"/old")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := resp.Text()
	fmt.Println(resp.Proto, resp.URL.Path, body)
	// Output:
	// HTTP/2.0 /new moved here
}

func ExampleCheckClosed() {
	// In a test:
	testDownload := func(t *testing.T) {
		srv := clienttest.NewServer(clienttest.Script{"/file": {{Body: "contents"}}})
		defer srv.Close()
		s := srv.Session(clienttest.CheckClosed(t))

		resp, err := s.Get(context.Background(), srv.URL+"/file", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close() // without this, the test fails listing the response
		// ... read resp.Body ...
	}
	_ = testDownload
}

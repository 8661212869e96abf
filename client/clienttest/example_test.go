package clienttest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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

func ExampleReply_faults() {
	srv := clienttest.NewServer(clienttest.Script{
		"/bomb":    {clienttest.Bomb("gzip", 1<<30)}, // 1 GiB of zeros in about 1 MiB
		"/garbage": {{Raw: "HTPT/1.1 2OO OK\r\n\r\n"}},
		"/drip":    {{Body: strings.Repeat(".", 100), Drip: 10 * time.Millisecond}},
	})
	defer srv.Close()
	s := srv.Session(client.WithMaxBodySize(1 << 20))
	ctx := context.Background()

	_, err := s.Get(ctx, srv.URL+"/bomb")
	fmt.Println("bomb:", errors.Is(err, client.ErrBodyTooLarge))
	_, err = s.Get(ctx, srv.URL+"/garbage")
	fmt.Println("garbage:", err != nil)
	_, err = s.Get(ctx, srv.URL+"/drip", client.Timeout(50*time.Millisecond))
	fmt.Println("drip:", errors.Is(err, client.ErrTimeout))

	s.Close()
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	fmt.Println("connections left open:", srv.WaitClosed(waitCtx) != nil)
	// Output:
	// bomb: true
	// garbage: true
	// drip: true
	// connections left open: false
}

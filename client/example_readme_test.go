package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// Requests III's HTTPSession, in Go: the same session answers directly or,
// through a pool, with a future.
func Example_httpSession() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()

	http := client.NewSession()
	defer http.Close()
	r, err := http.Request(ctx, "GET", srv.URL+"/ip")
	if err != nil {
		fmt.Println(err)
		return
	}
	ip, err := client.DecodeJSON[struct{ Origin string }](r)
	fmt.Println(r.Status, ip.Origin, err)

	// The same request, async: a pool over the session returns a future.
	pool := async.NewPool(http, async.Workers(8), async.PerHost(10, 5))
	defer pool.Close()
	f := pool.Get(ctx, srv.URL+"/ip")
	r, err = f.Await(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	// Output:
	// 200 OK 127.0.0.1 <nil>
	// 200 OK
}

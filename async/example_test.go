package async_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

func ExampleGather() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "page %s", r.URL.Query().Get("n"))
	}))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(4), async.PerHost(100, 10))
	defer p.Close()

	var reqs []*client.Request
	for n := range 3 {
		reqs = append(reqs, client.NewRequest("GET", srv.URL, client.Params{"n": fmt.Sprint(n)}))
	}
	resps, err := async.Gather(context.Background(), p, reqs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range resps {
		text, _ := r.Text()
		fmt.Println(r.StatusCode, text)
	}
	// Output:
	// 200 page 0
	// 200 page 1
	// 200 page 2
}

func ExampleMap() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Path)
	}))
	defer srv.Close()

	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(8))
	defer p.Close()

	urls := func(yield func(*client.Request) bool) {
		for i := range 1000 {
			if !yield(client.NewRequest("GET", fmt.Sprintf("%s/%d", srv.URL, i))) {
				return
			}
		}
	}
	total := 0
	length := func(r *client.Response) (int, error) { b, err := r.Bytes(); return len(b), err }
	for n, err := range async.Map(context.Background(), p, urls, length) {
		if err != nil {
			fmt.Println(err)
			return
		}
		total += n
	}
	fmt.Println("bytes:", total)
	// Output:
	// bytes: 3890
}

func ExampleGo() {
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(2), async.HostConcurrency(1))
	defer p.Close()

	f := async.Go(context.Background(), p, "database", func(ctx context.Context) (int, error) {
		return 42, nil
	})
	v, err := f.Await(context.Background())
	fmt.Println(v, err)
	// Output:
	// 42 <nil>
}

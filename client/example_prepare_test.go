package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/requests3/requests/client"
)

// A Request is a plain value: prepare it to see exactly what would be sent,
// then send the same value as often as needed.
func ExampleSession_Prepare() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.RequestURI())
	}))
	defer srv.Close()

	s := client.NewSession(client.WithBaseURL(srv.URL), client.WithHeader("X-Team", "search"))
	defer s.Close()
	ctx := context.Background()

	r := client.NewRequest("POST", "/items", client.Params{"dry": "1"}, client.JSON(map[string]int{"n": 1}))
	req, err := s.Prepare(ctx, r) // nothing is sent
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Get("X-Team"), req.Header.Get("Content-Type"))

	resp, err := s.Do(ctx, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(text)
	// Output:
	// POST /items dry=1 search application/json
	// POST /items?dry=1
}

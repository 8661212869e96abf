package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/requests3/requests/client"
)

// Follow "next" links until there are none, as a paginated API is read.
func ExampleResponse_Link() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page < 3 {
			w.Header().Add("Link", fmt.Sprintf(`</items?page=%d>; rel="next"`, page+1))
		}
		fmt.Fprintf(w, "items of page %d", page)
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	ctx := context.Background()
	next := srv.URL + "/items?page=1"
	for next != "" {
		resp, err := s.Get(ctx, next)
		if err != nil {
			fmt.Println(err)
			return
		}
		text, _ := resp.Text()
		fmt.Println(text)
		next = ""
		if l, ok := resp.Link("next"); ok {
			next = l.URL.String()
		}
	}
	// Output:
	// items of page 1
	// items of page 2
	// items of page 3
}

// Read a stream of JSON lines as they arrive; the body is closed when the
// loop ends.
func ExampleResponse_Lines() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "{\"n\": %d}\r\n", i)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL, client.Stream(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	for line, err := range resp.Lines() {
		if err != nil {
			fmt.Println(err)
			return
		}
		var event struct{ N int }
		if err := json.Unmarshal([]byte(line), &event); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("event", event.N)
	}
	// Output:
	// event 1
	// event 2
	// event 3
}

// Copy a large body somewhere without holding it in memory.
func ExampleResponse_WriteTo() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 1024 {
			w.Write(make([]byte, 1024))
		}
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL, client.Stream(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	n, err := resp.WriteTo(io.Discard) // closes the body
	fmt.Println(n, err)
	// Output:
	// 1048576 <nil>
}

// Text decodes the body by the character set the server declares, here
// ISO-8859-1.
func ExampleResponse_Text() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=ISO-8859-1")
		w.Write([]byte("caf\xe9"))
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(text, resp.Encoding())
	// Output:
	// café windows-1252
}

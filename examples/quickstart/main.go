// Command quickstart is a tour of the client package against a local
// httpbin server that it starts itself, so it needs no internet.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/requests3/requests/client"
)

func main() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	if err := run(context.Background(), srv.URL); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, base string) error {
	out := os.Stdout
	s := client.NewSession(
		client.WithBaseURL(base),
		client.WithHeader("Accept", "application/json"),
		client.WithTimeout(5*time.Second),
	)
	defer s.Close()

	// GET with query parameters; the body is read and closed for us.
	resp, err := s.Get(ctx, "/get", client.Params{"q": "requests3", "page": "2"})
	if err != nil {
		return err
	}
	var got struct {
		Args map[string][]string `json:"args"`
	}
	if err := resp.JSON(&got); err != nil {
		return err
	}
	fmt.Fprintln(out, "GET", resp.URL.Path, resp.StatusCode, "args:", got.Args)

	// POST a JSON body, decode the echo into a typed value.
	resp, err = s.Post(ctx, "/post", client.JSON(map[string]any{"name": "gopher"}))
	if err != nil {
		return err
	}
	echo, err := client.DecodeJSON[struct {
		JSON map[string]any `json:"json"`
	}](resp)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "POST", resp.StatusCode, "echoed:", echo.JSON)

	// Redirects are followed, with history.
	resp, err = s.Get(ctx, "/redirect/3")
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "redirected", len(resp.History), "times to", resp.URL.Path)

	// A 4xx or 5xx is not an error until you ask.
	resp, err = s.Get(ctx, "/status/418")
	if err != nil {
		return err
	}
	var se *client.StatusError
	if err := resp.CheckStatus(); errors.As(err, &se) {
		fmt.Fprintln(out, "status error:", se.StatusCode)
	}

	// Timeouts are errors you can branch on.
	_, err = s.Get(ctx, "/delay/2", client.Timeout(100*time.Millisecond))
	fmt.Fprintln(out, "timed out:", errors.Is(err, client.ErrTimeout))
	return nil
}

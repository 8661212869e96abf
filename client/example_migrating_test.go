package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"golang.org/x/sync/errgroup"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

// The examples below pair net/http code with its requests3 counterpart.

type binEcho struct {
	Args    map[string][]string `json:"args"`
	Headers map[string][]string `json:"headers"`
	JSON    map[string]any      `json:"json"`
}

// A GET with a query, a header and a JSON answer, in net/http.
func Example_netHTTPGet() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()

	hc := &http.Client{Timeout: 10 * time.Second}
	u, _ := url.Parse(srv.URL + "/get")
	u.RawQuery = url.Values{"q": {"gopher"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Accept", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode >= 400 {
		fmt.Println("status", res.StatusCode)
		return
	}
	var got binEcho
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Args["q"])
	// Output: [gopher]
}

// The same GET with requests3.
func Example_requestsGet() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()

	s := client.NewSession(client.WithTimeout(10 * time.Second))
	defer s.Close()
	resp, err := s.Get(ctx, srv.URL+"/get", client.Params{"q": "gopher"}, client.Header{"Accept": "application/json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := resp.CheckStatus(); err != nil {
		fmt.Println(err)
		return
	}
	got, err := client.DecodeJSON[binEcho](resp)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Args["q"])
	// Output: [gopher]
}

// A POST of JSON with a bearer token, in net/http.
func Example_netHTTPPost() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()
	hc := &http.Client{Timeout: 10 * time.Second}

	body, err := json.Marshal(map[string]any{"name": "gopher"})
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/post", bytes.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := hc.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	var got binEcho
	json.Unmarshal(data, &got)
	fmt.Println(res.StatusCode, got.JSON["name"], got.Headers["Authorization"])
	// Output: 200 gopher [Bearer t0ken]
}

// The same POST with requests3.
func Example_requestsPost() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()
	s := client.NewSession(client.WithTimeout(10 * time.Second))
	defer s.Close()

	resp, err := s.Post(ctx, srv.URL+"/post", client.JSON(map[string]any{"name": "gopher"}), client.BearerAuth("t0ken"))
	if err != nil {
		fmt.Println(err)
		return
	}
	var got binEcho
	resp.JSON(&got)
	fmt.Println(resp.StatusCode, got.JSON["name"], got.Headers["Authorization"])
	// Output: 200 gopher [Bearer t0ken]
}

// Many requests at once, at most four in flight, in net/http with errgroup.
func Example_netHTTPConcurrent() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()
	hc := &http.Client{Timeout: 10 * time.Second}

	statuses := make([]int, 10)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := range statuses {
		g.Go(func() error {
			req, err := http.NewRequestWithContext(gctx, "GET", fmt.Sprintf("%s/status/%d", srv.URL, 200+i), nil)
			if err != nil {
				return err
			}
			res, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			io.Copy(io.Discard, res.Body)
			statuses[i] = res.StatusCode
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(statuses)
	// Output: [200 201 202 203 204 205 206 207 208 209]
}

// The same with requests3: a pool, with a limit per host, and Gather.
func Example_requestsConcurrent() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	ctx := context.Background()
	s := client.NewSession(client.WithTimeout(10 * time.Second))
	defer s.Close()

	p := async.NewPool(s, async.HostConcurrency(4))
	defer p.Close()
	reqs := make([]*client.Request, 10)
	for i := range reqs {
		reqs[i] = client.NewRequest("GET", fmt.Sprintf("%s/status/%d", srv.URL, 200+i))
	}
	resps, err := async.Gather(ctx, p, reqs)
	if err != nil {
		fmt.Println(err)
		return
	}
	statuses := make([]int, len(resps))
	for i, r := range resps {
		statuses[i] = r.StatusCode
	}
	fmt.Println(statuses)
	// Output: [200 201 202 203 204 205 206 207 208 209]
}

// Telling failures apart: net/http errors need url.Error, net.Error and
// os.ErrDeadlineExceeded; requests3 errors wrap sentinels.
func Example_requestsErrors() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	_, err := s.Get(context.Background(), srv.URL+"/delay/1", client.Timeout(20*time.Millisecond))
	switch {
	case errors.Is(err, client.ErrTimeout):
		fmt.Println("timed out")
	case errors.Is(err, client.ErrConnect):
		fmt.Println("could not connect")
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: timed out
}

// A library that takes an *http.Client gets one that goes through the
// session: its headers, auth, cookies, retries, limits and timeouts.
func ExampleSession_HTTPClient_sdk() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()

	s := client.NewSession(client.WithHeader("X-Team", "gophers"), client.BearerAuth("t0ken"))
	defer s.Close()
	hc := s.HTTPClient() // hand this to the SDK

	res, err := hc.Get(srv.URL + "/bearer")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	fmt.Println(res.StatusCode)
	// Output: 200
}

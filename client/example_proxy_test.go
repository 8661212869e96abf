package client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/elazarl/goproxy"

	"github.com/requests3/requests/client"
)

// ExampleWithProxies sends requests through a forward proxy chosen by
// scheme, with credentials in the proxy's URL: the proxy receives them in
// a Proxy-Authorization header; the server never does.
func ExampleWithProxies() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello; Proxy-Authorization here: %q", r.Header.Get("Proxy-Authorization"))
	}))
	defer site.Close()

	// An in-process forward proxy that reports what it receives.
	proxy := goproxy.NewProxyHttpServer()
	proxy.Logger = log.New(io.Discard, "", 0)
	upstream := &http.Transport{}
	defer upstream.CloseIdleConnections()
	proxy.Tr = upstream
	proxy.OnRequest().DoFunc(func(r *http.Request, _ *goproxy.ProxyCtx) (*http.Request, *http.Response) {
		fmt.Printf("proxy: %s %s, Proxy-Authorization: %s\n", r.Method, r.URL.Path, r.Header.Get("Proxy-Authorization"))
		return r, nil
	})
	proxyServer := httptest.NewServer(proxy)
	defer proxyServer.Close()

	proxyURL := &url.URL{Scheme: "http", User: url.UserPassword("user", "secret"), Host: proxyServer.Listener.Addr().String()}
	s := client.NewSession(client.WithProxies(map[string]string{
		"http": proxyURL.String(), // plain-http requests
		// "https": ..., "all": ..., "https://api.example.com": ...
	}))
	defer s.Close()

	resp, err := s.Get(context.Background(), site.URL+"/hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(resp.StatusCode, text)
	// Output:
	// proxy: GET /hello, Proxy-Authorization: Basic dXNlcjpzZWNyZXQ=
	// 200 hello; Proxy-Authorization here: ""
}

// ExampleWithoutProxy ignores the proxies of the environment. A session
// reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY when it is created.
func ExampleWithoutProxy() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "direct")
	}))
	defer site.Close()

	s := client.NewSession(client.WithoutProxy())
	defer s.Close()
	resp, err := s.Get(context.Background(), site.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(text)
	// Output: direct
}

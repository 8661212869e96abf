package client_test

import (
	"fmt"

	"github.com/requests3/requests/client"
)

// A base URL is a prefix: request paths are appended to it, with or
// without a leading slash; a URL with a scheme replaces it.
func ExampleWithBaseURL() {
	s := client.NewSession(client.WithBaseURL("https://api.example.com/v1"))
	defer s.Close()
	for _, path := range []string{"users", "/users/7", "?q=go", "https://other.example/x"} {
		u, _ := s.ResolveURL(client.NewRequest("GET", path, client.Param("page", "2")))
		fmt.Println(u)
	}
	// Output:
	// https://api.example.com/v1/users?page=2
	// https://api.example.com/v1/users/7?page=2
	// https://api.example.com/v1?q=go&page=2
	// https://other.example/x?page=2
}

// URLs are prepared as Requests prepares them: the host in punycode, the
// path escaped once, params appended before the fragment.
func ExampleSession_ResolveURL() {
	s := client.NewSession()
	defer s.Close()
	u, err := s.ResolveURL(client.NewRequest("GET", "http://straße.de/a b/%7Euser?x=1#top",
		client.Params{"q": "ü"}))
	fmt.Println(u, err)
	// Output:
	// http://xn--strae-oqa.de/a%20b/~user?x=1&q=%C3%BC#top <nil>
}

package client_test

import (
	"os"

	"github.com/requests3/requests/client"
)

// The snippets of docs/advanced.md that configure a session without
// sending anything. They are compiled, not run: their hosts and files do
// not exist here.

// Proxies by scheme, by host, and for everything else.
func ExampleWithProxies_byScheme() {
	s := client.NewSession(client.WithProxies(map[string]string{
		"http":                    "http://proxy.internal:3128",
		"https":                   "http://user:pass@proxy.internal:3128",
		"https://api.example.com": "socks5h://127.0.0.1:1080",
		"all":                     "http://fallback.internal:8080",
	}))
	defer s.Close()
}

// A private CA and a client certificate, from files.
func ExampleWithClientCertFile() {
	s := client.NewSession(
		client.WithCAFile("/etc/ssl/private-ca.pem"),
		client.WithClientCertFile("client.pem", "client-key.pem"),
	)
	defer s.Close()
}

// Trust what REQUESTS_CA_BUNDLE names, as Python Requests does.
func Example_caBundleFromEnvironment() {
	var opts []client.Option
	if f := os.Getenv("REQUESTS_CA_BUNDLE"); f != "" {
		opts = append(opts, client.WithCAFile(f))
	}
	s := client.NewSession(opts...)
	defer s.Close()
}

// Different TLS settings are different sessions, each with its own pool.
func ExampleWithInsecureSkipVerify_sessions() {
	verified := client.NewSession()
	insecure := client.NewSession(client.WithInsecureSkipVerify()) // tests only
	defer verified.Close()
	defer insecure.Close()
}

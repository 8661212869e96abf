package client_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/requests3/requests/client"
)

// ExampleWithCAFile trusts a private certificate authority, from a PEM
// file, instead of the system's roots.
func ExampleWithCAFile() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello over TLS")
	}))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "ca")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	s := client.NewSession(client.WithCAFile(caFile))
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(text)
	// Output: hello over TLS
}

// ExampleWithClientCert authenticates to a server that requires a client
// certificate (mutual TLS).
func ExampleWithClientCert() {
	ca, err := makeCA() // the CA the server trusts for clients
	if err != nil {
		fmt.Println(err)
		return
	}
	cert, _, _, err := ca.issue("alice")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool}
	srv.StartTLS()
	defer srv.Close()

	s := client.NewSession(
		client.WithClientCert(cert), // or WithClientCertFile("cert.pem", "key.pem")
		client.WithRootCAs(certPool(srv)),
	)
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(text)
	// Output: hello, alice
}

// ExampleWithInsecureSkipVerify turns verification off for one session,
// for tests only; the session says so once, at warn level.
func ExampleWithInsecureSkipVerify() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "unverified")
	}))
	defer srv.Close()

	logger := zap.NewExample(zap.IncreaseLevel(zap.InfoLevel)) // JSON on stdout, info and above
	s := client.NewSession(client.WithInsecureSkipVerify(), client.WithLogger(logger))
	defer s.Close()
	for range 3 {
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		text, _ := resp.Text()
		fmt.Println(text)
	}
	// Output:
	// {"level":"warn","msg":"TLS certificate verification is off for this session"}
	// unverified
	// unverified
	// unverified
}

package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// TestH2Server drives the frame-level HTTP/2 server with net/http's
// client: many streams at once on one connection, bodies larger than the
// client's windows (so that the server waits for WINDOW_UPDATE), an empty
// body, and a bad request.
func TestH2Server(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, err := writeCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	stop, err := serveH2("frames", ln, cert, nil, payload(), &accepted)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		Protocols:       new(http.Protocols),
		HTTP2: &http.HTTP2Config{
			MaxReceiveBufferPerConnection: 64 << 10,
			MaxReceiveBufferPerStream:     64 << 10,
		},
	}
	tr.Protocols.SetHTTP2(true)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	base := "https://" + ln.Addr().String()
	want := payload()

	// One request first, so that the others share its connection instead
	// of dialing one each.
	resp, err := hc.Get(base + "/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var wg sync.WaitGroup
	for i := range 40 {
		size := []int{0, 1024, 300 << 10}[i%3]
		wg.Go(func() {
			resp, err := hc.Get(fmt.Sprintf("%s/%d", base, size))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Error(err)
				return
			}
			if resp.ProtoMajor != 2 || resp.StatusCode != 200 || resp.ContentLength != int64(size) || !bytes.Equal(body, want[:size]) {
				t.Errorf("GET /%d: %s %d, Content-Length %d, %d bytes of body (good: %v)",
					size, resp.Proto, resp.StatusCode, resp.ContentLength, len(body), bytes.Equal(body, want[:len(body)]))
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections accepted, want 1", n)
	}
	resp, err = hc.Get(base + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /nope: %d, want 400", resp.StatusCode)
	}
}

package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/quic-go/quic-go/http3"

	"github.com/requests3/requests/client"
)

// A session speaks HTTP/2 over TLS whenever the server offers it. With H2C
// it also speaks HTTP/2 to http:// URLs, with prior knowledge, as services
// behind a load balancer often expect.
func ExampleWithProtocols() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "served over ", r.Proto)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true) // h2c only
	srv.Start()
	defer srv.Close()

	s := client.NewSession(client.WithProtocols(client.DefaultProtocols | client.H2C))
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(resp.Proto, "-", text)
	// Output: HTTP/2.0 - served over HTTP/2.0
}

// Timings tell where the time of a request went; TraceTimings records the
// phases of the connection as well. The second request to a host reuses
// the connection of the first: nothing to resolve, dial or negotiate.
func ExampleTimings() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	s := client.NewSession(client.WithTLSConfig(&tls.Config{RootCAs: pool}), client.TraceTimings(true))
	defer s.Close()
	for range 2 {
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		t := resp.Timings
		fmt.Printf("%s reused=%v connect=%v tls=%v first byte=%v\n",
			resp.Proto, t.Reused, t.Connect > 0, t.TLS > 0, t.FirstByte > 0)
	}
	// Output:
	// HTTP/2.0 reused=false connect=true tls=true first byte=true
	// HTTP/2.0 reused=true connect=false tls=false first byte=true
}

// With Alt-Svc discovery, a session starts over TCP and moves to HTTP/3
// once the origin advertises it, here on another UDP port than its TCP
// one. Without AltSvc it would try HTTP/3 on the origin's own port at once,
// and fall back to TCP if the QUIC handshake failed.
func ExampleWithHTTP3() {
	// The HTTP/3 server's UDP port, which the TCP server advertises.
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, h3port, _ := net.SplitHostPort(udp.LocalAddr().String())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Alt-Svc", `h3=":`+h3port+`"; ma=3600`)
		fmt.Fprint(w, "served over ", r.Proto)
	})
	srv := httptest.NewUnstartedServer(handler)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	// The HTTP/3 server has the same certificate.
	h3 := &http3.Server{Handler: handler, TLSConfig: http3.ConfigureTLSConfig(srv.TLS.Clone())}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h3.Serve(udp)
	}()
	defer func() {
		h3.Close()
		udp.Close()
		<-done
	}()

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	s := client.NewSession(
		client.WithTLSConfig(&tls.Config{RootCAs: pool}),
		client.WithHTTP3(client.HTTP3Config{AltSvc: true}),
	)
	defer s.Close()
	for range 2 {
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		text, _ := resp.Text()
		fmt.Println(resp.Proto, "-", text)
	}
	// Output:
	// HTTP/2.0 - served over HTTP/2.0
	// HTTP/3.0 - served over HTTP/3.0
}

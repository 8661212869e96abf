package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// maxServerLife bounds a server process that lost its parent without its
// stdin closing.
const maxServerLife = time.Hour

// maxBodySize bounds the body the server will send.
const maxBodySize = 16 << 20

// serverInfo is what the server prints on its first line of output.
type serverInfo struct {
	H1  int `json:"h1"`  // port of the plain HTTP/1.1 listener
	H2  int `json:"h2"`  // port of the TLS listener offering h2
	Ctl int `json:"ctl"` // port of the control listener on 127.0.0.1
}

// conns is the number of connections each listener has accepted, and the
// server's CPU time, read through the control listener.
type conns struct {
	H1    int64 `json:"h1"`
	H2    int64 `json:"h2"`
	CPUNs int64 `json:"cpu_ns"` // user and system, the whole process
}

// serve runs the load target until its standard input closes: GET /{n}
// answers n bytes with a Content-Length. The data listeners bind to every
// address, so 127.0.0.1 to 127.0.0.4 reach them on one port.
func serve(certFile, keyFile, h2impl string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	body := payload()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || n < 0 || n > maxBodySize {
			http.Error(w, "want /{size}", http.StatusBadRequest)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/octet-stream"}
		h["Content-Length"] = []string{strconv.Itoa(n)}
		w.Write(body[:n])
	})
	var n1, n2 atomic.Int64
	l1, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		return err
	}
	l2, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		return err
	}
	lc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s1 := &http.Server{Handler: handler, ConnState: countNew(&n1), ReadHeaderTimeout: 10 * time.Second}
	ctl := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(conns{H1: n1.Load(), H2: n2.Load(), CPUNs: cpuTime().Nanoseconds()})
	})}
	go s1.Serve(l1)
	stop2, err := serveH2(h2impl, l2, cert, handler, body, &n2)
	if err != nil {
		return err
	}
	go ctl.Serve(lc)
	port := func(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }
	if err := json.NewEncoder(os.Stdout).Encode(serverInfo{H1: port(l1), H2: port(l2), Ctl: port(lc)}); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(maxServerLife):
	}
	s1.Close()
	stop2()
	ctl.Close()
	return nil
}

// countNew returns a ConnState hook counting new connections in n.
func countNew(n *atomic.Int64) func(net.Conn, http.ConnState) {
	return func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
}

// serveH2 serves HTTP/2 over TLS on l with the implementation named impl
// (see the -h2server flag): net/http's with h, or the frame server with
// bodies cut from body. It counts connections in n, until the func it
// returns is called.
func serveH2(impl string, l net.Listener, cert tls.Certificate, h http.Handler, body []byte, n *atomic.Int64) (stop func(), err error) {
	switch impl {
	case "frames":
		s := &h2Server{
			tls:      &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}},
			payload:  body,
			accepted: n,
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.serve(l)
		}()
		return func() {
			l.Close()
			<-done
			s.close()
		}, nil
	case "net/http":
		s := &http.Server{
			Handler:           h,
			ConnState:         countNew(n),
			ReadHeaderTimeout: 10 * time.Second,
			TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}},
		}
		go s.ServeTLS(l, "", "")
		return func() { s.Close() }, nil
	}
	return nil, fmt.Errorf("-h2server %q: want frames or net/http", impl)
}

// payload is the bytes bodies are cut from.
func payload() []byte {
	p := make([]byte, maxBodySize)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

// writeCert writes a self-signed certificate for 127.0.0.1 to 127.0.0.4
// and its key into dir.
func writeCert(dir string) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "requests3 benchmark"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
	}
	for i := 1; i <= 4; i++ {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IPv4(127, 0, 0, byte(i)))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = dir+"/cert.pem", dir+"/key.pem"
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readConns asks the server how many connections it has accepted.
func readConns(ctlPort int) (conns, error) {
	var c conns
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", ctlPort))
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&c)
	return c, err
}

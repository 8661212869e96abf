package client_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testCA is a certificate authority made for a test or an example.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func makeCA() (*testCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "requests3 test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}, nil
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	ca, err := makeCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// issue issues a client certificate for cn, returned ready to use and as
// PEM-encoded certificate and key.
func (ca *testCA) issue(cn string) (cert tls.Certificate, certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return cert, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return cert, nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return cert, nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	return cert, certPEM, keyPEM, err
}

// clientCert is issue for a test.
func (ca *testCA) clientCert(t testing.TB, cn string) (cert tls.Certificate, certPEM, keyPEM []byte) {
	t.Helper()
	cert, certPEM, keyPEM, err := ca.issue(cn)
	if err != nil {
		t.Fatal(err)
	}
	return cert, certPEM, keyPEM
}

// writeFile writes data to a file named name in a directory removed when
// t ends, and returns its path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// certPEM returns srv's certificate in PEM.
func certPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

// tlsProtos are the protocols a TLS server is tested under.
var tlsProtos = []struct {
	name  string
	http2 bool
}{{"HTTP/1.1", false}, {"HTTP/2", true}}

// eachTLS runs f against a TLS server for h configured by cfg (nil for
// the defaults), under HTTP/1.1 and HTTP/2.
func eachTLS(t *testing.T, h http.Handler, cfg *tls.Config, f func(t *testing.T, srv *httptest.Server)) {
	t.Helper()
	for _, p := range tlsProtos {
		t.Run(p.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
			srv.TLS = cfg
			srv.EnableHTTP2 = p.http2
			srv.StartTLS()
			t.Cleanup(srv.Close)
			f(t, srv)
		})
	}
}

// peerName answers with the common name of the client's certificate, or
// "anonymous".
var peerName = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		io.WriteString(w, "anonymous")
		return
	}
	io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
})

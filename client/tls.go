package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
)

// TLS settings are per session. Each session has its own connection pool,
// and a connection keeps the TLS settings it was opened with, so there are
// no per-request TLS options: a request that needs other roots, another
// client certificate or no verification needs another session. That is
// also why an insecure session can never lend a connection to one that
// verifies (Requests' CVE-2024-35195).

// tlsOptions are the settings of the TLS options below. They apply over
// the configuration given with WithTLSConfig, whatever the order of the
// options.
type tlsOptions struct {
	roots    *x509.CertPool
	rootsSet bool
	certs    []tls.Certificate
	certsSet bool
	insecure bool
}

// WithRootCAs sets the certificate authorities the session trusts for
// servers' certificates, in place of the system's (for private CAs and
// test servers). nil means the system's roots. Like the other TLS options
// it applies over [WithTLSConfig], whatever their order: here, over its
// RootCAs.
//
// On Unix the system's roots are read by crypto/x509, which honours
// SSL_CERT_FILE and SSL_CERT_DIR (once per process). REQUESTS_CA_BUNDLE
// and CURL_CA_BUNDLE are not read: use WithCAFile.
func WithRootCAs(pool *x509.CertPool) Option {
	return optionFunc(func(c *config) { c.tlsOpts.roots, c.tlsOpts.rootsSet = pool, true })
}

// WithCAFile makes the session trust the certificate authorities in a PEM
// file, in place of the system's, like Requests' verify="path" or curl's
// --cacert. The file is read when the session is created. A file that
// cannot be read, or holds no PEM certificate, makes every request of the
// session fail with [ErrInvalidRequest] before any I/O (errors.Is also
// finds the file's error, such as [fs.ErrNotExist]).
func WithCAFile(path string) Option {
	return optionFunc(func(c *config) {
		data, err := os.ReadFile(path)
		if err != nil {
			c.err = fmt.Errorf("%w: CA file: %w", ErrInvalidRequest, err)
			return
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			c.err = fmt.Errorf("%w: CA file %q holds no PEM certificate", ErrInvalidRequest, path)
			return
		}
		c.tlsOpts.roots, c.tlsOpts.rootsSet = pool, true
	})
}

// WithClientCert sets the certificate the session presents to servers that
// ask for one (mutual TLS), like Requests' cert argument. It replaces the
// Certificates of [WithTLSConfig]. Servers that do not ask never see it;
// plain-http requests are unaffected.
func WithClientCert(cert tls.Certificate) Option {
	return optionFunc(func(c *config) { c.tlsOpts.certs, c.tlsOpts.certsSet = []tls.Certificate{cert}, true })
}

// WithClientCertFile is [WithClientCert] with the certificate (chain) and
// its private key read from PEM files when the session is created. With
// keyFile "", the key is read from certFile, which then holds both. A file
// that cannot be read or a pair that does not match makes every request of
// the session fail with [ErrInvalidRequest] before any I/O.
func WithClientCertFile(certFile, keyFile string) Option {
	return optionFunc(func(c *config) {
		if keyFile == "" {
			keyFile = certFile
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			c.err = fmt.Errorf("%w: client certificate: %w", ErrInvalidRequest, err)
			return
		}
		c.tlsOpts.certs, c.tlsOpts.certsSet = []tls.Certificate{cert}, true
	})
}

// WithInsecureSkipVerify turns off the verification of servers'
// certificates for this session only: any server, or anyone in between,
// can then read and change its traffic. It is meant for tests and
// throwaway tools; [WithRootCAs] and [WithCAFile] are the way to trust a
// private server. The session logs a warning once, when it is created,
// through its logger ([WithLogger]); a configuration given with
// [WithTLSConfig] that skips verification is warned about the same way.
// Other sessions are never affected, even when they talk to the same
// servers: each session has its own connections.
func WithInsecureSkipVerify() Option {
	return optionFunc(func(c *config) { c.tlsOpts.insecure = true })
}

// tlsClientConfig returns the TLS configuration of the session's
// transport: WithTLSConfig's (a copy), the TLS options over it, and TLS 1.2
// at least.
func (c *config) tlsClientConfig() *tls.Config {
	cfg := c.tlsConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	o := c.tlsOpts
	if o.rootsSet {
		cfg.RootCAs = o.roots
	}
	if o.certsSet {
		cfg.Certificates = o.certs
	}
	if o.insecure {
		cfg.InsecureSkipVerify = true
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// explainTLSError names the host whose certificate could not be verified
// (crypto/tls does not), and reports a TLS alert from the server, such as
// its refusal of the client's certificate, as [ErrConnect]: with TLS 1.3
// the server checks the client's certificate after the handshake, so the
// refusal comes with the response instead of while connecting.
//
// Under HTTP/2 net/http reports that refusal as "http2: client conn could
// not be established", with no cause to recognise it by.
func explainTLSError(req *http.Request, err error) error {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return fmt.Errorf("%w: certificate of %s not verified: %w", ErrConnect, req.URL.Hostname(), err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" { // crypto/tls's name for an alert received
		return fmt.Errorf("%w: TLS refused by %s: %w", ErrConnect, req.URL.Hostname(), err)
	}
	return err
}

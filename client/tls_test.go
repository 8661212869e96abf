package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/requests3/requests/client"
)

// getText sends a GET and returns the body, failing the test on error.
func getText(t *testing.T, s *client.Session, u string) string {
	t.Helper()
	resp, err := s.Get(context.Background(), u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	text, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// wantVerifyError checks that err is a certificate verification failure:
// ErrConnect, with a message (the cause, without the request's URL) that
// names host.
func wantVerifyError(t *testing.T, err error, host string) {
	t.Helper()
	var cv *tls.CertificateVerificationError
	if !errors.Is(err, client.ErrConnect) || !errors.As(err, &cv) {
		t.Fatalf("got %v, want ErrConnect from a certificate verification failure", err)
	}
	var re *client.RequestError
	if !errors.As(err, &re) || !strings.Contains(re.Err.Error(), host) {
		t.Errorf("got cause %q, want it to name %s", re.Err, host)
	}
}

// TestRootCAs: test_certificate_failure, test_invalid_ca_certificate_path.
// A session trusts the system's roots, or those it is given.
func TestRootCAs(t *testing.T) {
	eachTLS(t, peerName, nil, func(t *testing.T, srv *httptest.Server) {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		other := newTestCA(t).pool
		caFile := writeFile(t, "ca.pem", certPEM(srv))
		u, _ := url.Parse(srv.URL)
		tests := []struct {
			name string
			opts []client.Option
			ok   bool
		}{
			{"system roots", nil, false},
			{"WithRootCAs", []client.Option{client.WithRootCAs(pool)}, true},
			{"WithRootCAs, another CA", []client.Option{client.WithRootCAs(other)}, false},
			{"WithCAFile", []client.Option{client.WithCAFile(caFile)}, true},
			{"WithRootCAs over WithTLSConfig", []client.Option{client.WithRootCAs(pool), client.WithTLSConfig(&tls.Config{RootCAs: other})}, true},
			{"WithTLSConfig under WithCAFile", []client.Option{client.WithTLSConfig(&tls.Config{RootCAs: other}), client.WithCAFile(caFile)}, true},
			{"WithRootCAs(nil): the system's", []client.Option{client.WithTLSConfig(&tls.Config{RootCAs: pool}), client.WithRootCAs(nil)}, false},
			{"last one wins", []client.Option{client.WithCAFile(caFile), client.WithRootCAs(other)}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := client.NewSession(tt.opts...)
				t.Cleanup(s.Close)
				_, err := s.Get(context.Background(), srv.URL)
				if tt.ok {
					if err != nil {
						t.Fatalf("got %v, want success", err)
					}
					return
				}
				wantVerifyError(t, err, u.Hostname())
			})
		}
	})
}

// TestVerifyErrorNamesHost: the host named is the one the certificate was
// checked for, also when it is a name rather than an address.
func TestVerifyErrorNamesHost(t *testing.T) {
	eachTLS(t, peerName, nil, func(t *testing.T, srv *httptest.Server) {
		d := &dialLog{}
		// A session that dials srv for every name.
		addr := srv.Listener.Addr().String()
		s := client.NewSession(client.WithDialer(func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.dial(ctx, network, addr)
		}))
		t.Cleanup(s.Close)
		_, err := s.Get(context.Background(), "https://untrusted.example.com/")
		wantVerifyError(t, err, "untrusted.example.com")
	})
}

// TestCAFileErrors: test_invalid_ca_certificate_path,
// test_invalid_ssl_certificate_files. Files that cannot be used fail every
// request before any I/O.
func TestCAFileErrors(t *testing.T) {
	missing := t.TempDir() + "/missing.pem"
	notPEM := writeFile(t, "ca.pem", []byte("not a certificate"))
	ca := newTestCA(t)
	_, certData, keyData := ca.clientCert(t, "alice")
	_, _, otherKey := ca.clientCert(t, "bob")
	certFile := writeFile(t, "cert.pem", certData)
	mismatched := writeFile(t, "key.pem", otherKey)
	keyOnly := writeFile(t, "key-only.pem", keyData)
	tests := []struct {
		name     string
		opt      client.Option
		notExist bool
	}{
		{"missing CA file", client.WithCAFile(missing), true},
		{"CA file without certificates", client.WithCAFile(notPEM), false},
		{"missing certificate", client.WithClientCertFile(missing, keyOnly), true},
		{"missing key", client.WithClientCertFile(certFile, missing), true},
		{"key of another certificate", client.WithClientCertFile(certFile, mismatched), false},
		{"no key in the certificate file", client.WithClientCertFile(certFile, ""), false},
	}
	for _, tt := range tests {
		d := &dialLog{fail: true}
		s := client.NewSession(tt.opt, client.WithDialer(d.dial))
		t.Cleanup(s.Close)
		_, err := s.Get(context.Background(), "https://example.com/")
		if !errors.Is(err, client.ErrInvalidRequest) || errors.Is(err, fs.ErrNotExist) != tt.notExist {
			t.Errorf("%s: got %v, want ErrInvalidRequest (and fs.ErrNotExist: %v)", tt.name, err, tt.notExist)
		}
		if dialed := d.take(); len(dialed) != 0 {
			t.Errorf("%s: got %v dialed, want nothing", tt.name, dialed)
		}
	}
}

// TestClientCert: mutual TLS against a server that requires and verifies
// client certificates; test_http_with_certificate (a certificate does not
// disturb plain http).
func TestClientCert(t *testing.T) {
	ca := newTestCA(t)
	cert, certData, keyData := ca.clientCert(t, "alice")
	certFile := writeFile(t, "cert.pem", certData)
	keyFile := writeFile(t, "key.pem", keyData)
	combined := writeFile(t, "combined.pem", append(append([]byte(nil), certData...), keyData...))
	outsider, _, _ := newTestCA(t).clientCert(t, "mallory")
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			cfg := &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool, MaxVersion: version}
			testClientCert(t, cfg, cert, outsider, certFile, keyFile, combined)
		})
	}

	plain := httptest.NewServer(peerName)
	t.Cleanup(plain.Close)
	s := client.NewSession(client.WithClientCert(cert))
	t.Cleanup(s.Close)
	if got := getText(t, s, plain.URL); got != "anonymous" {
		t.Errorf("plain http with a client certificate: got %q, want anonymous", got)
	}
}

func testClientCert(t *testing.T, cfg *tls.Config, cert, outsider tls.Certificate, certFile, keyFile, combined string) {
	eachTLS(t, peerName, cfg, func(t *testing.T, srv *httptest.Server) {
		roots := client.WithRootCAs(certPool(srv))
		tests := []struct {
			name string
			opts []client.Option
			ok   bool
		}{
			{"WithClientCert", []client.Option{client.WithClientCert(cert)}, true},
			{"WithClientCertFile", []client.Option{client.WithClientCertFile(certFile, keyFile)}, true},
			{"one file for both", []client.Option{client.WithClientCertFile(combined, "")}, true},
			{"over WithTLSConfig", []client.Option{client.WithClientCert(cert), client.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{outsider}})}, true},
			{"no certificate", nil, false},
			{"certificate of another CA", []client.Option{client.WithClientCert(outsider)}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := client.NewSession(append([]client.Option{roots}, tt.opts...)...)
				t.Cleanup(s.Close)
				resp, err := s.Get(context.Background(), srv.URL)
				if !tt.ok {
					// With TLS 1.3 the refusal comes after the handshake;
					// net/http's HTTP/2 transport then reports it without
					// a cause, and only that case is not ErrConnect.
					h2late := srv.EnableHTTP2 && cfg.MaxVersion == tls.VersionTLS13
					if err == nil || !h2late && !errors.Is(err, client.ErrConnect) {
						t.Fatalf("got %v, %v; want ErrConnect", resp, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if text, _ := resp.Text(); text != "alice" {
					t.Errorf("the server saw %q, want alice", text)
				}
			})
		}
	})
}

// certPool returns a pool holding srv's certificate.
func certPool(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

// TestMinTLS12: a server that speaks only TLS 1.1 cannot be reached, even
// when the session's configuration allows older versions.
func TestMinTLS12(t *testing.T) {
	old := &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	eachTLS(t, peerName, old, func(t *testing.T, srv *httptest.Server) {
		// The server does speak TLS 1.1, to a client that allows it.
		conn, err := tls.Dial("tcp", srv.Listener.Addr().String(),
			&tls.Config{RootCAs: certPool(srv), MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if err != nil {
			t.Fatalf("a TLS 1.1 client: %v", err)
		}
		conn.Close()
		for _, opts := range [][]client.Option{
			{client.WithRootCAs(certPool(srv))},
			{client.WithTLSConfig(&tls.Config{RootCAs: certPool(srv), MinVersion: tls.VersionTLS10})},
			{client.WithInsecureSkipVerify()},
		} {
			s := client.NewSession(opts...)
			t.Cleanup(s.Close)
			_, err := s.Get(context.Background(), srv.URL)
			if !errors.Is(err, client.ErrConnect) {
				t.Errorf("got %v, want ErrConnect", err)
			}
		}
	})
	// The same server with TLS 1.2 allowed is reached: the failure above
	// is the version's.
	eachTLS(t, peerName, &tls.Config{MaxVersion: tls.VersionTLS12}, func(t *testing.T, srv *httptest.Server) {
		s := client.NewSession(client.WithRootCAs(certPool(srv)))
		t.Cleanup(s.Close)
		getText(t, s, srv.URL)
	})
}

// TestInsecureSkipVerify: verification is off for this session only, and
// the session warns once, however many requests it sends.
func TestInsecureSkipVerify(t *testing.T) {
	eachTLS(t, peerName, nil, func(t *testing.T, srv *httptest.Server) {
		tests := []struct {
			name string
			opts []client.Option
		}{
			{"WithInsecureSkipVerify", []client.Option{client.WithInsecureSkipVerify()}},
			{"WithTLSConfig", []client.Option{client.WithTLSConfig(&tls.Config{InsecureSkipVerify: true})}},
			{"over WithTLSConfig", []client.Option{client.WithInsecureSkipVerify(), client.WithTLSConfig(&tls.Config{})}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				core, logs := observer.New(zapcore.DebugLevel)
				s := client.NewSession(append(tt.opts, client.WithLogger(zap.New(core)))...)
				t.Cleanup(s.Close)
				for range 5 {
					getText(t, s, srv.URL)
				}
				if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 1 {
					t.Errorf("got %d warnings, want 1", n)
				}
				if n := logs.FilterLevelExact(zapcore.DebugLevel).Len(); n != 5 {
					t.Errorf("got %d request entries, want 5", n)
				}
			})
		}
		core, logs := observer.New(zapcore.DebugLevel)
		s := client.NewSession(client.WithRootCAs(certPool(srv)), client.WithLogger(zap.New(core)))
		t.Cleanup(s.Close)
		getText(t, s, srv.URL)
		if n := logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 0 {
			t.Errorf("a verifying session: got %d warnings, want 0", n)
		}
	})
}

// TestTLSSettingsPerSession: CVE-2024-35195,
// test_different_connection_pool_for_tls_settings_verify_True,
// _verify_bundle_expired_cert, _verify_bundle_unexpired_cert, _mtls_settings.
// A connection opened with one session's TLS settings never serves another
// session's requests, even to the same server, in whatever order they run.
func TestTLSSettingsPerSession(t *testing.T) {
	ca := newTestCA(t)
	cert, _, _ := ca.clientCert(t, "alice")
	mtls := &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: ca.pool}
	eachTLS(t, peerName, mtls, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		insecure := client.NewSession(client.WithInsecureSkipVerify())
		t.Cleanup(insecure.Close)
		verifying := client.NewSession()
		t.Cleanup(verifying.Close)
		bundle := client.NewSession(client.WithRootCAs(certPool(srv)))
		t.Cleanup(bundle.Close)
		otherBundle := client.NewSession(client.WithRootCAs(ca.pool))
		t.Cleanup(otherBundle.Close)
		withCert := client.NewSession(client.WithRootCAs(certPool(srv)), client.WithClientCert(cert))
		t.Cleanup(withCert.Close)
		// The same pattern twice: each session's own connection is pooled
		// by the time the others run again.
		for round := range 2 {
			if got := getText(t, insecure, srv.URL); got != "anonymous" {
				t.Errorf("round %d: insecure: got %q", round, got)
			}
			_, err := verifying.Get(ctx, srv.URL)
			wantVerifyError(t, err, "127.0.0.1")
			if got := getText(t, withCert, srv.URL); got != "alice" {
				t.Errorf("round %d: with a certificate: got %q, want alice", round, got)
			}
			if got := getText(t, bundle, srv.URL); got != "anonymous" {
				t.Errorf("round %d: bundle: got %q, want anonymous (no certificate of another session)", round, got)
			}
			_, err = otherBundle.Get(ctx, srv.URL)
			wantVerifyError(t, err, "127.0.0.1")
		}
	})
}

// TestTLSConfigCopied: WithTLSConfig copies the configuration, so a change
// to it after NewSession does not reach the session.
func TestTLSConfigCopied(t *testing.T) {
	eachTLS(t, peerName, nil, func(t *testing.T, srv *httptest.Server) {
		cfg := &tls.Config{}
		s := client.NewSession(client.WithTLSConfig(cfg))
		t.Cleanup(s.Close)
		cfg.InsecureSkipVerify = true
		cfg.RootCAs = certPool(srv)
		_, err := s.Get(context.Background(), srv.URL)
		wantVerifyError(t, err, "127.0.0.1")
	})
}

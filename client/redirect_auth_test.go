package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/requests3/requests/client"
)

// A credSource is one way a caller gives credentials.
type credSource struct {
	name   string
	header string // the header that carries them
	value  string // its value at the origin
	sess   []client.Option
	req    []client.RequestOption
	user   bool // given as userinfo in the URL
}

var credSources = []credSource{
	{name: "BasicAuth", header: "Authorization", value: "Basic dTpw",
		req: []client.RequestOption{client.BasicAuth("u", "p")}},
	{name: "BearerAuth", header: "Authorization", value: "Bearer tok",
		req: []client.RequestOption{client.BearerAuth("tok")}},
	{name: "session WithAuth", header: "Authorization", value: "Basic dTpw",
		sess: []client.Option{client.WithAuth(client.BasicAuth("u", "p"))}},
	{name: "URL userinfo", header: "Authorization", value: "Basic dTpw", user: true},
	{name: "hand-set Authorization", header: "Authorization", value: "Token secret",
		req: []client.RequestOption{client.Header{"Authorization": "Token secret"}}},
	{name: "hand-set Proxy-Authorization", header: "Proxy-Authorization", value: "Basic cHJveHk6c2VjcmV0",
		req: []client.RequestOption{client.Header{"Proxy-Authorization": "Basic cHJveHk6c2VjcmV0"}}},
}

// A credCase is a redirect chain and, for each hop, whether the
// credentials of the first request may be sent there.
type credCase struct {
	name string
	hops []string
	want []bool
}

// checkCredentials follows each chain, with 302 and with 307, for every
// source of credentials, and checks which hops received them.
func checkCredentials(t *testing.T, cases []credCase) {
	t.Helper()
	sc := &script{}
	eachSite(t, sc, func(t *testing.T, st site) {
		for _, src := range credSources {
			t.Run(src.name, func(t *testing.T) {
				s := st.session(t, src.sess...)
				for _, tc := range cases {
					for _, code := range []int{302, 307} {
						hops := append([]string(nil), tc.hops...)
						if src.user {
							hops[0] = strings.Replace(hops[0], "://", "://u:p@", 1)
						}
						sc.take()
						_, err := s.Get(context.Background(), chain(code, hops...), src.req...)
						if err != nil {
							t.Fatalf("%s (%d): %v", tc.name, code, err)
						}
						reqs := sc.take()
						if len(reqs) != len(tc.want) {
							t.Fatalf("%s (%d): got %d requests, want %d", tc.name, code, len(reqs), len(tc.want))
						}
						for i, r := range reqs {
							want := ""
							if tc.want[i] {
								want = src.value
							}
							if got := r.Header.Get(src.header); got != want {
								t.Errorf("%s (%d): hop %d to %s: got %s %q, want %q", tc.name, code, i, urlsOf(reqs)[i], src.header, got, want)
							}
							for _, h := range []string{"Authorization", "Proxy-Authorization"} {
								if h != src.header && r.Header.Get(h) != "" {
									t.Errorf("%s (%d): hop %d: got %s %q, want none", tc.name, code, i, h, r.Header.Get(h))
								}
							}
						}
					}
				}
			})
		}
	})
}

// TestRedirectCredentialsDroppedOnHostChange: test_should_strip_auth_host_change,
// CVE-2014-1829, CVE-2014-1830, CVE-2023-45289, CVE-2025-4673.
func TestRedirectCredentialsDroppedOnHostChange(t *testing.T) {
	checkCredentials(t, []credCase{
		{"other host", []string{"http://example.com/a", "http://other.example.com/b"}, []bool{true, false}},
		{"other host over TLS", []string{"https://example.com/a", "https://www.example.com/b"}, []bool{true, false}},
		{"parent domain", []string{"http://api.example.com/a", "http://example.com/b"}, []bool{true, false}},
		{"other domain", []string{"http://example.com/a", "http://example.org/b"}, []bool{true, false}},
		{"IPv6 zone that looks like a subdomain", []string{"http://example.com/a", "http://[::1%25.example.com]/b"}, []bool{true, false}},
		{"trailing dot", []string{"http://example.com/a", "http://example.com./b"}, []bool{true, false}},
	})
}

// TestRedirectCredentialsDroppedOnDowngrade: test_auth_is_stripped_on_http_downgrade,
// test_should_strip_auth_http_downgrade, CVE-2018-18074.
func TestRedirectCredentialsDroppedOnDowngrade(t *testing.T) {
	checkCredentials(t, []credCase{
		{"https to http", []string{"https://example.com/a", "http://example.com/b"}, []bool{true, false}},
		{"explicit default ports", []string{"https://example.com:443/a", "http://example.com:80/b"}, []bool{true, false}},
	})
}

// TestRedirectCredentialsDroppedOnPortChange: test_should_strip_auth_port_change,
// the stripping half of test_should_strip_auth_https_upgrade, and aiohttp's
// GHSA-c688-4x73-hg84.
func TestRedirectCredentialsDroppedOnPortChange(t *testing.T) {
	checkCredentials(t, []credCase{
		{"http port", []string{"http://example.com/a", "http://example.com:8080/b"}, []bool{true, false}},
		{"https port", []string{"https://example.com/a", "https://example.com:8443/b"}, []bool{true, false}},
		{"back to the default port", []string{"https://example.com:8443/a", "https://example.com/b"}, []bool{true, false}},
		{"upgrade between other ports", []string{"http://example.com:8080/a", "https://example.com:8443/b"}, []bool{true, false}},
		{"upgrade to another port", []string{"http://example.com/a", "https://example.com:8443/b"}, []bool{true, false}},
		{"upgrade from another port", []string{"http://example.com:8080/a", "https://example.com/b"}, []bool{true, false}},
	})
}

// TestRedirectCredentialsKeptOnSameHost: test_auth_is_retained_for_redirect_on_host.
func TestRedirectCredentialsKeptOnSameHost(t *testing.T) {
	checkCredentials(t, []credCase{
		{"same host", []string{"http://example.com/a", "http://example.com/b", "http://example.com/c"}, []bool{true, true, true}},
		{"same host over TLS", []string{"https://example.com/a", "https://example.com/b"}, []bool{true, true}},
		{"same host, other case", []string{"http://EXAMPLE.COM/a", "http://example.com/b"}, []bool{true, true}},
		{"relative location", []string{"http://example.com/dir/a", "b"}, []bool{true, true}},
		{"same host, other port", []string{"http://example.com:8080/a", "http://example.com:8080/b"}, []bool{true, true}},
	})
}

// TestRedirectCredentialsKeptOnUpgrade: the keeping half of
// test_should_strip_auth_https_upgrade: http on port 80 to https on port
// 443 of the same host.
func TestRedirectCredentialsKeptOnUpgrade(t *testing.T) {
	checkCredentials(t, []credCase{
		{"default ports", []string{"http://example.com/a", "https://example.com/b"}, []bool{true, true}},
		{"explicit default ports", []string{"http://example.com:80/a", "https://example.com:443/b"}, []bool{true, true}},
		{"and on over TLS", []string{"http://example.com/a", "https://example.com/b", "https://example.com/c"}, []bool{true, true, true}},
	})
}

// TestRedirectCredentialsDefaultPorts: test_should_strip_auth_default_port.
// An explicit default port is the same origin as none.
func TestRedirectCredentialsDefaultPorts(t *testing.T) {
	checkCredentials(t, []credCase{
		{"https :443 to none", []string{"https://example.com:443/a", "https://example.com/b"}, []bool{true, true}},
		{"https none to :443", []string{"https://example.com/a", "https://example.com:443/b"}, []bool{true, true}},
		{"http :80 to none", []string{"http://example.com:80/a", "http://example.com/b"}, []bool{true, true}},
		{"http none to :80", []string{"http://example.com/a", "http://example.com:80/b"}, []bool{true, true}},
	})
}

// TestRedirectCredentialsStayStripped: CVE-2024-45336. Once a redirect has
// left the origin, no later hop gets the credentials back, even one that
// returns to the origin.
func TestRedirectCredentialsStayStripped(t *testing.T) {
	checkCredentials(t, []credCase{
		{"host and back", []string{"http://example.com/a", "http://other.example.com/b", "http://example.com/c"}, []bool{true, false, false}},
		{"host, host, back", []string{"https://example.com/a", "https://other.example.com/b", "https://other.example.com/c", "https://example.com/d"}, []bool{true, false, false, false}},
		{"downgrade and back", []string{"https://example.com/a", "http://example.com/b", "https://example.com/c"}, []bool{true, false, false}},
		{"port and back", []string{"http://example.com/a", "http://example.com:8080/b", "http://example.com/c"}, []bool{true, false, false}},
		{"upgrade, then downgrade", []string{"http://example.com/a", "https://example.com/b", "http://example.com/c"}, []bool{true, true, false}},
	})
}

// TestRedirectCredentialsOwnTransport runs the host rule through the
// session's own transport and real name resolution: 127.0.0.1 and
// localhost are the same server under two host names.
func TestRedirectCredentialsOwnTransport(t *testing.T) {
	sc := &script{}
	eachProto(t, sc, func(t *testing.T, srv server) {
		var opts []client.Option
		if srv.Certificate() != nil {
			// The test certificate does not name localhost: verify it as
			// example.com, which it does name, whatever host was dialled.
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			opts = append(opts, client.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "example.com"}))
		}
		s := client.NewSession(opts...)
		t.Cleanup(s.Close)
		ip := srv.URL
		local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		tests := []credCase{
			{"same host", []string{ip + "/a", ip + "/b"}, []bool{true, true}},
			{"other host name", []string{ip + "/a", local + "/b"}, []bool{true, false}},
			{"and back", []string{ip + "/a", local + "/b", ip + "/c"}, []bool{true, false, false}},
		}
		for _, tt := range tests {
			sc.take()
			_, err := s.Get(context.Background(), chain(302, tt.hops...), client.BasicAuth("u", "p"),
				client.Header{"Proxy-Authorization": "Basic eA=="})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			reqs := sc.take()
			if len(reqs) != len(tt.want) {
				t.Fatalf("%s: got %d requests, want %d", tt.name, len(reqs), len(tt.want))
			}
			for i, r := range reqs {
				got := r.Header.Get("Authorization") != "" || r.Header.Get("Proxy-Authorization") != ""
				if got != tt.want[i] {
					t.Errorf("%s: hop %d to %s: got credentials %v, want %v", tt.name, i, urlsOf(reqs)[i], got, tt.want[i])
				}
			}
		}
	})
}

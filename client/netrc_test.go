package client_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/requests3/requests/client"
)

// writeNetrc writes a netrc file in a new temporary directory and points
// NETRC at it.
func writeNetrc(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETRC", path)
	return path
}

// TestNetrcBasicAuth is test_basicauth_with_netrc: .netrc credentials are
// used only when nothing else gives credentials.
func TestNetrcBasicAuth(t *testing.T) {
	writeNetrc(t, "machine 127.0.0.1 login user password pass\n")
	eachProto3(t, httpbinHandler, func(t *testing.T, srv server) {
		ctx := context.Background()
		u := srv.URL + "/basic-auth/user/pass"
		wrongURL := strings.Replace(srv.URL, "://", "://wronguser:wrongpass@", 1) + "/basic-auth/user/pass"
		tests := []struct {
			name       string
			url        string
			session    []client.Option
			request    []client.RequestOption
			wantStatus int
		}{
			{"netrc used", u, nil, nil, 200},
			{"request auth wins", u, nil, []client.RequestOption{client.BasicAuth("wronguser", "wrongpass")}, 401},
			{"session auth wins", u, []client.Option{client.BasicAuth("wronguser", "wrongpass")}, nil, 401},
			{"URL userinfo wins", wrongURL, nil, nil, 401},
			{"UseAuth(nil) sends none", u, nil, []client.RequestOption{client.UseAuth(nil)}, 401},
			{"WithoutNetrc", u, []client.Option{client.WithoutNetrc()}, nil, 401},
			{"NetrcAuth given explicitly", u, []client.Option{client.WithoutNetrc()},
				[]client.RequestOption{client.NetrcAuth(os.Getenv("NETRC"))}, 200},
			{"NetrcAuth as session auth", u, []client.Option{client.WithoutNetrc(), client.NetrcAuth("")}, nil, 200},
		}
		for _, tt := range tests {
			resp, err := srv.session(t, tt.session...).Get(ctx, tt.url, tt.request...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s: got status %d, want %d", tt.name, resp.StatusCode, tt.wantStatus)
			}
		}
	})
}

// TestNetrcHome: without NETRC, ~/.netrc is read.
func TestNetrcHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("NETRC", "")
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	if err := os.WriteFile(filepath.Join(home, ".netrc"), []byte("machine 127.0.0.1 login user password pass"), 0o600); err != nil {
		t.Fatal(err)
	}
	eachProto3(t, httpbinHandler, func(t *testing.T, srv server) {
		resp, err := srv.session(t).Get(context.Background(), srv.URL+"/basic-auth/user/pass")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Errorf("got status %d, want 200", resp.StatusCode)
		}
	})
}

// TestNetrcHostMatch is TestGetNetrcAuth.test_works,
// test_not_vulnerable_to_bad_url_parsing, test_basicauth_with_netrc_leak
// (CVE-2024-47081) and test_empty_default_credentials_ignored: the entry is
// chosen by the host the request really goes to, the parsed URL's host name.
func TestNetrcHostMatch(t *testing.T) {
	seen := &authSeen{}
	eachProto(t, seen, func(t *testing.T, srv server) {
		writeNetrc(t, "machine example.com\nlogin wronguser\npassword wrongpass\nmachine 127.0.0.1 login user password pass\ndefault\n")
		ctx := context.Background()
		s := anyHostSession(t, srv)
		u := srv.URL[:strings.Index(srv.URL, "://")+3]
		port := srv.URL[strings.LastIndex(srv.URL, ":"):]
		tests := []struct {
			name     string
			url      string
			wantHost string
			want     string
		}{
			{"works", srv.at("example.com") + "/", "example.com", basic("wronguser", "wrongpass")},
			{"host name case", u + "EXAMPLE.COM" + port + "/", "example.com", basic("wronguser", "wrongpass")},
			{"other host", srv.at("127.0.0.1") + "/", "127.0.0.1", basic("user", "pass")},
			// The URL's own userinfo "example.com:" is sent, never the
			// credentials of example.com.
			{"userinfo names another host", u + "example.com:@127.0.0.1" + port + "/", "127.0.0.1", basic("example.com", "")},
			{"fragment names another host", srv.at("127.0.0.1") + "/#@example.com/", "127.0.0.1", basic("user", "pass")},
			{"query names another host", srv.at("127.0.0.1") + "/?@example.com", "127.0.0.1", basic("user", "pass")},
			{"empty default ignored", u + "[::1]" + port + "/", "::1", ""},
		}
		for _, tt := range tests {
			n := len(seen.log())
			if _, err := s.Get(ctx, tt.url); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := seen.log()[n]
			host, auth, _ := strings.Cut(got, " ")
			if strings.Trim(host, "[]") != tt.wantHost || auth != tt.want {
				t.Errorf("%s: server saw host %q with %q, want %q with %q", tt.name, host, auth, tt.wantHost, tt.want)
			}
		}
	})
}

// TestNetrcRedirect is CVE-2014-1829 and Requests' rebuild_auth: netrc
// credentials are looked up again for each hop's host, so one host's never
// reach another; explicit credentials are dropped for good once a
// redirect leaves the origin.
func TestNetrcRedirect(t *testing.T) {
	seen := &authSeen{}
	eachProto(t, seen, func(t *testing.T, srv server) {
		writeNetrc(t, "machine example.com login alice password a\nmachine 127.0.0.1 login bob password b\n")
		ctx := context.Background()
		s := anyHostSession(t, srv)
		ex, lo := srv.at("example.com"), srv.at("127.0.0.1")
		back := lo + "/?to=" + ex + "/end"
		tests := []struct {
			name string
			url  string
			opts []client.RequestOption
			want []string
		}{
			{"netrc follows the host", ex + "/?to=" + lo + "/next", nil,
				[]string{"example.com " + basic("alice", "a"), "127.0.0.1 " + basic("bob", "b")}},
			{"and back", ex + "/?to=" + url.QueryEscape(back), nil,
				[]string{"example.com " + basic("alice", "a"), "127.0.0.1 " + basic("bob", "b"), "example.com " + basic("alice", "a")}},
			{"explicit auth is not sent on", ex + "/?to=" + lo + "/next", []client.RequestOption{client.BasicAuth("carol", "c")},
				[]string{"example.com " + basic("carol", "c"), "127.0.0.1 "}},
			{"same host keeps explicit auth", ex + "/?to=/next", []client.RequestOption{client.BasicAuth("carol", "c")},
				[]string{"example.com " + basic("carol", "c"), "example.com " + basic("carol", "c")}},
			// Unlike Requests, netrc does not replace an Authorization
			// header set by hand; that header is not sent to another host.
			{"Authorization set by hand wins and is not sent on", ex + "/?to=" + lo + "/next",
				[]client.RequestOption{client.Header{"Authorization": "Bearer hand-set"}},
				[]string{"example.com Bearer hand-set", "127.0.0.1 "}},
			{"Authorization set by hand is kept on the same host", ex + "/?to=/next",
				[]client.RequestOption{client.Header{"Authorization": "Bearer hand-set"}},
				[]string{"example.com Bearer hand-set", "example.com Bearer hand-set"}},
		}
		for _, tt := range tests {
			n := len(seen.log())
			if _, err := s.Get(ctx, tt.url, tt.opts...); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := seen.log()[n:]; !slices.Equal(got, tt.want) {
				t.Errorf("%s: server saw %q, want %q", tt.name, got, tt.want)
			}
		}
	})
}

// TestNetrcNotAfterDowngrade: once a redirect goes from https to http, no
// netrc credentials are sent, even to a host the file names.
func TestNetrcNotAfterDowngrade(t *testing.T) {
	seen := &authSeen{}
	plain := httptest.NewServer(seen)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(seen)
	t.Cleanup(secure.Close)
	writeNetrc(t, "machine 127.0.0.1 login bob password b\n")
	s := server{secure, "HTTP/1.1"}.session(t)
	resp, err := s.Get(context.Background(), secure.URL+"/?to="+plain.URL+"/plain")
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL.Scheme != "http" {
		t.Fatalf("ended at %s, want the http server", resp.URL)
	}
	want := []string{"127.0.0.1 " + basic("bob", "b"), "127.0.0.1 "}
	if got := seen.log(); !slices.Equal(got, want) {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

// TestNetrcFileChanges: the file is parsed once, and again when it
// changes.
func TestNetrcFileChanges(t *testing.T) {
	t.Cleanup(client.SetNetrcRecheck(0)) // look at the file on every request
	seen := &authSeen{}
	srv := httptest.NewServer(seen)
	t.Cleanup(srv.Close)
	path := writeNetrc(t, "machine 127.0.0.1 login one password 1\n")
	s := server{srv, "HTTP/1.1"}.session(t)
	get := func() string {
		t.Helper()
		n := len(seen.log())
		if _, err := s.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		_, auth, _ := strings.Cut(seen.log()[n], " ")
		return auth
	}
	if got, want := get(), basic("one", "1"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// A longer file.
	if err := os.WriteFile(path, []byte("machine 127.0.0.1 login two password 22\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := get(), basic("two", "22"); got != want {
		t.Errorf("after a rewrite: got %q, want %q", got, want)
	}
	// The same size, a new modification time.
	if err := os.WriteFile(path, []byte("machine 127.0.0.1 login six password 66\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	if got, want := get(), basic("six", "66"); got != want {
		t.Errorf("after a same-size rewrite: got %q, want %q", got, want)
	}
	// Removed: no credentials.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "" {
		t.Errorf("after removal: got %q, want none", got)
	}
}

// TestNetrcRecheck: the default file is looked at again only once the
// last look is older than the recheck interval, or at once when $NETRC
// points elsewhere.
func TestNetrcRecheck(t *testing.T) {
	t.Cleanup(client.SetNetrcRecheck(time.Hour))
	seen := &authSeen{}
	srv := httptest.NewServer(seen)
	t.Cleanup(srv.Close)
	s := server{srv, "HTTP/1.1"}.session(t)
	get := func() string {
		t.Helper()
		n := len(seen.log())
		if _, err := s.Get(context.Background(), srv.URL); err != nil {
			t.Fatal(err)
		}
		_, auth, _ := strings.Cut(seen.log()[n], " ")
		return auth
	}
	path := writeNetrc(t, "machine 127.0.0.1 login one password 1\n")
	if got, want := get(), basic("one", "1"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := os.WriteFile(path, []byte("machine 127.0.0.1 login two password 22\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := get(), basic("one", "1"); got != want {
		t.Errorf("rewritten within the interval: got %q, want the last look's %q", got, want)
	}
	writeNetrc(t, "machine 127.0.0.1 login three password 333\n")
	if got, want := get(), basic("three", "333"); got != want {
		t.Errorf("after $NETRC changed: got %q, want %q", got, want)
	}
}

// TestNetrcErrors: a netrc file named explicitly must be readable and
// well-formed; the one a session reads by itself is skipped if it is not.
func TestNetrcErrors(t *testing.T) {
	seen := &authSeen{}
	srv := httptest.NewServer(seen)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("login user password secret123\n"), 0o600)
	missing := filepath.Join(dir, "missing")
	ctx := context.Background()
	tests := []struct {
		name    string
		env     string
		opts    []client.RequestOption
		wantErr []error
	}{
		{"explicit missing", "", []client.RequestOption{client.NetrcAuth(missing)}, []error{client.ErrAuth, fs.ErrNotExist}},
		{"explicit malformed", "", []client.RequestOption{client.NetrcAuth(bad)}, []error{client.ErrAuth}},
		{"default location malformed", bad, []client.RequestOption{client.NetrcAuth("")}, []error{client.ErrAuth}},
		{"default location missing", missing, []client.RequestOption{client.NetrcAuth("")}, nil},
		{"automatic missing", missing, nil, nil},
		{"automatic malformed", bad, nil, nil},
	}
	for _, tt := range tests {
		t.Setenv("NETRC", tt.env)
		s := server{srv, "HTTP/1.1"}.session(t)
		n := len(seen.log())
		_, err := s.Get(ctx, srv.URL, tt.opts...)
		for _, want := range tt.wantErr {
			if !errors.Is(err, want) {
				t.Errorf("%s: got %v, want %v", tt.name, err, want)
			}
		}
		if tt.wantErr == nil && err != nil {
			t.Errorf("%s: got %v, want no error", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret123") {
			t.Errorf("%s: error %q shows the file's contents", tt.name, err)
		}
		if sent := len(seen.log()) - n; (err == nil) != (sent == 1) {
			t.Errorf("%s: %d requests sent with error %v", tt.name, sent, err)
		}
	}
}

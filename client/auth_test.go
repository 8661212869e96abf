package client_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/requests3/requests/client"
)

// TestBasicAuth is test_BASICAUTH_TUPLE_HTTP_200_OK_GET (credentials on the
// request or the session) and test_set_basicauth with UTF-8 names: a user
// name and password are sent as UTF-8 (RFC 7617), not Latin-1.
func TestBasicAuth(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		ctx := context.Background()
		tests := []struct {
			name       string
			user, pass string // expected by the server
			session    []client.Option
			request    []client.RequestOption
			wantStatus int
		}{
			{"request", "user", "pass", nil, []client.RequestOption{client.BasicAuth("user", "pass")}, 200},
			{"session", "user", "pass", []client.Option{client.BasicAuth("user", "pass")}, nil, 200},
			{"WithAuth", "user", "pass", []client.Option{client.WithAuth(client.BasicAuth("user", "pass"))}, nil, 200},
			{"UseAuth", "user", "pass", nil, []client.RequestOption{client.UseAuth(client.BasicAuth("user", "pass"))}, 200},
			{"none", "user", "pass", nil, nil, 401},
			{"wrong", "user", "pass", nil, []client.RequestOption{client.BasicAuth("user", "nope")}, 401},
			{"request replaces session", "user", "pass", []client.Option{client.BasicAuth("user", "nope")},
				[]client.RequestOption{client.BasicAuth("user", "pass")}, 200},
			{"UseAuth(nil) drops session's", "user", "pass", []client.Option{client.BasicAuth("user", "pass")},
				[]client.RequestOption{client.UseAuth(nil)}, 401},
			{"UTF-8", "имя", "пароль€", nil, []client.RequestOption{client.BasicAuth("имя", "пароль€")}, 200},
			{"colon in password", "user", "a:b", nil, []client.RequestOption{client.BasicAuth("user", "a:b")}, 200},
		}
		for _, tt := range tests {
			s := srv.session(t, append([]client.Option{client.WithoutNetrc()}, tt.session...)...)
			u := srv.URL + "/basic-auth/" + url.PathEscape(tt.user) + "/" + url.PathEscape(tt.pass)
			resp, err := s.Get(ctx, u, tt.request...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s: got status %d, want %d", tt.name, resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				if r, _ := client.DecodeJSON[authResult](resp); r.User != tt.user {
					t.Errorf("%s: server saw user %q, want %q", tt.name, r.User, tt.user)
				}
			}
		}
	})
}

// TestURLUserinfo is test_get_auth_from_url: credentials in the URL are
// percent-decoded and sent as basic auth, unless the request or session
// has its own; they never stay in the URL that is sent or reported.
func TestURLUserinfo(t *testing.T) {
	seen := &authSeen{}
	eachProto(t, seen, func(t *testing.T, srv server) {
		ctx := context.Background()
		withUser := func(userinfo string) string {
			return strings.Replace(srv.URL, "://", "://"+userinfo+"@", 1) + "/path"
		}
		tests := []struct {
			name    string
			url     string
			session []client.Option
			request []client.RequestOption
			want    string
		}{
			{"percent-decoded", withUser("user:pass%23pass"), nil, nil, basic("user", "pass#pass")},
			{"UTF-8", withUser("%D0%B8%D0%BC%D1%8F:p%C3%A4ss"), nil, nil, basic("имя", "päss")},
			{"user only", withUser("user"), nil, nil, basic("user", "")},
			{"password only", withUser(":secret"), nil, nil, basic("", "secret")},
			{"empty userinfo sends nothing", withUser(""), nil, nil, ""},
			{"empty user and password send nothing", withUser(":"), nil, nil, ""},
			{"request auth wins", withUser("user:url"), nil, []client.RequestOption{client.BasicAuth("user", "explicit")},
				basic("user", "explicit")},
			{"session auth wins", withUser("user:url"), []client.Option{client.BasicAuth("user", "session")}, nil,
				basic("user", "session")},
			{"after UseAuth(nil) the URL's are used", withUser("user:url"),
				[]client.Option{client.BasicAuth("user", "session")}, []client.RequestOption{client.UseAuth(nil)},
				basic("user", "url")},
		}
		for _, tt := range tests {
			s := srv.session(t, append([]client.Option{client.WithoutNetrc()}, tt.session...)...)
			n := len(seen.log())
			resp, err := s.Get(ctx, tt.url, tt.request...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := seen.log()[n]
			if _, auth, _ := strings.Cut(got, " "); auth != tt.want {
				t.Errorf("%s: server saw Authorization %q, want %q", tt.name, auth, tt.want)
			}
			if resp.URL.User != nil || resp.Request.URL.User != nil {
				t.Errorf("%s: response URL %s keeps the userinfo", tt.name, resp.URL.Redacted())
			}
		}
	})
}

// TestBearerAuth: a fixed token is sent as "Bearer TOKEN".
func TestBearerAuth(t *testing.T) {
	eachProto(t, httpbinHandler, func(t *testing.T, srv server) {
		ctx := context.Background()
		resp, err := srv.session(t).Get(ctx, srv.URL+"/bearer", client.BearerAuth("t0k3n"))
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := client.DecodeJSON[authResult](resp); resp.StatusCode != 200 || r.Token != "t0k3n" {
			t.Errorf("got %d %+v, want 200 with token t0k3n", resp.StatusCode, r)
		}
		resp, err = srv.session(t, client.BearerAuth("t0k3n")).Get(ctx, srv.URL+"/bearer")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("session bearer: got %v, %v; want 200", resp, err)
		}
		resp, err = srv.session(t).Get(ctx, srv.URL+"/bearer")
		if err != nil || resp.StatusCode != 401 {
			t.Errorf("no token: got %v, %v; want 401", resp, err)
		}
	})
}

// TestAuthStringsHideSecrets: printing credentials never shows a secret.
func TestAuthStringsHideSecrets(t *testing.T) {
	for _, a := range []client.AuthOption{
		client.BasicAuth("user", "s3cret"),
		client.BearerAuth("s3cret"),
		client.DigestAuth("user", "s3cret"),
		client.NetrcAuth("/home/user/.netrc"),
		client.TokenSourceAuth(nil),
	} {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			if s := fmt.Sprintf(verb, a); strings.Contains(s, "s3cret") {
				t.Errorf("%s of %T = %q, shows the secret", verb, a, s)
			}
		}
	}
}

// toyAuth is a made-up scheme that shows a Challenger written outside the
// package: the server sends a nonce, the client answers with an HMAC of
// the nonce and the request path under a shared key.
type toyAuth struct{ key string }

func (toyAuth) Apply(*http.Request) error { return nil } // nothing until challenged

func (a toyAuth) Challenge(resp *http.Response, retry *http.Request) (bool, error) {
	for _, c := range client.ParseChallenges(resp.Header.Values("WWW-Authenticate")) {
		if strings.EqualFold(c.Scheme, "Toy") && c.Params["nonce"] != "" {
			retry.Header.Set("Authorization", "Toy "+toyMAC(a.key, c.Params["nonce"], retry.URL.Path))
			return true, nil
		}
	}
	return false, nil
}

func toyMAC(key, nonce, path string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(nonce + " " + path))
	return hex.EncodeToString(m.Sum(nil))
}

// toyServer accepts a request whose Authorization answers its nonce.
func toyServer(key string, hits *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		const nonce = "n-42"
		if r.Header.Get("Authorization") != "Toy "+toyMAC(key, nonce, r.URL.Path) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x", Toy nonce="`+nonce+`"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "welcome")
	})
}

// TestCustomChallenger: user code can answer a 401 through the Challenger
// interface, on a request or for a whole session.
func TestCustomChallenger(t *testing.T) {
	var hits atomic.Int64
	eachProto(t, toyServer("k", &hits), func(t *testing.T, srv server) {
		ctx := context.Background()
		tests := []struct {
			name       string
			s          *client.Session
			opts       []client.RequestOption
			wantStatus int
			wantHits   int64
		}{
			{"request", srv.session(t), []client.RequestOption{client.UseAuth(toyAuth{"k"})}, 200, 2},
			{"session", srv.session(t, client.WithAuth(toyAuth{"k"})), nil, 200, 2},
			{"wrong key", srv.session(t), []client.RequestOption{client.UseAuth(toyAuth{"bad"})}, 401, 2},
			{"no auth", srv.session(t), nil, 401, 1},
		}
		for _, tt := range tests {
			hits.Store(0)
			resp, err := tt.s.Get(ctx, srv.URL+"/area", tt.opts...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if resp.StatusCode != tt.wantStatus || hits.Load() != tt.wantHits {
				t.Errorf("%s: got %d after %d requests, want %d after %d",
					tt.name, resp.StatusCode, hits.Load(), tt.wantStatus, tt.wantHits)
			}
		}
	})
}

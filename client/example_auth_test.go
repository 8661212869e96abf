package client_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"golang.org/x/oauth2"

	"github.com/requests3/requests/client"
)

func ExampleBasicAuth() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/basic-auth/alice/s3cret", client.BasicAuth("alice", "s3cret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
	// Output: 200 OK
}

func ExampleDigestAuth() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	// As a session option, the credentials answer the first challenge and
	// are then sent with later requests at once, without a 401 round trip.
	s := client.NewSession(client.DigestAuth("alice", "s3cret"))
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/digest-auth/auth/alice/s3cret/SHA-256")
	if err != nil {
		fmt.Println(err)
		return
	}
	var body struct {
		Authenticated bool   `json:"authenticated"`
		User          string `json:"user"`
	}
	resp.JSON(&body)
	fmt.Println(resp.Status, body.User, body.Authenticated)
	// Output: 200 OK alice true
}

func ExampleBearerAuth() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	s := client.NewSession(client.BearerAuth("my-api-token"))
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/bearer")
	if err != nil {
		fmt.Println(err)
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	resp.JSON(&body)
	fmt.Println(resp.Status, body.Token)
	// Output: 200 OK my-api-token
}

func ExampleTokenSourceAuth() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()

	// Any oauth2.TokenSource works, such as one from oauth2.Config or
	// golang.org/x/oauth2/clientcredentials. ReuseTokenSource keeps a token
	// until it expires and then asks the underlying source for a new one.
	ts := oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "from-the-source"}))
	s := client.NewSession(client.TokenSourceAuth(ts))
	defer s.Close()

	resp, err := s.Get(context.Background(), srv.URL+"/bearer")
	if err != nil {
		fmt.Println(err)
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	resp.JSON(&body)
	fmt.Println(resp.Status, body.Token)
	// Output: 200 OK from-the-source
}

func ExampleNetrcAuth() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()

	dir, _ := os.MkdirTemp("", "netrc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "netrc")
	os.WriteFile(path, []byte(`
# Credentials are chosen by the host name of each request's URL.
machine 127.0.0.1
    login alice
    password "s3cret with spaces"
machine api.example.com login bob password hunter2
`), 0o600)

	s := client.NewSession(client.NetrcAuth(path))
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL+"/basic-auth/alice/s3cret%20with%20spaces")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
	// Output: 200 OK
}

func ExampleWithoutNetrc() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()

	// A session reads the file named by $NETRC, or ~/.netrc, by itself for
	// a request that has no credentials of its own.
	dir, _ := os.MkdirTemp("", "netrc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "netrc")
	os.WriteFile(path, []byte("machine 127.0.0.1 login alice password s3cret\n"), 0o600)
	old, had := os.LookupEnv("NETRC")
	os.Setenv("NETRC", path)
	defer func() {
		if had {
			os.Setenv("NETRC", old)
		} else {
			os.Unsetenv("NETRC")
		}
	}()

	ctx := context.Background()
	for _, s := range []*client.Session{client.NewSession(), client.NewSession(client.WithoutNetrc())} {
		resp, err := s.Get(ctx, srv.URL+"/basic-auth/alice/s3cret")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(resp.Status)
		s.Close()
	}
	// Output:
	// 200 OK
	// 401 Unauthorized
}

func ExampleParseChallenges() {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Basic realm="simple", Digest realm="api, v2", qop="auth,auth-int", nonce="7ypf", algorithm=SHA-256`)
	for _, c := range client.ParseChallenges(h.Values("WWW-Authenticate")) {
		fmt.Printf("%s realm=%q qop=%q\n", c.Scheme, c.Params["realm"], c.Params["qop"])
	}
	// Output:
	// Basic realm="simple" qop=""
	// Digest realm="api, v2" qop="auth,auth-int"
}

// hmacAuth answers a made-up "HMAC" challenge: the server sends a nonce,
// the client returns an HMAC of it under a shared key.
type hmacAuth struct{ key []byte }

// Apply sends nothing up front: credentials are computed per challenge.
func (a hmacAuth) Apply(*http.Request) error { return nil }

// Challenge answers a 401 that carries an HMAC challenge.
func (a hmacAuth) Challenge(resp *http.Response, retry *http.Request) (bool, error) {
	for _, c := range client.ParseChallenges(resp.Header.Values("WWW-Authenticate")) {
		if strings.EqualFold(c.Scheme, "HMAC") {
			m := hmac.New(sha256.New, a.key)
			m.Write([]byte(c.Params["nonce"]))
			retry.Header.Set("Authorization", "HMAC "+hex.EncodeToString(m.Sum(nil)))
			return true, nil
		}
	}
	return false, nil // not a challenge this scheme answers: the 401 is returned
}

func ExampleChallenger() {
	key := []byte("shared key")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("n0nce"))
		if r.Header.Get("Authorization") != "HMAC "+hex.EncodeToString(m.Sum(nil)) {
			w.Header().Set("WWW-Authenticate", `HMAC nonce="n0nce"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "welcome")
	}))
	defer srv.Close()

	s := client.NewSession(client.WithAuth(hmacAuth{key}))
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	text, _ := resp.Text()
	fmt.Println(resp.Status, text)
	// Output: 200 OK welcome
}

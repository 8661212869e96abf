// Command auth signs in to a local go-httpbin with basic, bearer and
// digest authentication, each with the right credentials and a wrong
// password, and shows what was sent and what came back.
//
//	go run ./examples/auth
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/requests3/requests/client"
)

func main() {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	if err := run(context.Background(), srv.URL, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// attempt is one sign-in to try.
type attempt struct {
	name string
	path string
	auth client.AuthOption
}

func run(ctx context.Context, base string, out io.Writer) error {
	s := client.NewSession(client.WithBaseURL(base), client.WithoutNetrc())
	defer s.Close()

	attempts := []attempt{
		{"basic", "/basic-auth/alice/s3cret", client.BasicAuth("alice", "s3cret")},
		{"basic, wrong password", "/basic-auth/alice/s3cret", client.BasicAuth("alice", "guess")},
		{"bearer", "/bearer", client.BearerAuth("t0ken")},
		{"bearer, no token", "/bearer", nil},
		// Digest: the first request goes without credentials, the 401's
		// challenge is answered once, and the answer is what we get.
		{"digest SHA-256", "/digest-auth/auth/alice/s3cret/SHA-256", client.DigestAuth("alice", "s3cret")},
		{"digest MD5", "/digest-auth/auth/alice/s3cret/MD5", client.DigestAuth("alice", "s3cret")},
		{"digest, wrong password", "/digest-auth/auth/alice/s3cret/SHA-256", client.DigestAuth("alice", "guess")},
	}
	for _, a := range attempts {
		var opts []client.RequestOption
		if a.auth != nil {
			opts = append(opts, a.auth)
		}
		resp, err := s.Get(ctx, a.path, opts...)
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		var body struct {
			Authorized    bool   `json:"authorized"`    // basic and digest
			Authenticated bool   `json:"authenticated"` // bearer
			User          string `json:"user"`
			Token         string `json:"token"`
		}
		if resp.OK() {
			if err := resp.JSON(&body); err != nil {
				return fmt.Errorf("%s: %w", a.name, err)
			}
		}
		who := "-"
		switch {
		case body.User != "":
			who = "user " + body.User
		case body.Token != "":
			who = "token " + body.Token
		}
		fmt.Fprintf(out, "%-23s %d  %d request(s)  signed in: %-5v %s\n",
			a.name, resp.StatusCode, resp.Attempts, body.Authorized || body.Authenticated, who)
	}
	return nil
}

package client

import (
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"
)

// TokenSourceAuth returns credentials that take a token from ts for every
// request and send it in the Authorization header, as "Bearer TOKEN"
// unless the token's type says otherwise (see [oauth2.Token.SetAuthHeader]).
//
// ts is called once per request, so it should cache: the token sources of
// golang.org/x/oauth2 (such as oauth2.Config.TokenSource) do, and
// [oauth2.ReuseTokenSource] wraps any source so that a token is reused
// until it expires and then refreshed. An error from ts, or an empty token,
// fails the request before anything is sent, with an error that wraps
// [ErrAuth] and the cause. The token itself is never part of an error, a log
// line or the value's String.
//
// Like any credentials they are sent only to the request's origin, never to
// another host after a redirect.
func TokenSourceAuth(ts oauth2.TokenSource) AuthOption {
	return tokenSourceAuth{ts}
}

type tokenSourceAuth struct{ ts oauth2.TokenSource }

// errNoToken reports a token source that returned neither a token nor an
// error.
var errNoToken = errors.New("token source returned an empty token")

func (a tokenSourceAuth) Apply(req *http.Request) error {
	if a.ts == nil {
		return errors.New("no token source")
	}
	tok, err := a.ts.Token()
	if err != nil {
		return fmt.Errorf("token source: %w", err)
	}
	if tok == nil || tok.AccessToken == "" {
		return errNoToken
	}
	tok.SetAuthHeader(req)
	return nil
}

func (a tokenSourceAuth) applyRequest(r *Request) { r.auth, r.authSet = a, true }
func (a tokenSourceAuth) applySession(c *config)  { c.auth = a }

// String hides the token source, which may hold secrets.
func (a tokenSourceAuth) String() string { return "TokenSourceAuth(REDACTED)" }

// GoString hides the token source from %#v.
func (a tokenSourceAuth) GoString() string { return a.String() }

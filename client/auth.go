package client

import (
	"errors"
	"net/http"
)

// Auth adds credentials to outgoing requests. Implementations must be safe
// for concurrent use: one Auth serves every request of a session.
//
// Apply is called on a clone of each request that is about to be sent to the
// origin the credentials were given for; it is never called for a request
// that a redirect sends to another host, or from https to http, and the
// headers it set, whatever their names, are removed from such a request.
type Auth interface {
	Apply(req *http.Request) error
}

// Challenger is an [Auth] that can answer a 401 challenge, as digest
// authentication must.
//
// When a request that the Challenger's credentials were applied to gets a
// 401 Unauthorized response, the session calls Challenge with that response
// (resp.Request is the request that was sent) and retry, a copy of the
// request ready to be sent again: the same method, URL and headers
// (Authorization included), and its Cookie header rebuilt from the jar, so
// that it carries cookies the 401 set. Challenge sets the credentials that
// answer the challenge on retry (typically its Authorization header) and
// returns true to have it sent in place of the 401, or false to return the
// 401 to the caller. An error fails the call, wrapped in [ErrAuth].
//
// retry's body is opened after Challenge returns; a scheme that needs the
// body can read a copy from retry.GetBody. Challenge may read resp's
// headers and body; the session closes the body.
//
// A challenge is answered at most once per request and per redirect hop:
// if the answer gets a 401 too, that response is returned, so a wrong
// password ends with a 401 rather than a loop. Challenge is not called when
// the request body cannot be sent again (a one-shot [Body] reader), nor for
// a hop that a redirect sent to another origin, where the credentials do
// not apply.
type Challenger interface {
	Auth
	Challenge(resp *http.Response, retry *http.Request) (bool, error)
}

// ErrAuth reports that credentials could not be produced or a challenge
// could not be answered: a token source failed, a netrc file named by
// [NetrcAuth] could not be read, or a [Challenger] returned an error. The
// cause is wrapped with it. A 401 response is not an error.
var ErrAuth = errors.New("client: auth")

// AuthOption is an [Auth] that can be given directly as a [RequestOption]
// (credentials for one request) or as a session [Option] (credentials for
// every request of the session). The built-in auth constructors return one.
type AuthOption interface {
	Auth
	RequestOption
	Option
}

// basicAuth is HTTP basic authentication.
type basicAuth struct{ user, pass string }

// BasicAuth returns HTTP basic authentication credentials. The value is both
// a [RequestOption] and a session [Option]:
// s.Get(ctx, u, client.BasicAuth("u", "p")). The user name and password are
// sent as UTF-8 (RFC 7617); Python Requests sends Latin-1.
//
// A URL with a user name or password ("https://user:pa%23ss@host/") gives
// basic credentials too, percent-decoded, when the request and the session
// have none of their own.
func BasicAuth(user, pass string) AuthOption {
	return basicAuth{user, pass}
}

func (a basicAuth) Apply(req *http.Request) error {
	req.SetBasicAuth(a.user, a.pass)
	return nil
}

func (a basicAuth) applyRequest(r *Request) { r.auth, r.authSet = a, true }
func (a basicAuth) applySession(c *config)  { c.auth = a }

// String hides the password.
func (a basicAuth) String() string { return "BasicAuth(" + a.user + ", REDACTED)" }

// GoString hides the password from %#v.
func (a basicAuth) GoString() string { return a.String() }

// bearerAuth sends a fixed bearer token.
type bearerAuth struct{ token string }

// BearerAuth returns credentials that send "Authorization: Bearer token".
// The value is both a [RequestOption] and a session [Option]. For tokens
// that expire, see [TokenSourceAuth].
func BearerAuth(token string) AuthOption {
	return bearerAuth{token}
}

func (a bearerAuth) Apply(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

func (a bearerAuth) applyRequest(r *Request) { r.auth, r.authSet = a, true }
func (a bearerAuth) applySession(c *config)  { c.auth = a }

// String hides the token.
func (a bearerAuth) String() string { return "BearerAuth(REDACTED)" }

// GoString hides the token from %#v.
func (a bearerAuth) GoString() string { return a.String() }

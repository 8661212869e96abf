package client

import (
	"net/http"
)

// Auth adds credentials to outgoing requests. Implementations must be safe
// for concurrent use: one Auth serves every request of a session.
//
// Apply is called on a clone of each request that is about to be sent to the
// origin the credentials were given for; it is never called for a request
// that a redirect sends to another host, or from https to http.
type Auth interface {
	Apply(req *http.Request) error
}

// Challenger is an [Auth] that can answer a 401 challenge, as digest
// authentication must. When a response is 401, the session calls Challenge
// with the request that was sent and the response; if it returns a request,
// that request is sent instead (once per hop). The response body is closed
// by the session.
type Challenger interface {
	Auth
	Challenge(req *http.Request, resp *http.Response) (*http.Request, error)
}

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
// an [Auth] and a [RequestOption]: s.Get(ctx, u, client.BasicAuth("u", "p")).
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
// The value is both an [Auth] and a [RequestOption].
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

package client

import (
	"net/http"

	"github.com/requests3/requests/internal/redact"
)

// String returns the method and the URL of r, with the URL's password and
// secret-looking query values masked, such as
// "GET https://example.com/items?token=REDACTED". Headers, cookies, params
// and credentials are left out, so that printing a request (with %v, %+v
// or %#v) never shows a secret.
func (r Request) String() string {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	return method + " " + redact.String(r.URL)
}

// GoString is [Request.String], for %#v.
func (r Request) GoString() string { return "client.Request(" + r.String() + ")" }

// String describes the session without its settings, which may hold
// credentials: only its base URL, redacted, if it has one.
func (s *Session) String() string {
	if s.cfg.baseURL == nil {
		return "client.Session"
	}
	return "client.Session(" + redact.URL(s.cfg.baseURL) + ")"
}

// GoString is [Session.String], for %#v.
func (s *Session) GoString() string { return s.String() }

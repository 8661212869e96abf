package client

import "net/http"

// hooks are the functions a session or request runs around a call.
type hooks struct {
	request  []func(*http.Request) error
	response []func(*Response) error
}

func (h hooks) clone() hooks {
	return hooks{
		request:  append([]func(*http.Request) error(nil), h.request...),
		response: append([]func(*Response) error(nil), h.response...),
	}
}

// A request's hooks are a pointer, nil for most requests, which keeps
// them out of the memory of every call. These accessors take nil for none.

func (h *hooks) onRequest() []func(*http.Request) error {
	if h == nil {
		return nil
	}
	return h.request
}

func (h *hooks) onResponse() []func(*Response) error {
	if h == nil {
		return nil
	}
	return h.response
}

// Hook is a function run on every request or response. It is both a session
// [Option] and a [RequestOption]: given to [NewSession] it runs for every
// call of the session; given to a request it runs for that request only,
// after the session's hooks.
type Hook struct {
	h hooks
}

func (h Hook) applySession(c *config) {
	c.hooks.request = append(c.hooks.request, h.h.request...)
	c.hooks.response = append(c.hooks.response, h.h.response...)
}

func (h Hook) applyRequest(r *Request) {
	if r.hooks == nil {
		r.hooks = new(hooks)
	}
	r.hooks.request = append(r.hooks.request, h.h.request...)
	r.hooks.response = append(r.hooks.response, h.h.response...)
}

// OnRequest runs fn on the prepared request before it is sent: once per
// call, before the first redirect or retry, with the session's headers,
// cookies and credentials already applied. fn may change the request's
// headers, which later hops keep (credentials and cookies excepted: they
// are derived again for each hop). An error from fn aborts the call before
// any I/O; the call's error wraps it, so [errors.Is] and [errors.As] find
// it. A nil fn is ignored.
//
// Session hooks run first, in the order given, then the request's own.
// Request hooks add to the session's; they do not replace them.
func OnRequest(fn func(*http.Request) error) Hook {
	if fn == nil {
		return Hook{}
	}
	return Hook{hooks{request: []func(*http.Request) error{fn}}}
}

// OnResponse runs fn on the final response of a call, after redirects and
// retries and after the body has been read (for a streamed response, before
// it is read). It does not see the redirect responses themselves, which
// are in [Response.History]; a middleware ([WithMiddleware]) sees every hop.
// An error from fn aborts the call: the response is closed and the call's
// error wraps fn's, so [errors.Is] and [errors.As] find it. A nil fn is
// ignored.
//
// Session hooks run first, in the order given, then the request's own.
func OnResponse(fn func(*Response) error) Hook {
	if fn == nil {
		return Hook{}
	}
	return Hook{hooks{response: []func(*Response) error{fn}}}
}

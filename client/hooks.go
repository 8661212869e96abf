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
	r.hooks.request = append(r.hooks.request, h.h.request...)
	r.hooks.response = append(r.hooks.response, h.h.response...)
}

// OnRequest runs fn on the prepared request before it is sent (once per
// call, before the first redirect or retry). fn may change the request's
// headers. An error from fn aborts the call with that error.
func OnRequest(fn func(*http.Request) error) Hook {
	return Hook{hooks{request: []func(*http.Request) error{fn}}}
}

// OnResponse runs fn on the final response, after redirects and retries and
// after the body has been read (unless streaming). An error from fn aborts
// the call: the response is closed and the error returned.
func OnResponse(fn func(*Response) error) Hook {
	return Hook{hooks{response: []func(*Response) error{fn}}}
}

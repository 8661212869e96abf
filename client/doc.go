// Package client is an HTTP client for humans: Python Requests done the Go
// way, on net/http.
//
// # Sessions
//
// A [Session] holds a connection pool, a cookie jar and shared settings
// (base URL, headers, auth, timeouts, hooks, middleware). Create one with
// [NewSession] and reuse it; it is safe for concurrent use. The package-level
// functions such as [Get] use a default session.
//
//	s := client.NewSession(client.WithBaseURL("https://api.example.com/v1/"))
//	defer s.Close()
//	resp, err := s.Get(ctx, "users", client.Params{"page": "2"})
//
// # Requests
//
// Request options read like Requests' keyword arguments: [Params], [Param],
// [Header], [RemoveHeader], [Form], [JSON], [Body], [Cookies], [UseAuth],
// [BasicAuth], [BearerAuth], [Timeout], [MaxRedirects], [Stream],
// [OnRequest] and [OnResponse]. A [Request] built with [NewRequest] is a
// plain value that can be queued, retried and prepared ([Session.Prepare]).
//
// # Responses
//
// A [Response] has its body read into memory and closed (up to the maximum
// body size), so a forgotten Close never leaks a connection: [Response.Bytes],
// [Response.Text], [Response.JSON] and [DecodeJSON] read it. With [Stream]
// the body is left open for [Response.Body] or [Response.WriteTo], and the
// caller must call [Response.Close]. [Response.Lines] and [Response.Chunks]
// iterate over a body as it arrives and close it when the loop ends.
// [Response.Text] decodes the body by its character set (see
// [Response.Encoding]), and [Response.Links] and [Response.Link] read Link
// headers, as used for pagination. A 4xx or 5xx status is not an error
// unless the caller asks with [Response.CheckStatus].
//
// # Safe defaults
//
// Every request has a deadline (10s to connect, 30s in total unless set
// otherwise; [NoTimeout] is the only way to turn it off). Redirects are
// followed by Requests' rules, up to 30, and never carry credentials or
// hand-set cookies to another host or from https to http. TLS verification
// is on, with TLS 1.2 at least. Logging is off by default; when on, URLs are
// redacted and credentials never logged.
//
// # Errors
//
// Errors are [*RequestError] values wrapping a sentinel that callers test
// with [errors.Is]: [ErrTimeout] (which is also
// [context.DeadlineExceeded]), [ErrConnect], [ErrTooManyRedirects] (as a
// [*RedirectError]), [ErrInvalidURL], [ErrInvalidHeader], [ErrInvalidRequest]
// and [ErrBodyTooLarge]. [Response.CheckStatus] returns a [*StatusError].
package client

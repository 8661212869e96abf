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
// [Header], [RemoveHeader], [Form], [JSON], [Body], [BodyChunks], [Files],
// [AddFile], [Cookies], [UseAuth], [BasicAuth], [DigestAuth],
// [BearerAuth], [TokenSourceAuth], [NetrcAuth], [Timeout], [MaxRedirects],
// [Stream], [OnProgress], [Decompress], [OnRequest] and [OnResponse]. A [Request] built with [NewRequest] is a
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
// unless the caller asks with [Response.CheckStatus]. [Response.Timings]
// breaks the request down: its total time and whether its connection was
// reused, and with [TraceTimings] DNS, connect, TLS and first byte.
//
// # Protocols
//
// A session speaks HTTP/2 over TLS where the server offers it and HTTP/1.1
// otherwise, and keeps connections alive between requests; concurrent
// requests to a new origin wait for the first one's connection, so an
// HTTP/2 origin gets one connection, not one per request.
// [WithProtocols] sets the versions a session may use ([Protocols]):
// [H2C] sends http:// URLs as HTTP/2 in the clear, and [HTTP3] (or
// [WithHTTP3] with an [HTTP3Config]) tries HTTP/3 over QUIC, falling back to
// TCP where QUIC fails, optionally only for origins that advertise it with
// Alt-Svc. [Response.Proto] says which version a response came over.
//
// # Uploads, downloads and content decoding
//
// Request bodies are streamed, never copied into memory: [Body] takes any
// io.Reader, [BodyChunks] an iterator of chunks (sent with chunked
// encoding), and [Files] and [AddFile] build a multipart/form-data body
// with [Form] fields from [File] values ([FileFromPath], [FileFromBytes] or
// any reader), written through a pipe while the request is sent. Bodies
// that can be read again are rewound for redirects and retries; others are
// sent once. [OnProgress] reports a response body as it arrives, and
// [Session.Download] writes one to a file, resuming a cut transfer with a
// Range request and renaming the file into place once complete. Response
// bodies are decoded from gzip, deflate, br and zstd (stacked codings
// included) unless the request asks for the body as sent with
// [Decompress]; the maximum body size applies to the decoded size, and a
// body that cannot be decoded fails with [ErrContentDecoding].
//
// # Cookies
//
// A session keeps cookies in a [Jar] (RFC 6265, with the public suffix
// list) across requests and redirects; [WithCookieJar] sets another. The
// [Cookies] option sends cookies with one request only. A Jar can be saved
// to and loaded from a cookies.txt file that curl and wget also read:
// [Jar.Save], [Jar.Load], [Jar.SaveFile], [Jar.LoadFile].
//
// # Authentication
//
// [BasicAuth], [DigestAuth], [BearerAuth], [TokenSourceAuth] (any
// golang.org/x/oauth2 token source) and [NetrcAuth] are request options and
// session options at once; [UseAuth] and [WithAuth] take any [Auth]. A
// [Challenger] answers a 401 challenge, as digest does; [ParseChallenges]
// reads WWW-Authenticate headers for custom schemes. A user name and
// password in the URL are basic auth when nothing else is given, and a
// session reads $NETRC or ~/.netrc by itself for requests with no other
// credentials ([WithoutNetrc] turns that off). Credentials are sent only to
// the origin they were given for; netrc credentials, which name their host,
// are looked up again for each host a redirect leads to. Failures to produce
// credentials wrap [ErrAuth].
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
// # Timeouts
//
// [Timeouts] bounds connecting (10s by default, dial, TLS handshake and
// proxy CONNECT included), waiting for the response headers (off by
// default) and the whole call (30s by default, redirects and body included;
// for a streamed response, until Close). [WithTimeout] and [WithTimeouts]
// set them for a session, [Timeout] for one request, and [Session.Timeouts]
// reports them. [NoTimeout] turns a bound off; any other negative duration
// is rejected. A caller's context deadline applies as well: whichever ends
// first wins.
//
// # Hooks, middleware and adapters
//
// [OnRequest] and [OnResponse] run once per call, session hooks before the
// request's. [WithMiddleware] wraps the transport and sees every hop: each
// redirect and retry. [Mount] sends the URLs under a prefix through a
// transport of one's own, for any scheme, and [WithDialer] changes how
// connections are opened (Unix sockets, tunnels). [Session.HTTPClient]
// gives libraries that take an [*http.Client] all of the above.
//
// # Proxies and TLS
//
// A session takes its proxies from HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
// NO_PROXY as they are when it is created; [WithProxies] sets them by
// scheme and host as Requests' proxies map does, [WithProxy] with a
// function, and [WithoutProxy] turns them off. http, https, socks5 and
// socks5h proxies work; https requests go through a CONNECT tunnel, and
// proxy credentials never reach a server. Proxy failures wrap [ErrProxy].
//
// TLS is verified, with TLS 1.2 at least. [WithRootCAs] and [WithCAFile]
// set the trusted authorities, [WithClientCert] and [WithClientCertFile]
// a client certificate, and [WithInsecureSkipVerify] turns verification
// off for one session, with a warning in its log. TLS settings belong to a
// session, like its connections: there are no per-request TLS options.
//
// # Logging
//
// [WithLogger] logs one debug entry per call (method, redacted URL, status,
// elapsed time, error). Logs and error messages never show Authorization,
// Cookie or proxy credentials, passwords in URLs, or the values of
// secret-looking query parameters such as token, api_key or
// X-Amz-Signature.
//
// # Testing
//
// Package [github.com/requests3/requests/client/clienttest] starts scripted
// test servers under HTTP/1.1 or HTTP/2 and catches streamed responses that
// were never closed.
//
// # Errors
//
// Errors are [*RequestError] values wrapping a sentinel that callers test
// with [errors.Is]: [ErrTimeout] (which is also
// [context.DeadlineExceeded]), [ErrConnect], [ErrTooManyRedirects] (as a
// [*RedirectError]), [ErrInvalidURL], [ErrInvalidHeader],
// [ErrInvalidRequest], [ErrBodyTooLarge], [ErrContentDecoding] and
// [ErrProxy] (with ErrConnect or ErrInvalidURL).
// [Response.CheckStatus] returns a [*StatusError].
package client

// Package clienttest helps test code that uses package client, as
// net/http/httptest helps test net/http code.
//
// # Scripted servers
//
// [NewServer] (HTTP/1.1) and [NewTLSServer] (TLS, with HTTP/2) start a server
// on the loopback interface that answers each path from a [Script]: a
// sequence of canned [Reply] values, each with a status, headers, a body, and
// optionally a delay, a stall in the middle of the body or a reset
// connection. The server records every [Request] it receives and counts the
// connections opened to it, for assertions. [Server.Session] returns a
// session that trusts the server's certificate.
//
//	srv := clienttest.NewTLSServer(clienttest.Script{
//		"/flaky": {{Status: 503}, {Status: 200, Body: "ok"}},
//	})
//	defer srv.Close()
//	s := srv.Session()
//	resp, err := s.Get(ctx, srv.URL+"/flaky")
//
// # Leaked responses
//
// A streamed response ([client.Stream]) holds a connection until it is
// closed. [CheckClosed] is a session option that fails the test, when it
// ends, listing every response body the session received and nobody closed.
package clienttest

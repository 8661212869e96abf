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
// # Faults
//
// A [Reply] can misbehave as servers and networks do: hold its headers
// back ([Reply.Delay]), hang in the middle of the body ([Reply.Stall]), cut
// the connection before or after the headers ([Reply.Reset]: a TCP reset
// under HTTP/1.1, a stream reset under HTTP/2), send its body a byte at a
// time ([Reply.Drip]) or for ever ([Reply.Endless]), or write anything at
// all on the bare HTTP/1.1 connection ([Reply.Raw]: a garbage status line,
// broken chunked encoding, a body shorter than its Content-Length).
// [Bomb] makes a decompression bomb. After such a reply, close the session
// and call [Server.WaitClosed] to check that the client left no connection
// open:
//
//	srv := clienttest.NewServer(clienttest.Script{
//		"/bomb": {clienttest.Bomb("gzip", 1<<30)},
//		"/drip": {{Body: "slow", Drip: time.Second}},
//	})
//
// # Leaked responses
//
// A streamed response ([client.Stream]) holds a connection until it is
// closed. [CheckClosed] is a session option that fails the test, when it
// ends, listing every response body the session received and nobody closed.
package clienttest

package client_test

import (
	"testing"

	"github.com/requests3/requests/client/clienttest"
)

// eachScript runs f against a scripted server under HTTP/1.1 and HTTP/2.
func eachScript(t *testing.T, script clienttest.Script, f func(t *testing.T, srv *clienttest.Server)) {
	t.Helper()
	for _, p := range []struct {
		name  string
		start func(clienttest.Script) *clienttest.Server
	}{{"HTTP/1.1", clienttest.NewServer}, {"HTTP/2", clienttest.NewTLSServer}} {
		t.Run(p.name, func(t *testing.T) {
			srv := p.start(script)
			t.Cleanup(srv.Close)
			f(t, srv)
		})
	}
}

package clienttest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// each runs f against a server for script under HTTP/1.1 and HTTP/2.
func each(t *testing.T, script clienttest.Script, f func(t *testing.T, srv *clienttest.Server, proto string)) {
	for _, p := range []struct {
		name, proto string
		start       func(clienttest.Script) *clienttest.Server
	}{{"HTTP/1.1", "HTTP/1.1", clienttest.NewServer}, {"HTTP/2", "HTTP/2.0", clienttest.NewTLSServer}} {
		t.Run(p.name, func(t *testing.T) {
			srv := p.start(script)
			t.Cleanup(srv.Close)
			f(t, srv, p.proto)
		})
	}
}

func TestScriptRepliesInOrder(t *testing.T) {
	script := clienttest.Script{
		"/flaky": {{Status: 503, Body: "down"}, {Body: "up", Header: http.Header{"X-Try": {"2"}}}},
	}
	each(t, script, func(t *testing.T, srv *clienttest.Server, proto string) {
		s := srv.Session()
		tests := []struct {
			path   string
			status int
			body   string
		}{
			{"/flaky", 503, "down"},
			{"/flaky", 200, "up"},
			{"/flaky", 200, "up"}, // the last reply repeats
			{"/other", 404, "clienttest: no script for /other"},
		}
		for _, tt := range tests {
			resp, err := s.Get(context.Background(), srv.URL+tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := resp.Text()
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("%s: got %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.status, tt.body)
			}
			if resp.Proto != proto {
				t.Errorf("%s: proto %s, want %s", tt.path, resp.Proto, proto)
			}
		}
	})
}

func TestServerRecordsRequests(t *testing.T) {
	each(t, clienttest.Script{"/items": {{Status: 201}}}, func(t *testing.T, srv *clienttest.Server, proto string) {
		s := srv.Session()
		_, err := s.Post(context.Background(), srv.URL+"/items?x=1", client.JSON(map[string]int{"n": 1}), client.Header{"X-Test": "yes"})
		if err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 {
			t.Fatalf("recorded %d requests, want 1", len(reqs))
		}
		r := reqs[0]
		if r.Method != "POST" || r.URL.Path != "/items" || r.URL.RawQuery != "x=1" || r.Proto != proto {
			t.Errorf("recorded %s %s %s, want POST /items?x=1 %s", r.Method, r.URL, r.Proto, proto)
		}
		if r.Header.Get("X-Test") != "yes" || string(r.Body) != `{"n":1}` || r.Host != strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://") {
			t.Errorf("recorded header %v, body %q, host %q", r.Header, r.Body, r.Host)
		}
		// The record is a copy: changing it changes nothing.
		reqs[0].Method = "CHANGED"
		if srv.Requests()[0].Method != "POST" {
			t.Errorf("Requests returned the server's own slice")
		}
	})
}

func TestServerCountsConnections(t *testing.T) {
	each(t, clienttest.Script{"/": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server, _ string) {
		s := srv.Session()
		for range 3 {
			if _, err := s.Get(context.Background(), srv.URL+"/"); err != nil {
				t.Fatal(err)
			}
		}
		if n := srv.Connections(); n != 1 {
			t.Errorf("one session, three requests: %d connections, want 1", n)
		}
		if _, err := srv.Session().Get(context.Background(), srv.URL+"/"); err != nil {
			t.Fatal(err)
		}
		if n := srv.Connections(); n != 2 {
			t.Errorf("a second session: %d connections, want 2", n)
		}
	})
}

func TestReplyFaults(t *testing.T) {
	script := clienttest.Script{
		"/delay":     {{Delay: 20 * time.Millisecond, Body: "late"}},
		"/stall":     {{Body: "partial", Stall: true}},
		"/reset":     {{Reset: true}},
		"/truncated": {{Header: http.Header{"Content-Length": {"100"}}, Body: "short", Reset: true}},
	}
	each(t, script, func(t *testing.T, srv *clienttest.Server, _ string) {
		s := srv.Session()
		ctx := context.Background()

		start := time.Now()
		resp, err := s.Get(ctx, srv.URL+"/delay")
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := resp.Text(); body != "late" || time.Since(start) < 20*time.Millisecond {
			t.Errorf("delayed reply %q after %v, want %q after 20ms at least", body, time.Since(start), "late")
		}

		resp, err = s.Get(ctx, srv.URL+"/stall", client.Stream(true), client.Timeout(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Close()
		if string(data) != "partial" || !errors.Is(err, client.ErrTimeout) {
			t.Errorf("stalled reply: read %q, %v; want %q then a timeout", data, err, "partial")
		}

		if _, err := s.Get(ctx, srv.URL+"/reset"); err == nil {
			t.Errorf("reset: got no error")
		}
		resp, err = s.Get(ctx, srv.URL+"/truncated")
		if err == nil {
			t.Errorf("truncated: got %d with no error", resp.StatusCode)
		}
	})
}

func TestCloseEndsStalledReplies(t *testing.T) {
	each(t, clienttest.Script{"/stall": {{Body: "partial", Stall: true}}}, func(t *testing.T, srv *clienttest.Server, _ string) {
		resp, err := srv.Session().Get(context.Background(), srv.URL+"/stall", client.Stream(true), client.Timeout(client.NoTimeout))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		srv.Close() // returns although the reply stalls
		srv.Close() // and may be called again
		if data, err := io.ReadAll(resp.Body); err == nil {
			t.Errorf("read %q with no error from a closed server", data)
		}
	})
}

func TestTLSConfig(t *testing.T) {
	plain := clienttest.NewServer(nil)
	defer plain.Close()
	if plain.TLSConfig() != nil || plain.Certificate() != nil {
		t.Errorf("plain server: TLSConfig %v, Certificate %v, want nil", plain.TLSConfig(), plain.Certificate())
	}
	tlsSrv := clienttest.NewTLSServer(clienttest.Script{"/": {{Body: "secure"}}})
	defer tlsSrv.Close()
	s := client.NewSession(client.WithTLSConfig(tlsSrv.TLSConfig()))
	defer s.Close()
	resp, err := s.Get(context.Background(), tlsSrv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.Text(); body != "secure" || resp.Proto != "HTTP/2.0" {
		t.Errorf("got %q over %s, want %q over HTTP/2.0", body, resp.Proto, "secure")
	}
	untrusting := client.NewSession()
	defer untrusting.Close()
	if _, err := untrusting.Get(context.Background(), tlsSrv.URL+"/"); !errors.Is(err, client.ErrConnect) {
		t.Errorf("without the server's TLS config: got %v, want ErrConnect", err)
	}
}

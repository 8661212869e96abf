package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

var hooksScript = clienttest.Script{
	"/start": {{Status: 302, Header: http.Header{"Location": {"/end"}}}},
	"/end":   {{Body: "done"}},
}

func TestHooksRunSessionFirstThenRequest(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		var got []string
		rec := func(name string) client.Hook {
			return client.OnRequest(func(*http.Request) error { got = append(got, name); return nil })
		}
		recResp := func(name string) client.Hook {
			return client.OnResponse(func(*client.Response) error { got = append(got, name); return nil })
		}
		s := srv.Session(rec("session request 1"), recResp("session response 1"), rec("session request 2"), recResp("session response 2"),
			client.OnRequest(nil), client.OnResponse(nil))
		_, err := s.Get(context.Background(), srv.URL+"/start", rec("request request"), recResp("request response"),
			client.OnRequest(nil), client.OnResponse(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"session request 1", "session request 2", "request request",
			"session response 1", "session response 2", "request response"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("hooks ran %q, want %q", got, want)
		}

		// A session without request hooks runs its own.
		got = nil
		if _, err := s.Get(context.Background(), srv.URL+"/end"); err != nil {
			t.Fatal(err)
		}
		want = []string{"session request 1", "session request 2", "session response 1", "session response 2"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("session hooks alone ran %q, want %q", got, want)
		}
	})
}

func TestOnRequestSeesPreparedRequestAndMayChangeHeaders(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session(client.WithHeader("X-Session", "1"), client.BearerAuth("tok"))
		calls := 0
		hook := client.OnRequest(func(req *http.Request) error {
			calls++
			if req.Header.Get("X-Session") != "1" || req.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("hook saw headers %v, want the session's header and credentials applied", req.Header)
			}
			req.Header.Set("X-Hook", "yes")
			return nil
		})
		if _, err := s.Get(context.Background(), srv.URL+"/start", hook); err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Errorf("OnRequest ran %d times for a call with a redirect, want 1", calls)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 {
			t.Fatalf("server got %d requests, want 2", len(reqs))
		}
		for _, r := range reqs {
			if got := r.Header.Get("X-Hook"); got != "yes" {
				t.Errorf("%s: X-Hook = %q, want %q on every hop", r.URL.Path, got, "yes")
			}
		}
	})
}

func TestOnResponseSeesFinalResponseOnce(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session()
		var seen []*client.Response
		hook := client.OnResponse(func(r *client.Response) error {
			seen = append(seen, r)
			body, err := r.Text()
			if err != nil || body != "done" {
				t.Errorf("hook read %q, %v; want the body %q", body, err, "done")
			}
			return nil
		})
		resp, err := s.Get(context.Background(), srv.URL+"/start", hook)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != resp {
			t.Fatalf("hook saw %d responses, want the final one once", len(seen))
		}
		if resp.URL.Path != "/end" || len(resp.History) != 1 || resp.History[0].StatusCode != 302 {
			t.Errorf("final response %s with %d hops, want /end after one 302", resp.URL.Path, len(resp.History))
		}
	})
}

type hookError struct{ step string }

func (e *hookError) Error() string { return "hook refused at " + e.step }

func TestHookErrorAbortsCall(t *testing.T) {
	eachScript(t, hooksScript, func(t *testing.T, srv *clienttest.Server) {
		ctx := context.Background()
		s := srv.Session(clienttest.CheckClosed(t))

		refuse := &hookError{"request"}
		_, err := s.Get(ctx, srv.URL+"/end", client.OnRequest(func(*http.Request) error { return refuse }))
		var he *hookError
		if !errors.Is(err, refuse) || !errors.As(err, &he) {
			t.Errorf("OnRequest error: got %v, want it wrapped", err)
		}
		var re *client.RequestError
		if !errors.As(err, &re) || re.Method != "GET" {
			t.Errorf("OnRequest error: got %T, want *client.RequestError", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server got %d requests after OnRequest failed, want 0", n)
		}

		// A failing response hook closes the response, even a streamed one.
		var hooked *client.Response
		refuse = &hookError{"response"}
		resp, err := s.Get(ctx, srv.URL+"/end", client.Stream(true), client.OnResponse(func(r *client.Response) error {
			hooked = r
			return refuse
		}))
		if resp != nil {
			t.Errorf("got a response %v with the error, want none", resp)
		}
		if !errors.Is(err, refuse) || !errors.As(err, &re) {
			t.Errorf("OnResponse error: got %v, want it wrapped in a *client.RequestError", err)
		}
		if _, rerr := io.ReadAll(hooked.Body); rerr == nil {
			t.Errorf("reading the refused response: got nil error, want it closed")
		}

		// A later session hook does not run once one has failed.
		ran := false
		s2 := srv.Session(client.OnResponse(func(*client.Response) error { return refuse }),
			client.OnResponse(func(*client.Response) error { ran = true; return nil }))
		if _, err := s2.Get(ctx, srv.URL+"/end"); !errors.Is(err, refuse) || ran {
			t.Errorf("got %v with the later hook run=%v, want the first hook's error and no more hooks", err, ran)
		}
	})
}

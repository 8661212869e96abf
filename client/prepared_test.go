package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

func TestPrepareAppliesSessionWithoutIO(t *testing.T) {
	eachScript(t, clienttest.Script{"/v1/users": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session(client.WithBaseURL(srv.URL+"/v1/"), client.BasicAuth("user", "pass"), client.WithHeader("X-Session", "1"))
		u, _ := url.Parse(srv.URL)
		s.Jar().SetCookies(u, []*http.Cookie{{Name: "jar", Value: "j"}})
		r := client.NewRequest(http.MethodPost, "users", client.Params{"page": "2"}, client.Form{"a": "b"}, client.Header{"X-Req": "2"})
		before := r.Clone()

		req, err := s.Prepare(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := req.URL.String(), srv.URL+"/v1/users?page=2"; got != want {
			t.Errorf("URL %s, want %s", got, want)
		}
		want := map[string]string{
			"Authorization": basic("user", "pass"), "X-Session": "1", "X-Req": "2",
			"Cookie": "jar=j", "Content-Type": "application/x-www-form-urlencoded", "User-Agent": client.UserAgent,
		}
		for k, v := range want {
			if got := req.Header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if body, _ := io.ReadAll(req.Body); string(body) != "a=b" || req.ContentLength != 3 {
			t.Errorf("body %q (%d bytes announced), want %q", body, req.ContentLength, "a=b")
		}
		if !reflect.DeepEqual(r, before) {
			t.Errorf("Prepare changed the request")
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server got %d requests, want none from Prepare", n)
		}
	})
}

// TestRequestIsAReusableValue: a Request can be copied, changed without
// touching the original, and sent many times, at once.
func TestRequestIsAReusableValue(t *testing.T) {
	eachScript(t, clienttest.Script{"/": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session()
		r := client.NewRequest(http.MethodPut, srv.URL+"/", client.Header{"X-V": "1"}, client.JSON(map[string]int{"n": 1}))
		c := r.With(client.Header{"X-V": "2"}, client.Param("copy", "yes"))

		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := s.Do(context.Background(), r); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, err := s.Do(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if len(reqs) != 5 {
			t.Fatalf("server got %d requests, want 5", len(reqs))
		}
		for i, got := range reqs[:4] {
			if got.Header.Get("X-V") != "1" || string(got.Body) != `{"n":1}` || got.URL.RawQuery != "" {
				t.Errorf("send %d of the original: %v %q %q", i, got.Header.Get("X-V"), got.Body, got.URL.RawQuery)
			}
		}
		if last := reqs[4]; last.Header.Get("X-V") != "2" || last.URL.RawQuery != "copy=yes" || string(last.Body) != `{"n":1}` {
			t.Errorf("the copy sent %v %q %q", last.Header.Get("X-V"), last.URL.RawQuery, last.Body)
		}
	})
}

func TestMethods(t *testing.T) {
	eachScript(t, clienttest.Script{"/": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session()
		for _, m := range []string{"GET", "PROPFIND", "get", "M-SEARCH"} {
			if _, err := s.Request(context.Background(), m, srv.URL+"/"); err != nil {
				t.Errorf("%s: %v", m, err)
			}
		}
		for _, m := range []string{"BAD METHOD", "GÉT", "GET\r\n"} {
			if _, err := s.Request(context.Background(), m, srv.URL+"/"); !errors.Is(err, client.ErrInvalidRequest) {
				t.Errorf("%q: got %v, want ErrInvalidRequest", m, err)
			}
		}
		var got []string
		for _, r := range srv.Requests() {
			got = append(got, r.Method)
		}
		if want := []string{"GET", "PROPFIND", "get", "M-SEARCH"}; !reflect.DeepEqual(got, want) {
			t.Errorf("server got methods %q, want %q sent as given", got, want)
		}
	})
}

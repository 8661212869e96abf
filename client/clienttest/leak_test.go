package clienttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// fakeTB records what CheckClosed reports instead of failing the test.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
	errors   []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// finish runs the cleanups, last first, as the testing package does, and
// returns the errors reported.
func (f *fakeTB) finish() []string {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	return f.errors
}

var leakScript = clienttest.Script{
	"/stream": {{Body: strings.Repeat("data ", 100)}},
	"/hop":    {{Status: 302, Header: http.Header{"Location": {"/stream"}}}},
}

func TestCheckClosedReportsLeaks(t *testing.T) {
	each(t, leakScript, func(t *testing.T, srv *clienttest.Server, _ string) {
		ctx := context.Background()
		tb := &fakeTB{TB: t}
		s := srv.Session(clienttest.CheckClosed(tb))

		leaked, err := s.Get(ctx, srv.URL+"/stream?token=s3cret", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		defer leaked.Close() // after the check, so that nothing leaks for real
		hresp, err := s.HTTPClient().Get(srv.URL + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer hresp.Body.Close()

		// Neither responses read into memory, nor streams closed, nor
		// redirect hops count.
		if _, err := s.Get(ctx, srv.URL+"/hop"); err != nil {
			t.Fatal(err)
		}
		closed, err := s.Get(ctx, srv.URL+"/stream", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, closed.Body)
		closed.Close()

		errs := tb.finish()
		if len(errs) != 1 {
			t.Fatalf("got %d reports %q, want 1", len(errs), errs)
		}
		report := errs[0]
		for _, want := range []string{"2 response bodies never closed", "GET " + srv.URL + "/stream?token=REDACTED", "GET " + srv.URL + "/stream\n"} {
			if !strings.Contains(report+"\n", want) {
				t.Errorf("report %q does not contain %q", report, want)
			}
		}
		if strings.Contains(report, "s3cret") {
			t.Errorf("report %q shows a secret", report)
		}
	})
}

func TestCheckClosedPassesWhenAllClosed(t *testing.T) {
	each(t, leakScript, func(t *testing.T, srv *clienttest.Server, _ string) {
		tb := &fakeTB{TB: t}
		s := srv.Session(clienttest.CheckClosed(tb))
		resp, err := s.Get(context.Background(), srv.URL+"/hop", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		hresp, err := s.HTTPClient().Get(srv.URL + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		hresp.Body.Close()
		if errs := tb.finish(); len(errs) != 0 {
			t.Errorf("got reports %q, want none", errs)
		}
	})
}

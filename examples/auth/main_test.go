package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	var out bytes.Buffer
	if err := run(context.Background(), srv.URL, &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"basic                   200  1 request(s)  signed in: true  user alice",
		"basic, wrong password   401  1 request(s)  signed in: false -",
		"bearer                  200  1 request(s)  signed in: true  token t0ken",
		"bearer, no token        401  1 request(s)  signed in: false -",
		"digest SHA-256          200  2 request(s)  signed in: true  user alice",
		"digest MD5              200  2 request(s)  signed in: true  user alice",
		"digest, wrong password  401  2 request(s)  signed in: false -",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\ngot  %q\nwant %q", i, got[i], want[i])
		}
	}
}

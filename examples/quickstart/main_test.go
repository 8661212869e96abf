package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	if err := run(context.Background(), srv.URL); err != nil {
		t.Fatal(err)
	}
}

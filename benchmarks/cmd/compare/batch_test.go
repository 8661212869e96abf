package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBatched sends ten requests with net/http in batches of four, one at
// a time, and checks that each batch holds its responses, with their
// bodies, until it is done, and lets them go then.
func TestBatched(t *testing.T) {
	const size = 100
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", size)))
	}))
	defer srv.Close()
	w := &workload{urls: []string{srv.URL}, c: 1, size: size, batch: 4}

	var held []int64 // responses the batch held after each request
	var b *batch
	doer := func(w *workload) (func(context.Context, string) error, func()) {
		do, closer := netHTTP(false, false)(w)
		return func(ctx context.Context, url string) error {
			if err := do(ctx, url); err != nil {
				return err
			}
			b = ctx.Value(batchKey{}).(*batch)
			n := b.n.Load()
			held = append(held, n)
			for i, k := range b.kept[:n] {
				if _, ok := k.resp.(*http.Response); !ok || len(k.body) != size {
					t.Errorf("request %d: kept %d is %T with a body of %d bytes", len(held), i, k.resp, len(k.body))
				}
			}
			return nil
		}, closer
	}
	run, closer := batched(doer)(w)
	defer closer()
	lat := make([]time.Duration, 10)
	if err := run(context.Background(), 0, 10, lat); err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 2, 3, 4, 1, 2, 3, 4, 1, 2}; !slices.Equal(held, want) {
		t.Errorf("held %v, want %v", held, want)
	}
	for i, k := range b.kept {
		if k.resp != nil || k.body != nil {
			t.Errorf("kept %d still held after the run", i)
		}
	}
	for i, d := range lat {
		if d <= 0 {
			t.Errorf("latency %d not recorded", i)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/requests3/requests/client"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPipeline(t *testing.T) {
	o := runOnce(context.Background(), &catalogue{})
	if o.err != nil {
		t.Fatal(o.err)
	}
	want := Totals{"books": 45, "films": 33, "music": 39}
	if !maps.Equal(o.totals, want) {
		t.Errorf("got totals %v, want %v", o.totals, want)
	}
	if o.stats.Done != 13 || o.stats.Failed != 0 {
		t.Errorf("pool: got %d done, %d failed; want 13, 0", o.stats.Done, o.stats.Failed)
	}
}

func TestPipelineCancelsOnFirstError(t *testing.T) {
	cat := &catalogue{broken: 3}
	o := runOnce(context.Background(), cat)
	var se *client.StatusError
	if !errors.As(o.err, &se) || se.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got error %v, want the 500 of item 3 as a *client.StatusError", o.err)
	}
	if o.totals != nil {
		t.Errorf("got totals %v, want none", o.totals)
	}
	// The list and item 3 were answered; the other eleven hang until
	// canceled, so they count as failed only if the pipeline canceled them.
	if o.stats.Done != 2 || o.stats.Failed != 11 {
		t.Errorf("pool: got %d done, %d failed; want 2, 11", o.stats.Done, o.stats.Failed)
	}
	if n := cat.answered.Load(); n != 0 {
		t.Errorf("catalogue answered %d items, want 0", n)
	}
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"books  45.00", "with item 3 broken:", "2 answered, 11 canceled"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

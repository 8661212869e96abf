package main

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	// A generous deadline: the quick backends answer in well under it,
	// and the stuck one is cut off by it whatever its length.
	answer, err := run(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Part{
		"books": {Hits: []string{"books: gopher"}},
		"films": {Hits: []string{"films: gopher"}},
		"music": {Hits: []string{"music: gopher"}},
		"games": {Hits: []string{"games: gopher"}},
		"maps":  {Error: "failed: 500 Internal Server Error"},
		"news":  {Error: "too slow: deadline exceeded"},
		"shop":  {Error: "unreachable"},
	}
	if len(answer.Parts) != len(want) {
		t.Fatalf("got %d parts, want %d: %+v", len(answer.Parts), len(want), answer.Parts)
	}
	for _, p := range answer.Parts {
		w := want[p.Backend]
		if p.Error != w.Error || len(p.Hits) != len(w.Hits) || (len(w.Hits) > 0 && p.Hits[0] != w.Hits[0]) {
			t.Errorf("%s: got hits %q, error %q; want hits %q, error %q", p.Backend, p.Hits, p.Error, w.Hits, w.Error)
		}
	}
	if !answer.Partial {
		t.Error("partial = false, want true")
	}
	if answer.Query != "gopher" {
		t.Errorf("query = %q, want gopher", answer.Query)
	}
}

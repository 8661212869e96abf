// Command pipeline passes futures from stage to stage: fetch a list of
// items, fetch the details of each, and add them up, with no goroutine
// parked per stage and with cancellation flowing through.
//
//	go run ./examples/pipeline
//
// It runs twice against a local catalogue server: once whole, and once
// with one item broken while the others hang, to show that the first
// failure ends the pipeline at once and cancels the detail requests still
// queued or in flight.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
	"github.com/requests3/requests/future"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Item is the detail of one catalogue entry.
type Item struct {
	ID       int     `json:"id"`
	Category string  `json:"category"`
	Price    float64 `json:"price"`
}

// Totals is the outcome of the pipeline: the sum of prices per category.
type Totals map[string]float64

// pipeline wires the stages together and returns a future for the totals
// at once; nothing waits until someone awaits it.
func pipeline(ctx context.Context, p *async.Pool, base string) *future.Future[Totals] {
	// Stage 1: the list of IDs.
	list := p.Get(ctx, base+"/items")
	ids := future.Then(ctx, list, func(ctx context.Context, r *client.Response) ([]int, error) {
		if err := r.CheckStatus(); err != nil {
			return nil, err
		}
		return client.DecodeJSON[[]int](r)
	})

	// Stage 2: the details, all at once. The requests are sent under the
	// stage's ctx, which Then cancels when the stage returns: if All
	// returns early with the first error, every request still queued or
	// in flight is canceled with it.
	items := future.Then(ctx, ids, func(ctx context.Context, ids []int) ([]Item, error) {
		details := make([]*future.Future[Item], len(ids))
		for i, id := range ids {
			resp := p.Get(ctx, base+"/items/"+strconv.Itoa(id))
			details[i] = future.Then(ctx, resp, func(_ context.Context, r *client.Response) (Item, error) {
				if err := r.CheckStatus(); err != nil {
					return Item{}, err
				}
				return client.DecodeJSON[Item](r)
			})
		}
		return future.All(ctx, details...)
	})

	// Stage 3: the sum.
	return future.Then(ctx, items, func(_ context.Context, items []Item) (Totals, error) {
		t := Totals{}
		for _, it := range items {
			t[it.Category] += it.Price
		}
		return t, nil
	})
}

// catalogue is the local server. When broken is set, item broken fails and
// every other item hangs until its request is canceled (or 10s pass).
type catalogue struct {
	broken   int
	answered atomic.Int32 // detail requests answered with an item
}

var categories = []string{"books", "films", "music"}

func (c *catalogue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/items" {
		json.NewEncoder(w).Encode([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
		return
	}
	id, err := strconv.Atoi(r.URL.Path[len("/items/"):])
	switch {
	case err != nil:
		http.NotFound(w, r)
		return
	case c.broken == id:
		http.Error(w, "no such price", http.StatusInternalServerError)
		return
	case c.broken != 0:
		// Hang: answer only if the client has not given up in 10s.
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
	c.answered.Add(1)
	json.NewEncoder(w).Encode(Item{ID: id, Category: categories[id%3], Price: float64(id) * 1.5})
}

// outcome is what one run of the pipeline saw.
type outcome struct {
	totals Totals
	err    error
	stats  async.Stats // the pool's, after it closed
}

// runOnce runs the pipeline against a fresh catalogue.
func runOnce(ctx context.Context, cat *catalogue) outcome {
	srv := httptest.NewServer(cat)
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(4), async.HostConcurrency(4))

	totals, err := pipeline(ctx, p, srv.URL).Await(ctx)
	p.Close() // waits for the canceled requests to settle
	return outcome{totals: totals, err: err, stats: p.Stats()}
}

func run(ctx context.Context, out io.Writer) error {
	o := runOnce(ctx, &catalogue{})
	if o.err != nil {
		return o.err
	}
	fmt.Fprintln(out, "totals:")
	for _, c := range slices.Sorted(maps.Keys(o.totals)) {
		fmt.Fprintf(out, "  %-5s %6.2f\n", c, o.totals[c])
	}

	cat := &catalogue{broken: 3}
	o = runOnce(ctx, cat)
	fmt.Fprintln(out, "with item 3 broken:", o.err)
	fmt.Fprintf(out, "  requests: %d answered, %d canceled\n", o.stats.Done, o.stats.Failed)
	return nil
}

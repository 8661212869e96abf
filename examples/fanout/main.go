// Command fanout is an HTTP service whose handler asks many backends at
// once, under one deadline, and answers with whatever came back in time:
// the backends that failed or were too slow are reported, not fatal.
//
//	go run ./examples/fanout
//
// It starts six local backends (four quick, one that fails with a 500, one
// that never answers), one address where nothing listens, and the service
// itself, then sends the service a query and prints its answer. The
// backend requests go through one async.Pool shared by every call of the
// handler, so the limits per backend hold however many calls come in.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

func main() {
	answer, err := run(context.Background(), 300*time.Millisecond)
	if err != nil {
		log.Fatal(err)
	}
	answer.print(os.Stdout)
}

// backend is one service the handler asks.
type backend struct {
	Name string
	URL  string
}

// service is the fan-out handler.
type service struct {
	pool     *async.Pool
	backends []backend
	deadline time.Duration // for the whole fan-out
}

// Answer is what the service returns: a part per backend, in the order of
// the backends, and Partial when any part is missing.
type Answer struct {
	Query   string  `json:"query"`
	Partial bool    `json:"partial"`
	Parts   []Part  `json:"parts"`
	Elapsed float64 `json:"elapsed_ms"`
}

// Part is one backend's contribution.
type Part struct {
	Backend string   `json:"backend"`
	Hits    []string `json:"hits,omitempty"`
	Error   string   `json:"error,omitempty"`
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// One deadline for every backend: the caller's context, cut short.
	ctx, cancel := context.WithTimeout(r.Context(), s.deadline)
	defer cancel()

	q := r.URL.Query().Get("q")
	reqs := make([]*client.Request, len(s.backends))
	for i, b := range s.backends {
		reqs[i] = client.NewRequest("GET", b.URL+"/search", client.Params{"q": q})
	}
	// GatherSettled waits for every request and keeps each outcome: a
	// failure cancels nothing, and the deadline ends whatever is left.
	results := async.GatherSettled(ctx, s.pool, reqs)

	answer := Answer{Query: q}
	for i, res := range results {
		part := Part{Backend: s.backends[i].Name}
		if err := res.Err; err != nil {
			part.Error = describe(err)
		} else if err := res.Value.CheckStatus(); err != nil {
			part.Error = describe(err)
		} else if err := res.Value.JSON(&part.Hits); err != nil {
			part.Error = describe(err)
		}
		answer.Partial = answer.Partial || part.Error != ""
		answer.Parts = append(answer.Parts, part)
	}
	answer.Elapsed = float64(time.Since(start).Milliseconds())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(answer)
}

// describe says in a few words why a backend has no part in the answer.
func describe(err error) string {
	var se *client.StatusError
	switch {
	case errors.Is(err, context.DeadlineExceeded): // also client.ErrTimeout
		return "too slow: deadline exceeded"
	case errors.Is(err, client.ErrConnect):
		return "unreachable"
	case errors.As(err, &se):
		return "failed: " + se.Status
	}
	return "failed: " + err.Error()
}

// run starts the backends and the service, asks the service once and
// returns its answer.
func run(ctx context.Context, deadline time.Duration) (*Answer, error) {
	var backends []backend
	for _, name := range []string{"books", "films", "music", "games"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode([]string{name + ": " + r.URL.Query().Get("q")})
		}))
		defer srv.Close()
		backends = append(backends, backend{name, srv.URL})
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database on fire", http.StatusInternalServerError)
	}))
	defer broken.Close()
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; the deadline cuts it off
	}))
	defer stuck.Close()
	down, err := closedAddr()
	if err != nil {
		return nil, err
	}
	backends = append(backends,
		backend{"maps", broken.URL},
		backend{"news", stuck.URL},
		backend{"shop", "http://" + down},
	)

	s := client.NewSession(client.WithTimeout(5 * time.Second))
	defer s.Close()
	pool := async.NewPool(s, async.Workers(16), async.PerHost(50, 10), async.HostConcurrency(4))
	defer pool.Close()
	svc := httptest.NewServer(&service{pool: pool, backends: backends, deadline: deadline})
	defer svc.Close()

	resp, err := s.Get(ctx, svc.URL, client.Params{"q": "gopher"})
	if err != nil {
		return nil, err
	}
	if err := resp.CheckStatus(); err != nil {
		return nil, err
	}
	return client.DecodeJSON[*Answer](resp)
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

func (a *Answer) print(w *os.File) {
	fmt.Fprintf(w, "query %q: partial=%v\n", a.Query, a.Partial)
	for _, p := range a.Parts {
		if p.Error != "" {
			fmt.Fprintf(w, "  %-6s %s\n", p.Backend, p.Error)
		} else {
			fmt.Fprintf(w, "  %-6s %v\n", p.Backend, p.Hits)
		}
	}
}

package async_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// fakeTransport answers from a function, so scheduler tests can run in a
// synctest bubble where time is fake.
type fakeTransport func(*http.Request) (*http.Response, error)

func (f fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func reply(r *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}

// event is a request seen by a recorder.
type event struct {
	host       string
	path       string
	start, end time.Time
}

// recorder is a fake transport that takes latency to answer 200 and
// records when each request started and ended.
type recorder struct {
	latency time.Duration
	mu      sync.Mutex
	events  []event
	answer  func(r *http.Request, n int) *http.Response // optional; n counts requests to the host
	perHost map[string]int
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	rec.mu.Lock()
	if rec.perHost == nil {
		rec.perHost = map[string]int{}
	}
	rec.perHost[r.URL.Hostname()]++
	n := rec.perHost[r.URL.Hostname()]
	rec.mu.Unlock()
	if rec.latency > 0 {
		t := time.NewTimer(rec.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, r.Context().Err()
		}
	}
	rec.mu.Lock()
	rec.events = append(rec.events, event{r.URL.Hostname(), r.URL.Path, start, time.Now()})
	rec.mu.Unlock()
	if rec.answer != nil {
		if resp := rec.answer(r, n); resp != nil {
			return resp, nil
		}
	}
	return reply(r, 200, nil, r.URL.Path), nil
}

func (rec *recorder) byHost(host string) []event {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []event
	for _, e := range rec.events {
		if e.host == host {
			out = append(out, e)
		}
	}
	return out
}

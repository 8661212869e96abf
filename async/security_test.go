package async_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/retry"
)

// TestHugeRetryAfterIsBounded is go-retryablehttp#247 for the pool: a
// Retry-After beyond the policy's MaxRetryAfter is not obeyed as a retry
// (the response settles the future at once) and pauses its host for
// MaxRetryAfter at most; other hosts go on.
func TestHugeRetryAfterIsBounded(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		max        time.Duration
		wantPause  time.Duration
	}{
		{"an hour", func(time.Time) string { return "3600" }, 10 * time.Second, 10 * time.Second},
		{"an hour, default cap", func(time.Time) string { return "3600" }, 0, retry.DefaultMaxRetryAfter},
		{"far-future date", func(now time.Time) string { return now.Add(30 * 24 * time.Hour).UTC().Format(http.TimeFormat) }, 10 * time.Second, 10 * time.Second},
		{"year 9999", func(time.Time) string { return "Fri, 31 Dec 9999 23:59:59 GMT" }, 10 * time.Second, 10 * time.Second},
		{"overflow", func(time.Time) string { return "99999999999999999999999" }, 10 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{answer: func(r *http.Request, n int) *http.Response {
					if r.URL.Hostname() == "a.test" && n == 1 {
						return reply(r, 503, http.Header{"Retry-After": {tt.retryAfter(time.Now())}}, "")
					}
					return nil
				}}
				p := newPool(t, rec, async.Workers(2), async.Retry(retry.Policy{MaxRetryAfter: tt.max}))
				ctx := context.Background()
				start := time.Now()
				first := p.Get(ctx, "http://a.test/1")
				r, err := first.Await(ctx)
				if err != nil || r.StatusCode != 503 || time.Since(start) != 0 {
					t.Fatalf("first: %v, %v after %v; want the 503 at once", r, err, time.Since(start))
				}
				second := p.Get(ctx, "http://a.test/2")
				other := p.Get(ctx, "http://b.test/")
				if _, err := other.Await(ctx); err != nil || time.Since(start) != 0 {
					t.Errorf("b.test: %v after %v, want no wait", err, time.Since(start))
				}
				if _, err := second.Await(ctx); err != nil {
					t.Fatal(err)
				}
				if waited := time.Since(start); waited != tt.wantPause {
					t.Errorf("a.test paused for %v, want %v", waited, tt.wantPause)
				}
				if n := len(rec.byHost("a.test")); n != 2 {
					t.Errorf("a.test got %d requests, want 2 (no retry of the first)", n)
				}
			})
		})
	}
}

// TestNoRetryAfterContextEnds: a request waiting in the pool for its retry
// backoff is settled with the context's error as soon as the context ends,
// and never sent again.
func TestNoRetryAfterContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{answer: func(r *http.Request, n int) *http.Response {
			return reply(r, 503, nil, "")
		}}
		p := newPool(t, rec, async.Workers(1), async.Retry(retryPolicy(time.Hour)))
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		f := p.Get(ctx, "http://a.test/")
		time.AfterFunc(time.Minute, cancel)
		if _, err := f.Await(context.Background()); !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if waited := time.Since(start); waited != time.Minute {
			t.Errorf("settled after %v, want 1m (when the context ended)", waited)
		}
		time.Sleep(2 * time.Hour) // past every backoff
		if n := len(rec.byHost("a.test")); n != 1 {
			t.Errorf("sent %d times, want 1", n)
		}
		if st := p.Stats(); st.Queued != 0 || st.InFlight != 0 {
			t.Errorf("stats %+v, want nothing left", st)
		}
	})
}

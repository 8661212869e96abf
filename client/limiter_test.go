package client_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/limiter"
)

func TestWithLimiterCapsConcurrency(t *testing.T) {
	var inflight, peak atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
		}
		time.Sleep(time.Millisecond) // overlap requests; nothing is asserted on time
		inflight.Add(-1)
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		inflight.Store(0)
		peak.Store(0)
		s := srv.session(t, client.WithLimiter(limiter.New(limiter.HostConcurrency(2))))
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if _, err := s.Get(context.Background(), fmt.Sprintf("%s/%d", srv.URL, i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := peak.Load(); got > 2 {
			t.Errorf("server saw %d concurrent requests, want at most 2", got)
		}
	})
}

package async_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/requests3/requests/async"
	"github.com/requests3/requests/client"
)

func TestSmoke(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	}))
	defer srv.Close()
	s := client.NewSession()
	defer s.Close()
	p := async.NewPool(s, async.Workers(4))
	defer p.Close()
	var reqs []*client.Request
	for i := range 100 {
		reqs = append(reqs, client.NewRequest("GET", fmt.Sprintf("%s/%d", srv.URL, i)))
	}
	resps, err := async.Gather(context.Background(), p, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		b, _ := r.Bytes()
		if string(b) != fmt.Sprintf("/%d", i) {
			t.Fatalf("resp %d = %q", i, b)
		}
	}
	st := p.Stats()
	if st.Done != 100 || st.Queued != 0 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/requests3/requests/client"
	"github.com/requests3/requests/client/clienttest"
)

// short is the timeout of the tests that need real sockets, where synctest
// cannot apply.
const short = 50 * time.Millisecond

// warm opens s's connection to srv with a request of no tight deadline, so
// that a short timeout afterwards does not fire while connecting (a TLS
// handshake under the race detector on a busy machine can take longer).
// A session-wide header timeout also bounds the warm-up, so a timeout there
// (a loaded machine) is tried again a few times.
func warm(t *testing.T, s *client.Session, srv *clienttest.Server) {
	t.Helper()
	var err error
	for range 5 {
		if _, err = s.Get(context.Background(), srv.URL+"/warm", client.Timeout(time.Minute)); !errors.Is(err, client.ErrTimeout) {
			break
		}
	}
	if err != nil {
		t.Fatalf("warming up: %v", err)
	}
}

// checkTimeout fails t unless err is a timeout by every promise of the
// package: ErrTimeout, context.DeadlineExceeded, a *RequestError whose
// Timeout() is true and, if connect is set, ErrConnect (and not otherwise).
func checkTimeout(t *testing.T, err error, connect bool) {
	t.Helper()
	if !errors.Is(err, client.ErrTimeout) {
		t.Errorf("errors.Is(%v, ErrTimeout) = false, want true", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false, want true", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = true, want false", err)
	}
	var re *client.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("got %T, want *client.RequestError", err)
	}
	if !re.Timeout() {
		t.Errorf("RequestError.Timeout() = false, want true")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("errors.As(%v, net.Error) with Timeout() = false, want true", err)
	}
	if got := errors.Is(err, client.ErrConnect); got != connect {
		t.Errorf("errors.Is(%v, ErrConnect) = %v, want %v", err, got, connect)
	}
}

func TestTimeoutBeforeHeaders(t *testing.T) {
	script := clienttest.Script{"/slow": {{Delay: time.Hour}}}
	eachScript(t, script, func(t *testing.T, srv *clienttest.Server) {
		tests := []struct {
			name string
			sess []client.Option
			req  []client.RequestOption
		}{
			{"header", []client.Option{client.WithTimeouts(client.Timeouts{Header: short})}, nil},
			{"total", []client.Option{client.WithTimeout(short)}, nil},
			{"request", nil, []client.RequestOption{client.Timeout(short)}},
			{"request over session", []client.Option{client.WithTimeout(time.Hour)}, []client.RequestOption{client.Timeout(short)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := srv.Session(tt.sess...)
				warm(t, s, srv)
				_, err := s.Get(context.Background(), srv.URL+"/slow", tt.req...)
				checkTimeout(t, err, false)
			})
		}
	})
}

func TestTimeoutMidBody(t *testing.T) {
	script := clienttest.Script{"/stall": {{Body: "partial", Stall: true}}}
	eachScript(t, script, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session(client.WithTimeout(short))
		ctx := context.Background()
		warm(t, s, srv)

		_, err := s.Get(ctx, srv.URL+"/stall")
		checkTimeout(t, err, false)

		// Streamed, the deadline runs on after Do returns, until Close.
		resp, err := s.Get(ctx, srv.URL+"/stall", client.Stream(true))
		if err != nil {
			t.Fatalf("stream: got %v, want a response", err)
		}
		defer resp.Close()
		data, err := io.ReadAll(resp.Body)
		if string(data) != "partial" {
			t.Errorf("read %q before the timeout, want %q", data, "partial")
		}
		if !errors.Is(err, client.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("reading a stalled stream: got %v, want ErrTimeout and DeadlineExceeded", err)
		}
	})
}

// blockingDialer dials nothing: it waits until its ctx ends (or the test
// does) and returns the ctx's error.
func blockingDialer(t *testing.T) client.DialFunc {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-done:
			return nil, errors.New("test over")
		}
	}
}

// silentListener accepts connections and never writes to them, so a TLS
// handshake with it never ends. It returns the listener's address.
func silentListener(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestConnectTimeout(t *testing.T) {
	ctx := context.Background()
	t.Run("dial", func(t *testing.T) {
		s := client.NewSession(client.WithDialer(blockingDialer(t)), client.WithTimeouts(client.Timeouts{Connect: short}))
		defer s.Close()
		_, err := s.Get(ctx, "http://dial.test/")
		checkTimeout(t, err, true)
	})
	t.Run("TLS handshake", func(t *testing.T) {
		addr := silentListener(t)
		s := client.NewSession(client.WithTimeouts(client.Timeouts{Connect: short}))
		defer s.Close()
		_, err := s.Get(ctx, "https://"+addr+"/")
		checkTimeout(t, err, true)
	})
	t.Run("total while dialing", func(t *testing.T) {
		s := client.NewSession(client.WithDialer(blockingDialer(t)), client.WithTimeout(short))
		defer s.Close()
		_, err := s.Get(ctx, "http://dial.test/")
		checkTimeout(t, err, true)
	})
}

// blockTransport answers no request: each waits until its context ends.
// If body is set, it answers at once instead, with a body whose reads wait
// until the request's context ends.
type blockTransport struct {
	body bool
	mu   sync.Mutex
	reqs []*http.Request
}

func (b *blockTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	b.mu.Lock()
	b.reqs = append(b.reqs, req)
	b.mu.Unlock()
	if b.body {
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, ContentLength: -1, Request: req,
			Body: io.NopCloser(ctxReader{req.Context()}),
		}, nil
	}
	<-req.Context().Done()
	return nil, req.Context().Err()
}

type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// call runs a request in the bubble and reports, once it returns, its error
// and how long it took in the bubble's time.
func call(s *client.Session, ctx context.Context, opts ...client.RequestOption) (done func() bool, result func() (time.Duration, error)) {
	var (
		elapsed time.Duration
		err     error
		fin     = make(chan struct{})
	)
	go func() {
		start := time.Now()
		_, err = s.Get(ctx, "http://mem.test/", opts...)
		elapsed = time.Since(start)
		close(fin)
	}()
	done = func() bool {
		select {
		case <-fin:
			return true
		default:
			return false
		}
	}
	return done, func() (time.Duration, error) { <-fin; return elapsed, err }
}

func TestTimeoutDeadlines(t *testing.T) {
	tests := []struct {
		name string
		sess []client.Option
		req  []client.RequestOption
		ctx  time.Duration // a deadline of the caller's, if not zero
		want time.Duration
	}{
		{"default total", nil, nil, 0, client.DefaultTotalTimeout},
		{"session", []client.Option{client.WithTimeout(time.Second)}, nil, 0, time.Second},
		{"timeouts", []client.Option{client.WithTimeouts(client.Timeouts{Total: 2 * time.Second})}, nil, 0, 2 * time.Second},
		{"request longer than session", []client.Option{client.WithTimeout(time.Second)}, []client.RequestOption{client.Timeout(5 * time.Second)}, 0, 5 * time.Second},
		{"request shorter than session", []client.Option{client.WithTimeout(10 * time.Second)}, []client.RequestOption{client.Timeout(2 * time.Second)}, 0, 2 * time.Second},
		{"caller's deadline first", nil, nil, 3 * time.Second, 3 * time.Second},
		{"session before caller's deadline", []client.Option{client.WithTimeout(time.Second)}, nil, time.Hour, time.Second},
		{"caller's deadline with no timeout", []client.Option{client.WithTimeout(client.NoTimeout)}, nil, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := client.NewSession(append(tt.sess, client.WithTransport(&blockTransport{}))...)
				ctx := context.Background()
				if tt.ctx != 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.ctx)
					defer cancel()
				}
				_, result := call(s, ctx, tt.req...)
				elapsed, err := result()
				if elapsed != tt.want {
					t.Errorf("timed out after %v, want %v", elapsed, tt.want)
				}
				checkTimeout(t, err, false)
			})
		})
	}
}

func TestNoTimeout(t *testing.T) {
	tests := []struct {
		name string
		sess []client.Option
		req  []client.RequestOption
	}{
		{"session", []client.Option{client.WithTimeout(client.NoTimeout)}, nil},
		{"timeouts", []client.Option{client.WithTimeouts(client.Timeouts{Total: client.NoTimeout})}, nil},
		{"request", []client.Option{client.WithTimeout(time.Second)}, []client.RequestOption{client.Timeout(client.NoTimeout)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := client.NewSession(append(tt.sess, client.WithTransport(&blockTransport{}))...)
				ctx, cancel := context.WithCancel(context.Background())
				done, result := call(s, ctx, tt.req...)
				time.Sleep(1000 * time.Hour)
				synctest.Wait()
				if done() {
					_, err := result()
					t.Fatalf("returned %v after 1000h, want no deadline", err)
				}
				cancel()
				_, err := result()
				if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrTimeout) {
					t.Errorf("after cancel: got %v, want context.Canceled and not ErrTimeout", err)
				}
			})
		})
	}
}

func TestStreamDeadlineRunsUntilClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &blockTransport{body: true}
		s := client.NewSession(client.WithTransport(rt), client.WithTimeout(10*time.Second))
		start := time.Now()
		resp, err := s.Get(context.Background(), "http://mem.test/", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		_, err = resp.Body.Read(make([]byte, 1))
		if got := time.Since(start); got != 10*time.Second {
			t.Errorf("read failed after %v, want 10s", got)
		}
		if !errors.Is(err, client.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("read: got %v, want ErrTimeout and DeadlineExceeded", err)
		}
		resp.Close()

		// Close ends the request's context at once.
		resp, err = s.Get(context.Background(), "http://mem.test/", client.Stream(true))
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if got := rt.reqs[1].Context().Err(); got != context.Canceled {
			t.Errorf("request context after Close: got %v, want context.Canceled", got)
		}
	})
}

func TestCanceledIsNotTimeout(t *testing.T) {
	arrived := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	eachProto(t, h, func(t *testing.T, srv server) {
		s := srv.session(t)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() {
			<-arrived
			cancel()
		})
		_, err := s.Get(ctx, srv.URL)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if errors.Is(err, client.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, client.ErrConnect) {
			t.Errorf("got %v, want neither ErrTimeout, DeadlineExceeded nor ErrConnect", err)
		}
		var re *client.RequestError
		if !errors.As(err, &re) || re.Timeout() {
			t.Errorf("got %#v, want a *RequestError that is not a timeout", err)
		}
	})
}

func TestDoneContextFailsWithoutIO(t *testing.T) {
	eachScript(t, clienttest.Script{"/": {{Body: "ok"}}}, func(t *testing.T, srv *clienttest.Server) {
		s := srv.Session()
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
		defer cancel2()

		_, err := s.Get(canceled, srv.URL+"/")
		if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrTimeout) {
			t.Errorf("canceled ctx: got %v, want context.Canceled and not ErrTimeout", err)
		}
		_, err = s.Get(expired, srv.URL+"/")
		checkTimeout(t, err, false)
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server got %d requests, want 0", n)
		}
		if n := srv.Connections(); n != 0 {
			t.Errorf("server got %d connections, want 0", n)
		}
	})
}

func TestInvalidTimeouts(t *testing.T) {
	srv := clienttest.NewServer(clienttest.Script{"/": {{Body: "ok"}}})
	defer srv.Close()
	tests := []struct {
		name string
		sess []client.Option
		req  []client.RequestOption
	}{
		{"session total", []client.Option{client.WithTimeout(-time.Second)}, nil},
		{"connect", []client.Option{client.WithTimeouts(client.Timeouts{Connect: -time.Second})}, nil},
		{"header", []client.Option{client.WithTimeouts(client.Timeouts{Header: -time.Minute})}, nil},
		{"request", nil, []client.RequestOption{client.Timeout(-2 * time.Second)}},
	}
	for _, tt := range tests {
		s := srv.Session(tt.sess...)
		_, err := s.Get(context.Background(), srv.URL+"/", tt.req...)
		if !errors.Is(err, client.ErrInvalidRequest) {
			t.Errorf("%s: got %v, want ErrInvalidRequest", tt.name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "NoTimeout") {
			t.Errorf("%s: error %q does not point to client.NoTimeout", tt.name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestSessionTimeouts(t *testing.T) {
	tests := []struct {
		name string
		opts []client.Option
		want client.Timeouts
	}{
		{"defaults", nil, client.Timeouts{Connect: 10 * time.Second, Header: client.NoTimeout, Total: 30 * time.Second}},
		{"total", []client.Option{client.WithTimeout(time.Second)}, client.Timeouts{Connect: 10 * time.Second, Header: client.NoTimeout, Total: time.Second}},
		{"all", []client.Option{client.WithTimeouts(client.Timeouts{Connect: 1, Header: 2, Total: 3})}, client.Timeouts{Connect: 1, Header: 2, Total: 3}},
		{"off", []client.Option{client.WithTimeouts(client.Timeouts{Connect: client.NoTimeout, Total: client.NoTimeout})},
			client.Timeouts{Connect: client.NoTimeout, Header: client.NoTimeout, Total: client.NoTimeout}},
	}
	for _, tt := range tests {
		s := client.NewSession(tt.opts...)
		if got := s.Timeouts(); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
		if got := client.NewSession(client.WithTimeouts(s.Timeouts())).Timeouts(); got != tt.want {
			t.Errorf("%s: round trip through WithTimeouts: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

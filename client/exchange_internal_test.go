package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
	"unsafe"
)

// TestExchangeSize: every Get allocates a sendExchange, and every Do an
// exchange. The allocator rounds them up to a size class (896 and 704
// bytes), after adding a word for the type of an object of more than 512
// bytes that holds pointers, so a field that pushes one over costs every
// request 64 to 128 bytes more, and every byte allocated brings the next
// garbage collection nearer.
func TestExchangeSize(t *testing.T) {
	if got := unsafe.Sizeof(sendExchange{}); got > 896-8 {
		t.Errorf("sendExchange is %d bytes, want at most 888", got)
	}
	if got := unsafe.Sizeof(exchange{}); got > 704-8 {
		t.Errorf("exchange is %d bytes, want at most 696", got)
	}
}

// TestTraceKey: the key of httptrace's contexts is learned, so that a
// call's trace costs no allocation, and a traceCtx is seen by httptrace
// as WithClientTrace's contexts are. Should a Go release hide the key,
// calls fall back to WithClientTrace and this test says so.
func TestTraceKey(t *testing.T) {
	if traceKey == nil {
		t.Fatal("the key of httptrace's contexts could not be learned: every call pays an allocation for its trace")
	}
	trace := &httptrace.ClientTrace{}
	ctx := &traceCtx{context.Background(), trace}
	if got := httptrace.ContextClientTrace(ctx); got != trace {
		t.Errorf("ContextClientTrace(traceCtx) = %p, want %p", got, trace)
	}
	// A trace added over it composes with it, as over WithClientTrace's.
	var got []string
	trace.GotConn = func(httptrace.GotConnInfo) { got = append(got, "call") }
	outer := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got = append(got, "outer") }})
	httptrace.ContextClientTrace(outer).GotConn(httptrace.GotConnInfo{})
	if len(got) != 2 {
		t.Errorf("GotConn through a trace over traceCtx ran %v, want both hooks", got)
	}
}

// TestKeptResponseHoldsNoTransportResponse: a response read into memory
// lets go of the transport's *http.Response and its body wrappers, so that
// keeping many responses (a Gather batch) keeps only what they show. A
// streamed one keeps it: HTTPClient hands it back.
func TestKeptResponseHoldsNoTransportResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()
	s := NewSession()
	defer s.Close()
	ctx := context.Background()

	resp, err := s.Get(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.raw != nil {
		t.Error("a response read into memory still holds the transport's response")
	}
	if got, _ := resp.Text(); got != "hello" {
		t.Errorf("body %q, want hello", got)
	}

	streamed, err := s.Get(ctx, srv.URL, Stream(true))
	if err != nil {
		t.Fatal(err)
	}
	defer streamed.Close()
	if streamed.raw == nil {
		t.Error("a streamed response lost the transport's response")
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/requests3/requests/client"
)

// sessionOverFasthttp is a reference held to no target: a default session
// whose transport is fasthttp's client behind a minimal RoundTripper
// (fasthttpTransport), HTTP/1.1 only. Its distance from session is what
// net/http's transport costs the session; its distance from net/http is
// what the session's own layer costs over a faster transport.
func sessionOverFasthttp(w *workload) (func(context.Context, string) error, func()) {
	fc := &fasthttp.Client{StreamResponseBody: true}
	s := client.NewSession(client.WithTransport(fasthttpTransport{fc}))
	return sessionGet(w, s), func() {
		s.Close()
		fc.CloseIdleConnections()
	}
}

// fasthttpTransport sends a request with a fasthttp client, enough for the
// comparison's GETs and no more: no proxies, no HTTP/2, no cancellation
// but the context's deadline (fasthttp takes no context). The client must
// stream response bodies (StreamResponseBody), which the session then reads
// as it reads net/http's.
type fasthttpTransport struct{ c *fasthttp.Client }

func (t fasthttpTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	freq := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(freq)
	freq.SetRequestURI(req.URL.String())
	freq.Header.SetMethod(req.Method)
	if req.Host != "" {
		freq.Header.SetHost(req.Host)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			freq.Header.Add(k, v)
		}
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		freq.SetBody(body)
	}
	fresp := fasthttp.AcquireResponse()
	var err error
	if deadline, ok := req.Context().Deadline(); ok {
		err = t.c.DoDeadline(freq, fresp, deadline)
	} else {
		err = t.c.Do(freq, fresp)
	}
	if err != nil {
		fasthttp.ReleaseResponse(fresp)
		return nil, err
	}
	length := int64(fresp.Header.ContentLength())
	if length < 0 {
		length = -1 // chunked, or read to the connection's end: unknown to net/http
	}
	header := make(http.Header)
	for k, v := range fresp.Header.All() {
		header.Add(string(k), string(v))
	}
	return &http.Response{
		Status:        http.StatusText(fresp.StatusCode()),
		StatusCode:    fresp.StatusCode(),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          &fasthttpBody{resp: fresp},
		ContentLength: length,
		Request:       req,
	}, nil
}

// fasthttpBody is a response body read from fasthttp's stream, or from its
// buffer when fasthttp read the body whole; Close gives the response back
// to fasthttp's pool.
type fasthttpBody struct {
	resp *fasthttp.Response
	r    io.Reader
}

func (b *fasthttpBody) Read(p []byte) (int, error) {
	if b.resp == nil {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.r == nil {
		if b.r = b.resp.BodyStream(); b.r == nil {
			b.r = bytes.NewReader(b.resp.Body())
		}
	}
	return b.r.Read(p)
}

func (b *fasthttpBody) Close() error {
	if b.resp == nil {
		return nil
	}
	err := b.resp.CloseBodyStream()
	fasthttp.ReleaseResponse(b.resp)
	b.resp = nil
	return err
}

package retry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// drainLimit is how much of an abandoned response body Do reads so that its
// connection can be reused; a longer body is closed unread.
const drainLimit = 4 << 10

// Do sends req through send until [Policy.Next] says an attempt is final,
// waiting between attempts, and returns the final attempt's response and
// error unchanged. When retries run out on a 503, say, the caller gets that
// 503 with its body unread.
//
// Each attempt is a shallow copy of req whose context is ctx; from the
// second attempt on, its body is a new one from req.GetBody. Do does not
// modify req. send may be [http.Client.Do] or the RoundTrip method of an
// [http.RoundTripper], and must close the request body as RoundTrip does;
// like http.Client.Do, Do closes req.Body on every path.
//
// Before a retry, Do reads up to a few kilobytes of the abandoned
// response's body and closes it, so that its connection can be reused. The
// wait between attempts ends at once when ctx ends, and Do then returns
// ctx.Err(). A ctx that is already done gives ctx.Err() without sending.
func (p Policy) Do(ctx context.Context, req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	r := req.WithContext(ctx)
	for attempt := 1; ; attempt++ {
		resp, err := send(r)
		delay, ok := p.Next(r, attempt, resp, err)
		if !ok {
			return resp, err
		}
		discard(resp)
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
		r = req.WithContext(ctx)
		if req.Body != nil && req.Body != http.NoBody {
			// Next allows a retry only if GetBody is set.
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("retry: rewind request body: %w", err)
			}
			r.Body = body
		}
	}
}

// sleep waits for d or until ctx ends, whichever is first, and returns
// ctx.Err() in the second case.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// discard drains a little of resp's body, as net/http does before following
// a redirect, and closes it.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	if resp.ContentLength == -1 || resp.ContentLength <= drainLimit {
		io.CopyN(io.Discard, resp.Body, drainLimit)
	}
	resp.Body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

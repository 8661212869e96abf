package client

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/requests3/requests/internal/attempt"
	"github.com/requests3/requests/internal/redact"
	"github.com/requests3/requests/retry"
)

// WithRetry retries failed requests of the session by policy p: by default
// connection failures, and 429, 502, 503 and 504 responses to idempotent
// requests (or to requests that carry an Idempotency-Key), with
// exponential backoff and full jitter, obeying Retry-After. See
// [retry.Policy] for the defaults of its zero value. Without this option a
// session does not retry.
func WithRetry(p retry.Policy) Option {
	return optionFunc(func(c *config) { c.retry = &p })
}

// Retry sets the retry policy of this request, replacing the session's.
// Retry(retry.Policy{MaxAttempts: 1}) turns retries off for the request.
func Retry(p retry.Policy) RequestOption {
	return requestOptionFunc(func(r *Request) { r.retry, r.retrySet = &p, true })
}

// RetryPolicy returns the session's retry policy, and false if the session
// does not retry.
func (s *Session) RetryPolicy() (retry.Policy, bool) {
	if s.cfg.retry == nil {
		return retry.Policy{}, false
	}
	return *s.cfg.retry, true
}

// roundTrip sends one hop, retrying it as the call's policy allows. Each
// retry rewinds the body; a backoff ends at once when the call's context
// does. When the policy gives up on an error, the error says how many
// attempts were made; when it gives up on a response, that response is
// returned.
func (c *call) roundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if c.retry == nil || attempt.IsSingle(ctx) {
		return c.attempt(req)
	}
	for n := 1; ; n++ {
		resp, err := c.attempt(req)
		delay, ok := c.retry.Next(req, n, resp, err)
		if !ok {
			if err != nil && n > 1 {
				err = fmt.Errorf("client: gave up after %d attempts: %w", n, err)
			}
			return resp, err
		}
		if ce := c.s.logger.Check(zap.DebugLevel, "retry"); ce != nil {
			fields := []zap.Field{
				zap.String("method", req.Method),
				zap.String("url", redact.URL(req.URL)),
				zap.Int("attempt", n),
				zap.Duration("delay", delay),
			}
			if resp != nil {
				fields = append(fields, zap.Int("status", resp.StatusCode))
			} else {
				fields = append(fields, zap.String("error", err.Error()))
			}
			ce.Write(fields...)
		}
		if resp != nil {
			drainClose(resp)
		}
		if err := wait(ctx, delay); err != nil {
			return nil, classify(ctx, err)
		}
		next, err := rewind(req)
		if err != nil {
			return nil, err
		}
		req = next
	}
}

// rewind returns a copy of req with a fresh body for another attempt.
func rewind(req *http.Request) (*http.Request, error) {
	next := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("%w: rewinding the body for a retry: %w", ErrInvalidRequest, err)
		}
		next.Body = body
	}
	return next, nil
}

// wait blocks for d or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

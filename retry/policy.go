package retry

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Defaults of the zero [Policy].
const (
	DefaultMaxAttempts   = 3
	DefaultMaxRetryAfter = 60 * time.Second
)

// defaultBackoff is the Backoff of a Policy whose Backoff is nil.
var defaultBackoff Backoff = ExponentialBackoff{}

// Policy decides whether, and after how long, an HTTP request is tried
// again. [Policy.Next] makes the decision for one attempt; [Policy.Do] runs
// a whole loop of attempts.
//
// The zero value is a sound policy: up to [DefaultMaxAttempts] attempts,
// [ExponentialBackoff] with its defaults between them, [DefaultClassify] to
// choose what is retried, a Retry-After header obeyed up to
// [DefaultMaxRetryAfter], and no budget.
//
// A Policy is plain data: copy it freely. Its methods do not modify it and
// are safe for concurrent use, provided that its Backoff, Classify and Now
// are, as the defaults and [Budget] are.
type Policy struct {
	// MaxAttempts is the most attempts a request gets, the first one
	// included. Zero means DefaultMaxAttempts; 1, or a negative value,
	// means no retries.
	MaxAttempts int

	// Backoff chooses the wait before each retry. Nil means an
	// ExponentialBackoff with its defaults: full jitter from 100ms,
	// capped at 10s.
	Backoff Backoff

	// Classify reports whether an attempt that ended with resp and err
	// is worth retrying. Nil means DefaultClassify. It is consulted only
	// when a retry would be safe (see Next), so it need not check the
	// request's context or body.
	Classify func(req *http.Request, resp *http.Response, err error) bool

	// IgnoreRetryAfter makes retries of a response wait for Backoff
	// even when the response has a Retry-After header. By default the
	// header's delay replaces the backoff.
	IgnoreRetryAfter bool

	// MaxRetryAfter is the longest Retry-After delay obeyed. A response
	// that asks for a longer wait is not retried: it is returned to the
	// caller, who can read it. Zero or negative means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration

	// Budget, if not nil, caps retries as a share of recent requests to
	// each host (the request URL's host and port). Share one Budget
	// between every Policy that talks to the same hosts.
	Budget *Budget

	// Now returns the current time; nil means time.Now. Next reads it
	// once, for HTTP-date Retry-After values, the Budget and the
	// request's deadline, so it must agree with the clock of the
	// request's context.
	Now func() time.Time
}

// Next decides what follows attempt number attempt (counting from 1, the
// attempt that just finished) of req, which ended with resp and err. It
// returns how long to wait before the next attempt and whether to make it.
// When ok is false, the caller returns resp and err as they are; Next
// neither reads nor closes resp.Body.
//
// Call Next after every attempt, successes included: with a Budget, attempt
// 1 counts as one request to the host, and a retry is allowed only within
// the share those requests earn.
//
// Pass the request that carries the caller's context, the one spanning all
// attempts. If req is nil, resp.Request is used. Next says no when:
//
//   - attempt has reached MaxAttempts (or is below 1);
//   - the caller's context has ended, or err wraps [context.Canceled]: a
//     timeout of the whole call is never retried, while the per-attempt
//     timeouts of a transport (dial, response header) may be;
//   - req has a body that cannot be rewound (Body set, GetBody nil);
//   - Classify says the outcome is final;
//   - the response's Retry-After asks for longer than MaxRetryAfter;
//   - the wait would end at or after the deadline of req's context, so
//     the caller gets this response instead of a deadline error;
//   - the Budget has no retry left for req's host.
//
// A Retry-After that is malformed is ignored and Backoff decides the wait.
// Next does not sleep; apart from the Budget it changes no state.
func (p Policy) Next(req *http.Request, attempt int, resp *http.Response, err error) (delay time.Duration, ok bool) {
	if req == nil && resp != nil {
		req = resp.Request
	}
	if req == nil || attempt < 1 {
		return 0, false
	}
	now := p.now()
	var key string
	if p.Budget != nil {
		key = hostKey(req)
		if attempt == 1 {
			p.Budget.Record(key, now)
		}
	}
	if attempt >= p.maxAttempts() || (resp == nil && err == nil) {
		return 0, false
	}
	ctx := req.Context()
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return 0, false
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return 0, false
	}
	classify := p.Classify
	if classify == nil {
		classify = DefaultClassify
	}
	if !classify(req, resp, err) {
		return 0, false
	}

	backoff := p.Backoff
	if backoff == nil {
		backoff = defaultBackoff
	}
	delay = backoff.Delay(attempt)
	if err == nil && !p.IgnoreRetryAfter {
		if v := resp.Header.Get("Retry-After"); v != "" {
			if d, ok := ParseRetryAfter(v, now); ok {
				if d > p.maxRetryAfter() {
					return 0, false
				}
				delay = d
			}
		}
	}
	delay = max(delay, 0)
	if deadline, ok := ctx.Deadline(); ok && deadline.Sub(now) <= delay {
		return 0, false
	}
	if p.Budget != nil && !p.Budget.Allow(key, now) {
		return 0, false
	}
	return delay, true
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) maxAttempts() int {
	switch {
	case p.MaxAttempts == 0:
		return DefaultMaxAttempts
	case p.MaxAttempts < 0:
		return 1
	}
	return p.MaxAttempts
}

func (p Policy) maxRetryAfter() time.Duration {
	if p.MaxRetryAfter <= 0 {
		return DefaultMaxRetryAfter
	}
	return p.MaxRetryAfter
}

// hostKey is the Budget key of req: its URL's host and port as written.
func hostKey(req *http.Request) string {
	if req.URL != nil && req.URL.Host != "" {
		return req.URL.Host
	}
	return req.Host
}

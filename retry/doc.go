// Package retry decides whether, and when, an HTTP request is tried again.
//
// It holds the decision, not the transport: a [Policy] looks at the outcome
// of one attempt and answers with a delay or a no. The client session and
// the async pool both ask the same question, so a request is retried by the
// same rules whichever way it is sent. The package depends only on the
// standard library, starts no goroutines and keeps no global state.
//
// # Policies
//
// [Policy] is plain data whose zero value is a sound default: three
// attempts, exponential backoff with full jitter, [DefaultClassify], and a
// Retry-After header obeyed up to a minute. [Policy.Next] is the decision
// for one attempt; it sleeps on nothing, so a scheduler with its own timers
// can queue the retry. [Policy.Do] runs a whole loop for a caller that can
// block: it rewinds the request body, drains abandoned responses, waits
// with a timer that ends with the context, and returns the last response
// unread when the retries run out.
//
// # What is retried
//
// [DefaultClassify] retries connection failures (refused, reset, EOF,
// timeouts of one attempt) and 429, 502, 503 and 504 responses, only for
// [Idempotent] requests: GET, HEAD, OPTIONS, TRACE, PUT and DELETE, or any
// request with an Idempotency-Key or X-Idempotency-Key header. A dial that
// failed sent nothing and is retried whatever the method. Errors are matched
// with [errors.Is] and [errors.As], never by their text. A custom Classify
// replaces the rules but not the safety checks of [Policy.Next]: nothing is
// retried once the caller's context has ended, and a body without GetBody
// is never sent twice.
//
// # Waiting
//
// [Backoff] chooses the wait before each retry: [Exponential] (full jitter,
// with an injectable random source in [ExponentialBackoff]) or [Constant],
// or any [BackoffFunc]. A Retry-After header replaces the backoff;
// [ParseRetryAfter] reads both of its forms. A server that asks for more
// than [Policy.MaxRetryAfter] gets its response returned rather than an
// hour's sleep, and a wait that would outlast the request's deadline is not
// started.
//
// # Budgets
//
// A [Budget] caps retries per host as a share of recent requests plus a
// small reserve, so that a host that fails everything sees a little more
// traffic, not MaxAttempts times as much. Share one Budget across the
// policies that talk to the same hosts.
package retry

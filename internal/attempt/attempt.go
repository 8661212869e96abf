// Package attempt is how the async pool and a session cooperate on one
// attempt of a request. A context carrying a [Call] tells the session to
// send each hop once (the pool schedules retries itself), tells the
// limiter's middleware that the pool has admitted the request already,
// hands the session the URL the pool resolved, and receives the session's
// own cancel func, so that the pool can abort the attempt without a
// context of its own.
package attempt

import (
	"context"
	"net/url"
	"sync"
)

type key struct{}

// Call is the pool's handle on one attempt. Its zero value is ready; it
// must not be copied after first use.
type Call struct {
	// Admitted is the *limiter.Limiter that admitted the attempt, or nil.
	Admitted any
	// URL, when set, is what the session's ResolveURL returned for
	// Request (a *client.Request), for the pool had to resolve it to find
	// its host. The session takes it (setting it to nil) rather than
	// resolving the URL again.
	URL     *url.URL
	Request any

	mu       sync.Mutex // guards cancel, canceled and req
	cancel   func()
	canceled bool
	req      any // the request of the attempt under way (see Begin)
}

// With returns ctx carrying c.
func With(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, key{}, c)
}

// Context is a context carrying a Call, as With makes, for a caller that
// keeps one beside its Call: a pointer to a Context that is a field of the
// struct holding the Call is a context.Context that costs no allocation.
//
// Set it with [Context.Init] before its first use and never again: the
// contexts the session derives from it (and the responses that keep them)
// may read it at any time, from any goroutine.
type Context struct {
	context.Context
	call *Call
}

// Init makes c the context parent carrying call.
func (c *Context) Init(parent context.Context, call *Call) {
	c.Context, c.call = parent, call
}

// Value returns c's Call for the key of this package, and otherwise what
// the parent holds for key.
func (c *Context) Value(k any) any {
	if _, ok := k.(key); ok {
		return c.call
	}
	return c.Context.Value(k)
}

// Without returns ctx carrying no Call, whatever its parents carry.
func Without(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, (*Call)(nil))
}

// Begin marks the start of the pool's attempt of r (a *client.Request),
// and End its end. A context carrying c outlives the attempt (a response
// keeps it, and its caller may make more calls with it), so a session
// takes c as its handle only for a call of r in between: see For.
func (c *Call) Begin(r any) {
	c.mu.Lock()
	c.req = r
	c.mu.Unlock()
}

// End marks the end of the attempt that Begin started.
func (c *Call) End() {
	c.mu.Lock()
	c.req = nil
	c.mu.Unlock()
}

// For reports whether c is the handle of the attempt of r under way. A
// call that finds a Call in its context but is not that attempt must not
// use it: see Without.
func (c *Call) For(r any) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.req != nil && c.req == r
}

// From returns the Call that ctx carries, or nil.
func From(ctx context.Context) *Call {
	c, _ := ctx.Value(key{}).(*Call)
	return c
}

// TakeURL returns the URL resolved for r and forgets it, or nil.
func (c *Call) TakeURL(r any) *url.URL {
	if c == nil || c.URL == nil || c.Request != r {
		return nil
	}
	u := c.URL
	c.URL, c.Request = nil, nil
	return u
}

// IsSingle reports whether ctx carries a Call: a session sends each hop of
// a request made with it once.
func IsSingle(ctx context.Context) bool { return From(ctx) != nil }

// Bind gives c the func that aborts the attempt under way. If c has been
// canceled, Bind calls cancel at once.
func (c *Call) Bind(cancel func()) {
	c.mu.Lock()
	if c.canceled {
		c.mu.Unlock()
		cancel()
		return
	}
	c.cancel = cancel
	c.mu.Unlock()
}

// Unbind forgets the func given to Bind: the attempt is over, and what it
// returned (a streamed body, say) is no longer the pool's to abort.
func (c *Call) Unbind() {
	c.mu.Lock()
	c.cancel = nil
	c.mu.Unlock()
}

// Reset readies c for another request, as if new. Nothing may be bound to
// c and no other goroutine may use it.
func (c *Call) Reset() {
	c.Admitted, c.URL, c.Request = nil, nil, nil
	c.cancel, c.canceled, c.req = nil, false, nil
}

// Cancel aborts the attempt under way, or the next one as soon as it binds.
func (c *Call) Cancel() {
	c.mu.Lock()
	c.canceled = true
	cancel := c.cancel
	c.cancel = nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Canceled reports whether Cancel has been called.
func (c *Call) Canceled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.canceled
}

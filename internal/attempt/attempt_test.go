package attempt

import (
	"context"
	"net/url"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWith(t *testing.T) {
	ctx := context.Background()
	if IsSingle(ctx) || From(ctx) != nil {
		t.Error("Background carries a Call, want none")
	}
	c := new(Call)
	c2, cancel := context.WithCancel(With(ctx, c))
	defer cancel()
	if got := From(c2); got != c {
		t.Errorf("From of a context derived from With = %p, want %p", got, c)
	}
	if !IsSingle(c2) {
		t.Error("IsSingle of a context derived from With = false, want true")
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name string
		run  func(c *Call, cancel func())
		want int // calls of cancel
	}{
		{"bound then canceled", func(c *Call, cancel func()) { c.Bind(cancel); c.Cancel() }, 1},
		{"canceled then bound", func(c *Call, cancel func()) { c.Cancel(); c.Bind(cancel) }, 1},
		{"canceled twice", func(c *Call, cancel func()) { c.Bind(cancel); c.Cancel(); c.Cancel() }, 1},
		{"unbound", func(c *Call, cancel func()) { c.Bind(cancel); c.Unbind(); c.Cancel() }, 0},
		{"never canceled", func(c *Call, cancel func()) { c.Bind(cancel) }, 0},
	}
	for _, tt := range tests {
		c := new(Call)
		n := 0
		tt.run(c, func() { n++ })
		if n != tt.want {
			t.Errorf("%s: cancel called %d times, want %d", tt.name, n, tt.want)
		}
		if got := c.Canceled(); got != (tt.want > 0 || tt.name == "unbound") {
			t.Errorf("%s: Canceled() = %v", tt.name, got)
		}
	}
}

func TestTakeURL(t *testing.T) {
	u, _ := url.Parse("http://a.test/")
	r, other := new(int), new(int)
	c := &Call{URL: u, Request: r}
	if got := c.TakeURL(other); got != nil {
		t.Errorf("TakeURL for another request = %v, want nil", got)
	}
	if got := c.TakeURL(r); got != u {
		t.Errorf("TakeURL = %v, want %v", got, u)
	}
	if got := c.TakeURL(r); got != nil {
		t.Errorf("second TakeURL = %v, want nil: a retry resolves the URL again", got)
	}
	if got := (*Call)(nil).TakeURL(r); got != nil {
		t.Errorf("TakeURL on nil = %v, want nil", got)
	}
}

type otherKey struct{}

func TestContext(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "v"))
	defer cancelParent()
	var holder struct {
		call Call
		ctx  Context
	}
	holder.ctx.Init(parent, &holder.call)
	child, cancel := context.WithTimeout(&holder.ctx, time.Hour)
	defer cancel()
	if got := From(child); got != &holder.call {
		t.Errorf("From of a context derived from a Context = %p, want %p", got, &holder.call)
	}
	if got := child.Value(otherKey{}); got != "v" {
		t.Errorf("Value of the parent's key = %v, want v", got)
	}
	cancelParent()
	<-child.Done() // the parent's cancellation reaches the child
	if got := child.Err(); got != context.Canceled {
		t.Errorf("child's Err after the parent's cancel = %v, want %v", got, context.Canceled)
	}
}

func TestContextAllocs(t *testing.T) {
	var holder struct {
		call Call
		ctx  Context
	}
	parent := context.Background()
	var sink context.Context
	got := testing.AllocsPerRun(100, func() {
		holder.ctx.Init(parent, &holder.call)
		sink = &holder.ctx
	})
	if got != 0 {
		t.Errorf("a Context costs %v allocations, want 0", got)
	}
	_ = sink
}

func TestReset(t *testing.T) {
	u, _ := url.Parse("http://a.test/")
	c := &Call{Admitted: 1, URL: u, Request: 2}
	c.Cancel()
	c.Reset()
	if c.Canceled() || c.Admitted != nil || c.URL != nil || c.Request != nil {
		t.Errorf("after Reset: canceled %v, Admitted %v, URL %v, Request %v; want all zero", c.Canceled(), c.Admitted, c.URL, c.Request)
	}
	n := 0
	c.Bind(func() { n++ })
	if n != 0 {
		t.Errorf("Bind after Reset called cancel %d times, want 0", n)
	}
}

func TestForAndWithout(t *testing.T) {
	var c Call
	r, other := new(int), new(int)
	if c.For(r) {
		t.Error("For before Begin = true, want false")
	}
	c.Begin(r)
	if !c.For(r) || c.For(other) {
		t.Errorf("during the attempt of r: For(r) = %v, For(other) = %v; want true, false", c.For(r), c.For(other))
	}
	c.End()
	if c.For(r) {
		t.Error("For after End = true, want false")
	}
	if (*Call)(nil).For(r) {
		t.Error("For on nil = true, want false")
	}
	ctx := Without(With(context.Background(), &c))
	if got := From(ctx); got != nil {
		t.Errorf("From(Without(...)) = %p, want nil", got)
	}
	if IsSingle(ctx) {
		t.Error("IsSingle(Without(...)) = true, want false")
	}
}

package attempt

import (
	"context"
	"net/url"
	"testing"

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

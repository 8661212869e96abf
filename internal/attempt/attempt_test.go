package attempt

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSingle(t *testing.T) {
	ctx := context.Background()
	if IsSingle(ctx) {
		t.Error("IsSingle(Background) = true, want false")
	}
	c2, cancel := context.WithCancel(Single(ctx))
	defer cancel()
	if !IsSingle(c2) {
		t.Error("IsSingle of a context derived from Single = false, want true")
	}
}

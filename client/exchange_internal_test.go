package client

import (
	"testing"
	"unsafe"
)

// TestExchangeSize: every Get allocates a sendExchange, and every Do an
// exchange. The allocator rounds them up to a size class (1152 and 896
// bytes), so a field that pushes one over costs every request 128 to 384
// bytes more.
func TestExchangeSize(t *testing.T) {
	if got := unsafe.Sizeof(sendExchange{}); got > 1152 {
		t.Errorf("sendExchange is %d bytes, want at most 1152", got)
	}
	if got := unsafe.Sizeof(exchange{}); got > 896 {
		t.Errorf("exchange is %d bytes, want at most 896", got)
	}
}

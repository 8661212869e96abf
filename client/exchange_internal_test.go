package client

import (
	"testing"
	"unsafe"
)

// TestExchangeSize: every Get allocates a sendExchange, and every Do an
// exchange. The allocator rounds them up to a size class (1024 and 704
// bytes), after adding a word for the type of an object of more than 512
// bytes that holds pointers, so a field that pushes one over costs every
// request 64 to 128 bytes more, and every byte allocated brings the next
// garbage collection nearer.
func TestExchangeSize(t *testing.T) {
	if got := unsafe.Sizeof(sendExchange{}); got > 1024-8 {
		t.Errorf("sendExchange is %d bytes, want at most 1016", got)
	}
	if got := unsafe.Sizeof(exchange{}); got > 704-8 {
		t.Errorf("exchange is %d bytes, want at most 696", got)
	}
}

//go:build race

package client_test

import "time"

// The large upload test is smaller under the race detector, which slows
// every copy down (HTTP/2 framing most): the sized upload is 64 MiB, twice
// the heap the test allows, and the chunked one stops at 256 MiB or after
// uploadBudget, whichever comes first.
const (
	sizedUpload    = 64 << 20
	streamedUpload = 256 << 20
	uploadBudget   = 2 * time.Second
)

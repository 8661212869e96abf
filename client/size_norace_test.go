//go:build !race

package client_test

import "time"

// The large upload test sends 1 GiB, sized and chunked; the budget only
// guards against a stall.
const (
	sizedUpload    = 1 << 30
	streamedUpload = 1 << 30
	uploadBudget   = time.Minute
)

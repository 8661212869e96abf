//go:build race

package client_test

// raceEnabled reports whether the race detector is on. It makes sync.Pool
// drop a quarter of what is put back, so code that recycles buffers
// allocates more under it.
const raceEnabled = true

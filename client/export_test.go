package client

import "time"

// SetNetrcRecheck sets how long a look at the default netrc file is
// trusted, for tests that change the file in place, and returns a func
// that restores the old value.
func SetNetrcRecheck(d time.Duration) (restore func()) {
	old := netrcRecheck
	netrcRecheck = d
	return func() { netrcRecheck = old }
}

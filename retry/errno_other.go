//go:build !windows

package retry

// platformConnErrors are connection errors the platform reports beyond the
// POSIX errors that transient checks; other systems use the POSIX names.
var platformConnErrors []error

package retry

import "syscall"

// platformConnErrors are the errors Windows reports for a connection that
// was reset or aborted, which do not match their POSIX names in syscall.
var platformConnErrors = []error{syscall.WSAECONNRESET, syscall.WSAECONNABORTED}

package async_test

import (
	"time"

	"github.com/requests3/requests/retry"
)

func retryPolicy(d time.Duration) retry.Policy {
	return retry.Policy{MaxAttempts: 5, Backoff: retry.Constant(d)}
}

package retry

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// maxSeconds is the largest whole number of seconds a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// ParseRetryAfter parses the value of a Retry-After header (RFC 9110,
// section 10.2.3) and returns how long after now the server asks the client
// to wait. Both forms are accepted: delay-seconds ("120") and an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", and the obsolete RFC 850 and asctime
// forms).
//
// A date in the past gives (0, true): the server allows a retry now. A
// number of seconds too large for a [time.Duration] gives the largest
// Duration, so that a cap such as [Policy.MaxRetryAfter] rejects it. An
// empty, negative, fractional or otherwise malformed value gives (0, false):
// the caller should ignore the header rather than fail.
//
// ParseRetryAfter is a pure function; it does not read the clock.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	v := strings.Trim(value, " \t")
	if v == "" {
		return 0, false
	}
	if secs, ok := parseSeconds(v); ok {
		if secs > maxSeconds {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseSeconds parses 1*DIGIT. It does not accept a sign, and it saturates
// at maxSeconds+1 instead of overflowing, so any longer run of digits is
// still a well-formed, very large delay.
func parseSeconds(s string) (int64, bool) {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= maxSeconds {
			n = n*10 + int64(c-'0')
		}
	}
	return n, true
}

package retry_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/requests3/requests/retry"
)

// now is a fixed instant for tests of pure functions of time.
var now = time.Date(2026, time.March, 14, 9, 26, 53, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", "120", 120 * time.Second, true},
		{"zero", "0", 0, true},
		{"leading zeros", "007", 7 * time.Second, true},
		{"surrounding whitespace", " \t5\t ", 5 * time.Second, true},
		{"largest whole duration", "9223372036", 9223372036 * time.Second, true},
		{"just past a duration", "9223372037", time.Duration(math.MaxInt64), true},
		{"huge", "99999999999999999999999999999999", time.Duration(math.MaxInt64), true},
		{"http date", "Sat, 14 Mar 2026 09:27:23 GMT", 30 * time.Second, true},
		{"rfc 850 date", "Saturday, 14-Mar-26 09:28:53 GMT", 2 * time.Minute, true},
		{"asctime date", "Sat Mar 14 10:26:53 2026", time.Hour, true},
		{"date now", "Sat, 14 Mar 2026 09:26:53 GMT", 0, true},
		{"past date", "Sat, 14 Mar 2026 09:00:00 GMT", 0, true},
		{"long past date", "Thu, 01 Jan 1970 00:00:00 GMT", 0, true},
		{"far future date", "Fri, 31 Dec 9999 23:59:59 GMT", time.Duration(math.MaxInt64), true},
		{"empty", "", 0, false},
		{"blank", "  ", 0, false},
		{"negative", "-1", 0, false},
		{"plus sign", "+5", 0, false},
		{"fraction", "1.5", 0, false},
		{"exponent", "1e3", 0, false},
		{"unit", "5s", 0, false},
		{"inner space", "1 2", 0, false},
		{"word", "soon", 0, false},
		{"bad date", "Sat, 32 Mar 2026 09:26:53 GMT", 0, false},
		{"date without zone", "Sat, 14 Mar 2026 09:26:53", 0, false},
		{"two values", "5, 6", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retry.ParseRetryAfter(tt.value, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{
		"0", "120", " 7 ", "-1", "+5", "1.5", "", "99999999999999999999999",
		"Sat, 14 Mar 2026 09:27:23 GMT", "Saturday, 14-Mar-26 09:28:53 GMT",
		"Sat Mar 14 10:26:53 2026", "Thu, 01 Jan 1970 00:00:00 GMT", "soon",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := retry.ParseRetryAfter(s, now)
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false; want 0 when not ok", s, d)
		}
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, want a non-negative delay", s, d)
		}
		if d2, ok2 := retry.ParseRetryAfter(s, now); d2 != d || ok2 != ok {
			t.Fatalf("ParseRetryAfter(%q) gave %v, %v then %v, %v", s, d, ok, d2, ok2)
		}
		// A run of digits is always a valid delay-seconds.
		v := strings.Trim(s, " \t")
		if v != "" && strings.Trim(v, "0123456789") == "" {
			if !ok {
				t.Fatalf("ParseRetryAfter(%q) not ok, want ok for delay-seconds", s)
			}
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n <= math.MaxInt64/int64(time.Second) {
				if want := time.Duration(n) * time.Second; d != want {
					t.Fatalf("ParseRetryAfter(%q) = %v, want %v", s, d, want)
				}
			}
		}
		// A date that parses is measured from now.
		if tm, err := http.ParseTime(v); err == nil && ok {
			if want := max(tm.Sub(now), 0); d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, want %v", s, d, want)
			}
		}
	})
}

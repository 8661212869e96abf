package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun downloads a small file: the first transfer is cut, the second
// resumes it, and the file matches.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, t.TempDir(), 4<<20); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"100%", "the last of 2 transfers resumed at byte 1677721", "matches"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

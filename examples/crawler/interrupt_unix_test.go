//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestInterruptSignal runs the command (this test binary, standing in for
// it through TestMain) on the demo site, sends it SIGINT once results flow,
// and checks that it stops cleanly: exit status 130, every JSON line
// whole, the summary printed.
func TestInterruptSignal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-concurrency", "4")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	lines := 0
	signaled := false
	for sc.Scan() {
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("output line %q: %v", sc.Text(), err)
		}
		lines++
		if !signaled {
			signaled = true
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130; stderr:\n%s", err, stderr.String())
	}
	if lines == 0 {
		t.Error("no JSON lines before the interruption")
	}
	for _, want := range []string{"interrupted", "total", "stopped early"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

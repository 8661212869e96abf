package client

import (
	"fmt"
	"time"
)

// validate rejects negative durations other than NoTimeout. A negative
// timeout is most often a deadline computed in the past; taking it to mean
// "no timeout" would turn a bug into a request that can hang for ever.
func (t Timeouts) validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"connect", t.Connect}, {"header", t.Header}, {"total", t.Total}} {
		if err := checkTimeout(f.name, f.d); err != nil {
			return err
		}
	}
	return nil
}

func checkTimeout(name string, d time.Duration) error {
	if d < 0 && d != NoTimeout {
		return fmt.Errorf("%w: negative %s timeout %v (use client.NoTimeout to turn it off)", ErrInvalidRequest, name, d)
	}
	return nil
}

// Timeouts returns the session's timeouts with the defaults filled in. A
// bound that is off reads as [NoTimeout], so the value can be given back to
// [WithTimeouts] to build a session with the same timeouts.
func (s *Session) Timeouts() Timeouts {
	off := func(d time.Duration) time.Duration {
		if d == 0 {
			return NoTimeout
		}
		return d
	}
	t := s.cfg.timeouts
	return Timeouts{Connect: off(t.Connect), Header: off(t.Header), Total: off(t.Total)}
}

package retry_test

import (
	"io"
	"log"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// discardLog silences servers whose tests provoke errors they would log.
var discardLog = log.New(io.Discard, "", 0)

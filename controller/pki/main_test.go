package pki

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (the
// handshake helpers' servers, for instance).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

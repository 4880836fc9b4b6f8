package classify

import (
	"testing"

	"go.uber.org/goleak"
)

// The tests start goroutines (crypto/tls and x/net/quic clients, readers
// of the flow table); none may outlive them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

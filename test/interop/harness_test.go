//go:build interop

package interop

import (
	"testing"
)

// TestHarnessFRRWithBIRD proves the harness without Patronus: FRR bfdd and
// BIRD bring a session up between two namespaces, one hop and two hops apart.
func TestHarnessFRRWithBIRD(t *testing.T) {
	t.Run("singlehop", func(t *testing.T) {
		n := newPair(t)
		frr := startFRR(t, n.a, frrConfig(addrB+" local-address "+addrA))
		bird := startBIRD(t, n.b, birdConfig(addrB, addrA, addrB, "", 0, "", false))
		frr.WaitStatus(t, addrB, "up", upTimeout)
		bird.WaitState(t, addrA, "Up", upTimeout)
	})
	t.Run("multihop", func(t *testing.T) {
		c := newChain(t)
		// BIRD 2.0.12 sends multihop packets with the system default TTL
		// (64), not 255: FRR's default minimum-ttl of 254 would drop them.
		frr := startFRR(t, c.a, frrConfig(hopB+" multihop local-address "+hopA, "minimum-ttl 60"))
		bird := startBIRD(t, c.b, birdConfig(hopB, hopA, hopB, "", 0, "", true))
		frr.WaitStatus(t, hopB, "up", upTimeout)
		bird.WaitState(t, hopA, "Up", upTimeout)
	})
}

package dataplane

import (
	"testing"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
)

// TestAdmit: of site 2's decrypted packets from peer 1, one for its LAN
// is admitted, one for an address beyond it is counted as
// drop_dest_rejected, one from outside peer 1's prefixes as
// drop_source_rejected; the check does not allocate.
func TestAdmit(t *testing.T) {
	d, p, _ := deliveryFixture(t)
	for _, tc := range []struct {
		src, dst string
		want     bool
	}{
		{"10.11.0.2", "10.22.0.2", true},
		{"10.11.0.2", "192.0.2.1", false},
		{"10.99.0.2", "10.22.0.2", false},
	} {
		var ip ippkt.Packet
		if err := ippkt.Parse(udpPacket(tc.src, tc.dst, []byte("x")), &ip); err != nil {
			t.Fatal(err)
		}
		if got := d.admit(p, &ip); got != tc.want {
			t.Errorf("%s -> %s: admitted %v, want %v", tc.src, tc.dst, got, tc.want)
		}
		if a := testing.AllocsPerRun(100, func() { d.admit(p, &ip) }); a != 0 {
			t.Errorf("%s -> %s: admit allocates %v times", tc.src, tc.dst, a)
		}
	}
	if s, r := d.Stats.SourceRejected.Load(), d.Stats.DestRejected.Load(); s != 102 || r != 102 {
		t.Errorf("source rejected %d, dest rejected %d; want 102 each (1 + 101 runs)", s, r)
	}
}

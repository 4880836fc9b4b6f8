package dataplane

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPins(t *testing.T) {
	a := &Path{ID: "a/wan1->b/wan1", site: 2}
	b := &Path{ID: "a/wan2->b/wan2", site: 2}
	c := &Path{ID: "a/wan1->c/wan1", site: 3}
	d := &Dataplane{paths: []*Path{a, b, c}}
	syn := synPacket(false, 1460, 0x02) // 10.11.0.2:12345 -> 10.22.0.2:80, TCP
	if p := d.pinned(syn, 2); p != nil {
		t.Fatalf("no pins, but pinned to %s", p.ID)
	}
	err := d.SetPins([]Pin{
		{Flow: FlowSpec{Proto: 17, DstPort: 80}, Path: a.ID},                                            // UDP: no match
		{Flow: FlowSpec{Proto: 6, Dst: netip.MustParsePrefix("10.22.0.0/24"), DstPort: 80}, Path: b.ID}, // matches
		{Flow: FlowSpec{}, Path: a.ID},                                                                  // everything else
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := d.pinned(syn, 2); p != b {
		t.Errorf("TCP to port 80: pinned to %v, want %s", p, b.ID)
	}
	if p := d.pinned(synPacket(true, 1460, 0x02), 2); p != a {
		t.Errorf("IPv6 flow: pinned to %v, want the catch-all %s", p, a.ID)
	}
	if p := d.pinned(syn, 3); p != nil {
		t.Errorf("a pin to a path of another site was used: %s", p.ID)
	}
	for _, bad := range []struct {
		pins []Pin
		want string
	}{
		{[]Pin{{Path: "nope"}}, `pins[0].path: no path "nope"`},
		{[]Pin{{Flow: FlowSpec{DstPort: 80}, Path: a.ID}}, "pins[0].flow: ports need proto"},
		{[]Pin{{Flow: FlowSpec{Src: netip.MustParsePrefix("10.0.0.1/8")}, Path: a.ID}}, "host bits"},
	} {
		if err := d.SetPins(bad.pins); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("SetPins(%+v) = %v, want %q", bad.pins, err, bad.want)
		}
	}
	if len(d.Pins()) != 3 || d.pinned(syn, 2) != b {
		t.Error("a refused SetPins changed the pins")
	}
	if a := testing.AllocsPerRun(100, func() { d.pinned(syn, 2) }); a != 0 {
		t.Errorf("pinned allocates %v times", a)
	}
}

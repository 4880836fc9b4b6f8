package dataplane

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/edge/localapi"
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
	err := d.SetPins([]localapi.Pin{
		{Flow: localapi.FlowSpec{Proto: 17, DstPort: 80}, Path: a.ID},                                            // UDP: no match
		{Flow: localapi.FlowSpec{Proto: 6, Dst: netip.MustParsePrefix("10.22.0.0/24"), DstPort: 80}, Path: b.ID}, // matches
		{Flow: localapi.FlowSpec{}, Path: a.ID},                                                                  // everything else
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
		pins []localapi.Pin
		want string
	}{
		{[]localapi.Pin{{Path: "nope"}}, `pins[0].path: no path "nope"`},
		{[]localapi.Pin{{Flow: localapi.FlowSpec{DstPort: 80}, Path: a.ID}}, "pins[0].flow: ports need proto"},
		{[]localapi.Pin{{Flow: localapi.FlowSpec{Src: netip.MustParsePrefix("10.0.0.1/8")}, Path: a.ID}}, "host bits"},
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

// TestControllerPins: the controller's pins come after the local ones (a
// local pin wins for a packet both match); one naming a path this edge
// does not have is ignored and shown with the reason; an expired one is
// no longer used; SetPins leaves the controller's alone.
func TestControllerPins(t *testing.T) {
	a := &Path{ID: "a/wan1->b/wan1", site: 2}
	b := &Path{ID: "a/wan2->b/wan2", site: 2}
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	cfg := &config.Valid{Pins: []config.ValidPin{
		{ID: 7, Protocol: 6, Path: "a/wan9->b/wan1"},                 // no such path
		{ID: 8, Protocol: 6, Path: a.ID, Expires: past},              // expired
		{ID: 9, Protocol: 6, Path: b.ID, Expires: future},            // in force
		{ID: 10, Dst: netip.MustParsePrefix("fd00::/8"), Path: a.ID}, // in force, IPv6 only
	}}
	var logs strings.Builder
	d := &Dataplane{paths: []*Path{a, b}, cur: cfg, log: slog.New(slog.NewJSONHandler(&logs, nil))}
	d.refreshPinsLocked()
	d.publishLocked()
	syn := synPacket(false, 1460, 0x02) // TCP 10.11.0.2 -> 10.22.0.2:80
	if p := d.pinned(syn, 2); p != b {
		t.Fatalf("TCP pinned to %v, want %s (pin 9: 7 has no path, 8 expired)", p, b.ID)
	}
	if !strings.Contains(logs.String(), `"msg":"controller pin ignored","pin":7,"path":"a/wan9->b/wan1","reason":"no path a/wan9->b/wan1 on this edge"`) {
		t.Errorf("no log of the ignored pin:\n%s", logs.String())
	}
	before := logs.Len()
	d.refreshPinsLocked()
	if logs.Len() != before {
		t.Errorf("the same pins logged again:\n%s", logs.String()[before:])
	}

	if err := d.SetPins([]localapi.Pin{{Flow: localapi.FlowSpec{Proto: 6, DstPort: 80}, Path: a.ID, Origin: localapi.OriginController, ID: 99}}); err != nil {
		t.Fatal(err)
	}
	if p := d.pinned(syn, 2); p != a {
		t.Errorf("TCP to port 80 with a local pin: %v, want the local pin's %s", p, a.ID)
	}
	if p := d.pinned(synPacket(true, 1460, 0x02), 2); p != a {
		t.Errorf("IPv6 TCP: %v, want pin 10's %s", p, a.ID)
	}
	got := d.Pins()
	want := []struct {
		origin  string
		id      int64
		ignored string
	}{{localapi.OriginLocal, 0, ""}, {localapi.OriginController, 7, "no path a/wan9->b/wan1 on this edge"}, {localapi.OriginController, 8, "expired"},
		{localapi.OriginController, 9, ""}, {localapi.OriginController, 10, ""}}
	if len(got) != len(want) {
		t.Fatalf("Pins() = %+v", got)
	}
	for i, w := range want {
		if got[i].Origin != w.origin || got[i].ID != w.id || got[i].Ignored != w.ignored {
			t.Errorf("Pins()[%d] = %+v, want %+v", i, got[i], w)
		}
	}
	if got[3].Expires == nil || !got[3].Expires.Equal(future) {
		t.Errorf("pin 9 expires %v", got[3].Expires)
	}
	if l := d.LocalPins(); len(l) != 1 || l[0].ID != 0 {
		t.Errorf("LocalPins() = %+v", l)
	}
	if err := d.SetPins(nil); err != nil || d.pinned(syn, 2) != b {
		t.Errorf("after clearing the local pins: %v, pinned to %v", err, d.pinned(syn, 2))
	}
	if a := testing.AllocsPerRun(100, func() { d.pinned(syn, 2) }); a != 0 {
		t.Errorf("pinned allocates %v times", a)
	}
}

// pinned is what the forwarder's pin lookup gives for pkt in the
// published snapshot.
func (d *Dataplane) pinned(pkt []byte, site uint16) *Path {
	s := d.snap.Load()
	var ip ippkt.Packet
	if s == nil || ippkt.Parse(pkt, &ip) != nil {
		return nil
	}
	return s.pinned(&ip, site)
}

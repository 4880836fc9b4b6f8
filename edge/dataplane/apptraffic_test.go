package dataplane_test

import (
	"testing"
	"time"
)

// The traffic a site sends is counted by application and path: the
// window's totals (TakeAppTraffic, telemetry's flow summaries) and each
// flow's bytes and path (Flows, `patronus flows`).
func TestAppTraffic(t *testing.T) {
	n := newTestNet(t, 1, 2)
	n.start(1, n.config(1, []int{2}, slowBFD))
	n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	s1 := n.sites[1]
	const packets, size = 20, 300
	for i := range packets {
		s1.tun.Inject(udp(1, 2, uint32(i), size))
	}
	if got := expect(t, n.sites[2], packets, 10*time.Second); len(got) != packets {
		t.Fatalf("%d of %d packets delivered", len(got), packets)
	}
	tr := s1.dp.TakeAppTraffic()
	if len(tr) != 1 || tr[0].Flows != 1 || tr[0].TxBytes != packets*size || tr[0].Path == "" {
		t.Fatalf("window %+v, want one flow of %d bytes", tr, packets*size)
	}
	fl, _ := s1.dp.Flows()
	if len(fl) != 1 || fl[0].App != tr[0].App || fl[0].Path != tr[0].Path || fl[0].TxBytes != packets*size || fl[0].Started.IsZero() {
		t.Fatalf("flows %+v, want the one of the window %+v", fl, tr[0])
	}
	if tr = s1.dp.TakeAppTraffic(); len(tr) != 0 {
		t.Fatalf("second window %+v, want nothing sent", tr)
	}
	// The receiving site sent nothing: it counts nothing.
	if tr = n.sites[2].dp.TakeAppTraffic(); len(tr) != 0 {
		t.Fatalf("receiver's window %+v", tr)
	}
}

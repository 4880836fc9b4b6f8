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
	// The receiving site sent nothing: it counts nothing (its classifier
	// has not seen the flow).
	if tr = n.sites[2].dp.TakeAppTraffic(); len(tr) != 0 {
		t.Fatalf("receiver's window %+v", tr)
	}

	// Site 2 answers: both sites now count what they receive of the flow
	// (rx_bytes was always 0 before).
	const replies, replySize = 5, 200
	for i := range replies {
		n.sites[2].tun.Inject(reply(udp(2, 1, uint32(i), replySize)))
	}
	if got := expect(t, s1, replies, 10*time.Second); len(got) != replies {
		t.Fatalf("%d of %d replies delivered", len(got), replies)
	}
	for i := range packets {
		s1.tun.Inject(udp(1, 2, uint32(100+i), size))
	}
	if got := expect(t, n.sites[2], packets, 10*time.Second); len(got) != packets {
		t.Fatalf("%d of %d packets delivered", len(got), packets)
	}
	tr = s1.dp.TakeAppTraffic()
	if len(tr) != 1 || tr[0].Flows != 1 || tr[0].TxBytes != packets*size || tr[0].RxBytes != replies*replySize {
		t.Fatalf("sender's window %+v, want %d bytes sent and %d received", tr, packets*size, replies*replySize)
	}
	tr = n.sites[2].dp.TakeAppTraffic()
	if len(tr) != 1 || tr[0].Flows != 1 || tr[0].TxBytes != replies*replySize || tr[0].RxBytes != packets*size {
		t.Fatalf("receiver's window %+v, want %d bytes sent and %d received", tr, replies*replySize, packets*size)
	}
	fl, _ = s1.dp.Flows()
	if len(fl) != 1 || fl[0].TxPackets != 2*packets || fl[0].RxPackets != replies || fl[0].RxBytes != replies*replySize {
		t.Fatalf("sender's flow %+v", fl)
	}
}

// reply swaps a UDP packet's ports: the answer of the flow udp(to, from…)
// opened.
func reply(pkt []byte) []byte {
	pkt[20], pkt[21], pkt[22], pkt[23] = pkt[22], pkt[23], pkt[20], pkt[21]
	return pkt
}

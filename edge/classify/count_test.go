package classify

import (
	"sort"
	"testing"
	"time"
)

// Count sums each flow's bytes by the application the classifier gave it
// and the path it took last; TakeCounts reports each window once.
func TestCountByApplicationAndPath(t *testing.T) {
	c := New(MustRules(Config{}), Options{FlowIdle: time.Minute})
	ssh := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 22, nil))
	ssh2 := ip4(ProtoTCP, "10.1.0.3", "10.2.0.2", 0, tcpHdr(40001, 22, nil))
	dns := ip4(ProtoUDP, "10.1.0.2", "10.2.0.9", 0, udpHdr(40002, 53, nil))
	send := func(pkt []byte, path uint32, n int) {
		t.Helper()
		c.Count(mustClassify(t, c, pkt, t0).Flow, path, n)
	}
	send(ssh, 1, 100)
	send(ssh, 1, 50)
	send(ssh2, 1, 10)
	send(dns, 2, 70)
	got := sorted(c.TakeCounts())
	want := []AppCount{{App: "dns", Path: 2, Flows: 1, TxBytes: 70}, {App: "ssh", Path: 1, Flows: 2, TxBytes: 160}}
	if !equalCounts(got, want) {
		t.Fatalf("first window %+v, want %+v", got, want)
	}
	// The next window has only what was sent since; ssh moved to path 3.
	send(ssh, 3, 5)
	got = sorted(c.TakeCounts())
	if want = []AppCount{{App: "ssh", Path: 3, Flows: 1, TxBytes: 5}}; !equalCounts(got, want) {
		t.Fatalf("second window %+v, want %+v", got, want)
	}
	if got = c.TakeCounts(); len(got) != 0 {
		t.Fatalf("empty window %+v", got)
	}
	fi, ok := c.Lookup(FlowKey{Src: addr("10.1.0.2"), Dst: addr("10.2.0.2"), SrcPort: 40000, DstPort: 22, Proto: ProtoTCP})
	if !ok || fi.Path != 3 || fi.TxBytes != 155 || !fi.Started.Equal(t0) {
		t.Fatalf("flow %+v", fi)
	}
	// An unparsed packet names no flow: Count ignores it.
	c.Count(0, 1, 1000)
	c.Count(FlowRef(len(c.slab)+1), 1, 1000)
	if got = c.TakeCounts(); len(got) != 0 {
		t.Fatalf("counted without a flow: %+v", got)
	}
}

// A slot reused by a new flow starts from zero.
func TestCountSlotReused(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxFlows: 1, FlowIdle: time.Minute})
	a := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(40000, 5060, nil))
	b := ip4(ProtoUDP, "10.1.0.3", "10.2.0.2", 0, udpHdr(40000, 5060, nil))
	c.Count(mustClassify(t, c, a, t0).Flow, 1, 100)
	c.Count(mustClassify(t, c, b, t0).Flow, 1, 7) // evicts a
	got := c.TakeCounts()
	if len(got) != 1 || got[0].TxBytes != 7 || got[0].Flows != 1 {
		t.Fatalf("%+v", got)
	}
}

// Packets received from a path count as the flow's received bytes, in
// either direction of its key, on the path it sends on (the path they
// came from when it sent nothing); a flow the table does not hold is not
// counted. (rx_bytes was always 0 in the flow summaries before.)
func TestCountReceived(t *testing.T) {
	c := New(MustRules(Config{}), Options{FlowIdle: time.Minute})
	ssh := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 22, nil))
	c.Count(mustClassify(t, c, ssh, t0).Flow, 1, 100)
	reply := FlowKey{Src: addr("10.2.0.2"), Dst: addr("10.1.0.2"), SrcPort: 22, DstPort: 40000, Proto: ProtoTCP}
	c.CountReceived(&reply, 2, 1400)
	c.CountReceived(&reply, 2, 600)
	stranger := FlowKey{Src: addr("10.2.0.9"), Dst: addr("10.1.0.2"), SrcPort: 22, DstPort: 40000, Proto: ProtoTCP}
	c.CountReceived(&stranger, 2, 5000)
	got := c.TakeCounts()
	if want := []AppCount{{App: "ssh", Path: 1, Flows: 1, TxBytes: 100, RxBytes: 2000}}; !equalCounts(got, want) {
		t.Fatalf("window %+v, want %+v", got, want)
	}
	// Only received in the next window: still counted, once.
	c.CountReceived(&reply, 2, 10)
	if got = c.TakeCounts(); len(got) != 1 || got[0].RxBytes != 10 || got[0].TxBytes != 0 || got[0].Flows != 1 {
		t.Fatalf("received-only window %+v", got)
	}
	fi, _ := c.Lookup(reply)
	if fi.TxBytes != 100 || fi.TxPackets != 1 || fi.RxBytes != 2010 || fi.RxPackets != 3 || fi.Path != 1 {
		t.Fatalf("flow %+v", fi)
	}
	// A flow that has sent nothing takes the path it is received on.
	dns := ip4(ProtoUDP, "10.1.0.2", "10.2.0.9", 0, udpHdr(40002, 53, nil))
	mustClassify(t, c, dns, t0)
	answer := FlowKey{Src: addr("10.2.0.9"), Dst: addr("10.1.0.2"), SrcPort: 53, DstPort: 40002, Proto: ProtoUDP}
	c.CountReceived(&answer, 4, 90)
	if got = c.TakeCounts(); len(got) != 1 || got[0].Path != 4 || got[0].RxBytes != 90 {
		t.Fatalf("received on a path the flow never sent on %+v", got)
	}
}

// A receiver's per-packet work does not allocate.
func TestCountReceivedDoesNotAllocate(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	pkt := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 46, udpHdr(40000, 40002, make([]byte, 100)))
	mustClassify(t, c, pkt, t0)
	k := FlowKey{Src: addr("10.2.0.2"), Dst: addr("10.1.0.2"), SrcPort: 40002, DstPort: 40000, Proto: ProtoUDP}
	if a := testing.AllocsPerRun(1000, func() { c.CountReceived(&k, 1, 128) }); a != 0 {
		t.Fatalf("CountReceived allocates %.1f times", a)
	}
}

// The forwarder's per-packet work: classify a known flow and count it.
func TestCountDoesNotAllocate(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	pkt := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 46, udpHdr(40000, 40002, make([]byte, 100)))
	mustClassify(t, c, pkt, t0)
	if a := testing.AllocsPerRun(1000, func() {
		v, _ := c.Classify(pkt, t0)
		c.Count(v.Flow, 1, len(pkt))
	}); a != 0 {
		t.Fatalf("classify and count allocate %.1f times", a)
	}
}

func sorted(a []AppCount) []AppCount {
	sort.Slice(a, func(i, j int) bool { return a[i].App < a[j].App })
	return a
}

func equalCounts(a, b []AppCount) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

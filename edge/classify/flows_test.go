package classify

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
)

func mustClassify(t testing.TB, c *Classifier, pkt []byte, now time.Time) Verdict {
	t.Helper()
	v, err := c.Classify(pkt, now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFlowSticky(t *testing.T) {
	c := New(MustRules(Config{}), Options{FlowIdle: time.Minute})
	out := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 22, nil))
	back := ip4(ProtoTCP, "10.2.0.2", "10.1.0.2", 0, tcpHdr(22, 40000, nil))
	if v := mustClassify(t, c, out, t0); !v.New || v.App.Name != "ssh" {
		t.Fatalf("first packet: %+v", v)
	}
	if v := mustClassify(t, c, back, t0.Add(time.Second)); v.New || v.Changed || v.App.Name != "ssh" {
		t.Fatalf("reply: %+v", v)
	}
	// A later packet marked EF does not move the flow to voice: sticky.
	ef := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 46, tcpHdr(40000, 22, nil))
	if v := mustClassify(t, c, ef, t0.Add(2*time.Second)); v.New || v.App.Name != "ssh" {
		t.Fatalf("EF packet: %+v", v)
	}
	if c.Len() != 1 {
		t.Fatalf("Len %d, want 1", c.Len())
	}
	if fi, ok := c.Lookup(FlowKey{Src: addr("10.2.0.2"), Dst: addr("10.1.0.2"), SrcPort: 22, DstPort: 40000, Proto: ProtoTCP}); !ok || fi.App != "ssh" || fi.Class != ClassInteractive || !fi.LastSeen.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("Lookup: %+v %v", fi, ok)
	}
}

func TestFlowIdleExpiry(t *testing.T) {
	c := New(MustRules(Config{}), Options{FlowIdle: time.Minute})
	a := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(40000, 5060, nil))
	b := ip4(ProtoUDP, "10.1.0.3", "10.2.0.2", 0, udpHdr(40000, 5060, nil))
	mustClassify(t, c, a, t0)
	mustClassify(t, c, b, t0)
	if v := mustClassify(t, c, a, t0.Add(time.Minute-1)); v.New {
		t.Fatal("flow forgotten before its idle time")
	}
	// b has been idle a whole minute: its next packet is a new flow.
	if v := mustClassify(t, c, b, t0.Add(time.Minute)); !v.New {
		t.Fatal("idle flow not renewed")
	}
	if n := c.Expire(t0.Add(time.Minute + 30*time.Second)); n != 0 {
		t.Fatalf("Expire removed %d, want 0", n)
	}
	if n := c.Expire(t0.Add(2*time.Minute - 1)); n != 1 { // a
		t.Fatalf("Expire removed %d, want 1", n)
	}
	if n := c.Expire(t0.Add(2 * time.Minute)); n != 1 { // b
		t.Fatalf("Expire removed %d, want 1", n)
	}
	if c.Len() != 0 {
		t.Fatalf("Len %d", c.Len())
	}
	s := c.Stats()
	if s.FlowsNew != 3 || s.FlowsExpired != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFlowTableBounded(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxFlows: 4, FlowIdle: time.Minute})
	for i := range 10 {
		mustClassify(t, c, ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(uint16(1000+i), 53, nil)), t0.Add(time.Duration(i)*time.Second))
	}
	if c.Len() != 4 {
		t.Fatalf("Len %d, want 4", c.Len())
	}
	s := c.Stats()
	if s.FlowsNew != 10 || s.FlowsEvicted != 6 {
		t.Fatalf("stats %+v", s)
	}
	// The table evicts the flow idle the longest among the sample, here the
	// whole table: the four most recent remain.
	for i := 6; i < 10; i++ {
		if _, ok := c.Lookup(FlowKey{Src: addr("10.1.0.2"), Dst: addr("10.2.0.2"), SrcPort: uint16(1000 + i), DstPort: 53, Proto: ProtoUDP}); !ok {
			t.Errorf("flow %d evicted", i)
		}
	}
}

func dnsAnswerPacket(t testing.TB, q, a string) []byte {
	msg := dnsResponse(t, q+".", dnsmessage.RCodeSuccess,
		rr{q + ".", "CNAME", "edge.cdn.example.", 300}, rr{"edge.cdn.example.", "A", a, 300})
	return ip4(ProtoUDP, "10.9.0.53", "10.1.0.2", 0, udpHdr(53, 40000, msg))
}

// dnsQueryPacket is the query dnsAnswerPacket answers: from the LAN host
// 10.1.0.2 port 40000 to the resolver 10.9.0.53 at another site.
func dnsQueryPacket(t testing.TB, q string) []byte {
	return ip4(ProtoUDP, "10.1.0.2", "10.9.0.53", 0, udpHdr(40000, 53, dnsQuery(t, q+".")))
}

func TestFlowByDNSName(t *testing.T) {
	r := MustRules(Config{Applications: []AppConfig{
		{Name: "crm", Class: "interactive", Match: MatchConfig{Domains: []string{"*.crm.example"}}},
	}})
	c := New(r, Options{})
	// The query goes out (Classify), the answer comes back through a
	// tunnel (Observe).
	mustClassify(t, c, dnsQueryPacket(t, "eu.crm.example"), t0)
	c.Observe(dnsAnswerPacket(t, "eu.crm.example", "198.51.100.10"), t0)
	syn := ip4(ProtoTCP, "10.1.0.2", "198.51.100.10", 0, tcpHdr(40000, 443, nil))
	if v := mustClassify(t, c, syn, t0.Add(time.Second)); !v.New || v.App.Name != "crm" {
		t.Fatalf("flow to a DNS-learned address: %+v", v.App)
	}
	fi, _ := c.Lookup(FlowKey{Src: addr("10.1.0.2"), Dst: addr("198.51.100.10"), SrcPort: 40000, DstPort: 443, Proto: ProtoTCP})
	if fi.Name != "eu.crm.example" || fi.NameFrom != NameDNS {
		t.Fatalf("flow %+v", fi)
	}
	// At the server's edge the reply direction matches too.
	c2 := New(r, Options{})
	mustClassify(t, c2, dnsQueryPacket(t, "eu.crm.example"), t0)
	c2.Observe(dnsAnswerPacket(t, "eu.crm.example", "198.51.100.10"), t0)
	reply := ip4(ProtoTCP, "198.51.100.10", "10.1.0.2", 0, tcpHdr(443, 40000, nil))
	if v := mustClassify(t, c2, reply, t0); v.App.Name != "crm" {
		t.Fatalf("reply: %+v", v.App)
	}
	// A DNS answer going out (this site's resolver answering another
	// site's host, who chose the name) is not learned.
	c3 := New(r, Options{})
	if v := mustClassify(t, c3, dnsAnswerPacket(t, "us.crm.example", "198.51.100.11"), t0); v.App.Name != "dns" {
		t.Fatalf("DNS answer classified %q", v.App.Name)
	}
	if v := mustClassify(t, c3, ip4(ProtoTCP, "10.1.0.2", "198.51.100.11", 0, tcpHdr(40001, 443, nil)), t0); v.App.Name == "crm" {
		t.Fatalf("after Classify of an answer going out: %q", v.App.Name)
	}
	if s := c3.Stats(); s.DNSMessages != 0 || s.DNSAddrs != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFlowUpgradedBySNI(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	cli, srv := "10.1.0.2", "170.114.10.1"
	syn := ip4(ProtoTCP, cli, srv, 0, tcpHdr(40000, 443, nil))
	synack := ip4(ProtoTCP, srv, cli, 0, tcpHdr(443, 40000, nil))
	hello := ip4(ProtoTCP, cli, srv, 0, tcpHdr(40000, 443, clientHello(t, "US02WEB.zoom.us")))
	data := ip4(ProtoTCP, cli, srv, 0, tcpHdr(40000, 443, []byte{23, 3, 3, 0, 1, 0}))

	if v := mustClassify(t, c, syn, t0); !v.New || v.App.Name != "web" {
		t.Fatalf("SYN: %+v", v)
	}
	if v := mustClassify(t, c, synack, t0); v.App.Name != "web" || v.Changed {
		t.Fatalf("SYN-ACK: %+v", v)
	}
	v := mustClassify(t, c, hello, t0)
	if !v.Changed || v.App.Name != "zoom" || v.App.Class != ClassVideo || v.Prev.Name != "web" {
		t.Fatalf("ClientHello: %+v", v)
	}
	if v := mustClassify(t, c, data, t0); v.Changed || v.App.Name != "zoom" {
		t.Fatalf("after: %+v", v)
	}
	fi, _ := c.Lookup(FlowKey{Src: addr(cli), Dst: addr(srv), SrcPort: 40000, DstPort: 443, Proto: ProtoTCP})
	if fi.Name != "us02web.zoom.us" || fi.NameFrom != NameSNI || fi.Class != ClassVideo {
		t.Fatalf("flow %+v", fi)
	}
	if s := c.Stats(); s.SNINames != 1 || s.FlowsChanged != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func tcpSeg(sport, dport uint16, seq uint32, payload []byte) []byte {
	b := tcpHdr(sport, dport, payload)
	binary.BigEndian.PutUint32(b[4:], seq)
	return b
}

// A ClientHello whose name lies past the first segment is reassembled:
// in-order segments are appended, retransmissions ignored, a gap ends the
// search, and a flow finds no buffer when the pool is empty.
func TestFlowSNIReassembly(t *testing.T) {
	hello := clientHello(t, "teams.microsoft.com")
	var isn uint32 = 0xfffffff0 // the sequence numbers wrap inside the hello
	seg := func(cli string, seq uint32, b []byte) []byte {
		return ip4(ProtoTCP, cli, "52.113.0.1", 0, tcpSeg(40000, 443, seq, b))
	}
	syn := func(cli string) []byte { return seg(cli, isn-1, nil) }
	first := func(cli string) []byte { return seg(cli, isn, hello[:60]) }
	second := func(cli string) []byte { return seg(cli, isn+60, hello[60:]) }

	c := New(MustRules(Config{}), Options{MaxReassembly: 1})
	mustClassify(t, c, syn("10.1.0.2"), t0)
	if v := mustClassify(t, c, first("10.1.0.2"), t0); v.Changed || v.App.Name != "web" {
		t.Fatalf("first segment: %+v", v)
	}
	if v := mustClassify(t, c, first("10.1.0.2"), t0); v.Changed { // retransmitted
		t.Fatalf("retransmission: %+v", v)
	}
	// A second flow needing reassembly finds the only buffer taken.
	mustClassify(t, c, syn("10.1.0.3"), t0)
	mustClassify(t, c, first("10.1.0.3"), t0)
	if v := mustClassify(t, c, second("10.1.0.2"), t0); !v.Changed || v.App.Name != "teams" {
		t.Fatalf("second segment: %+v", v)
	}
	if v := mustClassify(t, c, second("10.1.0.3"), t0); v.Changed || v.App.Name != "web" {
		t.Fatalf("flow without a buffer: %+v", v)
	}
	s := c.Stats()
	if s.ReassemblyFull != 1 || s.SNINames != 1 {
		t.Fatalf("stats %+v", s)
	}
	if len(c.reasmFree) != 1 {
		t.Fatalf("buffer not returned: %d free", len(c.reasmFree))
	}

	// A gap ends the search and frees the buffer.
	mustClassify(t, c, syn("10.1.0.4"), t0)
	mustClassify(t, c, first("10.1.0.4"), t0)
	if v := mustClassify(t, c, seg("10.1.0.4", isn+100, hello[100:]), t0); v.Changed || v.App.Name != "web" {
		t.Fatalf("after a gap: %+v", v)
	}
	if len(c.reasmFree) != 1 || c.Stats().SNIErrors[ErrSNIMalformed] != 1 {
		t.Fatalf("gap: %d free, %+v", len(c.reasmFree), c.Stats().SNIErrors)
	}
	// An expired flow returns its buffer.
	mustClassify(t, c, syn("10.1.0.5"), t0)
	mustClassify(t, c, first("10.1.0.5"), t0)
	c.Expire(t0.Add(DefaultFlowIdle))
	if len(c.reasmFree) != 1 {
		t.Fatalf("expired flow kept its buffer")
	}
}

func TestFlowNewRules(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	pkt := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 873, nil))
	if v := mustClassify(t, c, pkt, t0); v.App.Name != "rsync" {
		t.Fatalf("%+v", v.App)
	}
	same := MustRules(Config{})
	c.SetRules(same)
	if v := mustClassify(t, c, pkt, t0); v.Changed || v.App != mustApp(t, same, "rsync") {
		t.Fatalf("identical rules: %+v", v)
	}
	c.SetRules(MustRules(Config{Applications: []AppConfig{
		{Name: "rsync", Class: "interactive", Match: MatchConfig{Ports: []string{"873"}}},
	}}))
	if v := mustClassify(t, c, pkt, t0); !v.Changed || v.App.Class != "interactive" || v.Prev.Class != ClassBulk {
		t.Fatalf("new rules: %+v", v)
	}

	// New rules match a flow on its first packet's DSCP, not a later one's.
	ef := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 46, udpHdr(40000, 40002, []byte{0x80}))
	be := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(40000, 40002, []byte{0x80}))
	if v := mustClassify(t, c, ef, t0); v.App.Name != "rtp" {
		t.Fatalf("EF flow: %+v", v.App)
	}
	c.SetRules(MustRules(Config{}))
	if v := mustClassify(t, c, be, t0); v.Changed || v.App.Name != "rtp" {
		t.Fatalf("EF flow, unmarked packet after new rules: %+v", v)
	}
}

func mustApp(t *testing.T, r *Rules, name string) *App {
	a, ok := r.App(name)
	if !ok {
		t.Fatalf("no app %q", name)
	}
	return a
}

func TestClassifyParseError(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	v, err := c.Classify([]byte{0x45, 0}, t0)
	if err != ippkt.ErrIPv4Short || v.App != c.Rules().Unclassified() {
		t.Fatalf("%+v %v", v, err)
	}
	if c.Stats().ParseErrors[ippkt.ErrIPv4Short] != 1 || c.Len() != 0 {
		t.Fatal("parse error not counted or flow recorded")
	}
}

// The per-packet path of a known flow does not allocate.
func TestClassifyCachedDoesNotAllocate(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	pkts := [][]byte{
		ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 443, nil)),
		ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 443, make([]byte, 1200))), // after SNI search ended
		ip6(ProtoUDP, "fd10:0:1::2", "fd10:0:2::2", 46, udpHdr(40000, 40002, make([]byte, 160))),
	}
	for _, p := range pkts {
		for range sniPackets + 1 {
			mustClassify(t, c, p, t0)
		}
	}
	for _, p := range pkts {
		if a := testing.AllocsPerRun(1000, func() { _, _ = c.Classify(p, t0) }); a != 0 {
			t.Fatalf("cached Classify allocates %.1f times", a)
		}
	}
}

// One writer, concurrent readers; run with -race.
func TestClassifierConcurrentReaders(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxFlows: 64, FlowIdle: time.Second})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, f := range c.Flows() {
					_, _ = c.Lookup(f.Key)
				}
				_ = c.Stats()
				_ = c.Len()
				_ = c.TakeCounts()
				_, _ = c.Names().Lookup(addr("198.51.100.10"), t0)
			}
		}()
	}
	hello := clientHello(t, "x.zoom.us")
	for i := range 5000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		port := uint16(1000 + i%200)
		mustClassify(t, c, ip4(ProtoTCP, "10.1.0.2", "198.51.100.10", 0, tcpHdr(port, 443, nil)), now)
		v := mustClassify(t, c, ip4(ProtoTCP, "10.1.0.2", "198.51.100.10", 0, tcpHdr(port, 443, hello)), now)
		c.Count(v.Flow, uint32(1+i%3), 100)
		if i%100 == 0 {
			mustClassify(t, c, dnsQueryPacket(t, "a.example"), now)
			c.Observe(dnsAnswerPacket(t, "a.example", "198.51.100.10"), now)
			c.Expire(now)
		}
		if i%1000 == 0 {
			c.SetRules(MustRules(Config{}))
		}
	}
	close(stop)
	wg.Wait()
	if c.Len() > 64 {
		t.Fatalf("Len %d > 64", c.Len())
	}
}

func TestTableKey(t *testing.T) {
	k := FlowKey{Src: addr("10.2.0.2"), Dst: addr("10.1.0.2"), SrcPort: 443, DstPort: 40000, Proto: ProtoTCP}
	r := k.Reverse()
	if tableKey(&k) != tableKey(&r) {
		t.Fatal("directions differ")
	}
	m := FlowKey{Src: addr("::ffff:10.2.0.2"), Dst: addr("::ffff:10.1.0.2"), SrcPort: 443, DstPort: 40000, Proto: ProtoTCP}
	if tableKey(&k) == tableKey(&m) {
		t.Fatal("IPv4 and IPv4-mapped IPv6 share a key")
	}
	same := FlowKey{Src: addr("10.1.0.2"), Dst: addr("10.1.0.2"), SrcPort: 9, DstPort: 3, Proto: ProtoUDP}
	rs := same.Reverse()
	if tableKey(&same) != tableKey(&rs) {
		t.Fatal("same address: directions differ")
	}
}

func TestFlowsCopiesEveryChunk(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxFlows: 3*flowsChunk + 7})
	for i := range 3*flowsChunk + 7 {
		mustClassify(t, c, ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(uint16(1000+i), 53, nil)), t0)
	}
	c.Expire(t0.Add(DefaultFlowIdle)) // frees every slot
	for i := range 2*flowsChunk + 1 {
		mustClassify(t, c, ip4(ProtoUDP, "10.1.0.3", "10.2.0.2", 0, udpHdr(uint16(1000+i), 53, nil)), t0.Add(DefaultFlowIdle))
	}
	fs := c.Flows()
	if len(fs) != 2*flowsChunk+1 || c.Len() != len(fs) {
		t.Fatalf("%d flows, Len %d", len(fs), c.Len())
	}
	for _, f := range fs {
		if f.Key.Src != addr("10.1.0.3") || f.App != "dns" {
			t.Fatalf("%+v", f)
		}
	}
}

func TestObserveDNSOverTCPAndNonDNS(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	msg := dnsResponse(t, "x.zoom.us.", dnsmessage.RCodeSuccess, rr{"x.zoom.us.", "A", "198.51.100.20", 60})
	seg := append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
	query := dnsQuery(t, "x.zoom.us.")
	mustClassify(t, c, ip6(ProtoTCP, "fd10:0:1::2", "fd10:0:9::53", 0, tcpHdr(40000, 53, append(binary.BigEndian.AppendUint16(nil, uint16(len(query))), query...))), t0)
	c.Observe(ip6(ProtoTCP, "fd10:0:9::53", "fd10:0:1::2", 0, tcpHdr(53, 40000, seg)), t0)
	c.Observe(ip4(ProtoUDP, "10.9.0.1", "10.1.0.2", 0, udpHdr(5353, 40000, msg)), t0) // not port 53
	c.Observe([]byte{0x45}, t0)                                                       // not a packet
	if name, ok := c.Names().Lookup(addr("198.51.100.20"), t0); !ok || name != "x.zoom.us" {
		t.Fatalf("DNS over TCP: %q %v", name, ok)
	}
	if s := c.Stats(); s.DNSMessages != 1 || s.DNSAddrs != 1 || c.Names().Len() != 1 || c.Len() != 1 {
		t.Fatalf("stats %+v, %d names, %d flows", s, c.Names().Len(), c.Len())
	}
	if v := mustClassify(t, c, ip4(ProtoTCP, "10.1.0.2", "198.51.100.20", 0, tcpHdr(40000, 443, nil)), t0); v.App.Name != "zoom" {
		t.Fatalf("flow to the learned address: %s", v.App.Name)
	}
}

// A full table evicts an idle flow as expired, a live one as evicted.
func TestEvictCountsIdleAsExpired(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxFlows: 2, FlowIdle: time.Minute})
	pkt := func(port uint16) []byte { return ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(port, 53, nil)) }
	mustClassify(t, c, pkt(1), t0)
	mustClassify(t, c, pkt(2), t0.Add(30*time.Second))
	mustClassify(t, c, pkt(3), t0.Add(time.Minute)) // 1 is idle: expired
	mustClassify(t, c, pkt(4), t0.Add(time.Minute)) // 2 is live: evicted
	s := c.Stats()
	if s.FlowsExpired != 1 || s.FlowsEvicted != 1 || c.Len() != 2 {
		t.Fatalf("stats %+v, Len %d", s, c.Len())
	}
}

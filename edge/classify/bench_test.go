package classify

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// go test -run '^$' -bench . -benchmem ./edge/classify

// BenchmarkClassifyCached is the per-packet cost of a known flow.
func BenchmarkClassifyCached(b *testing.B) {
	for _, bc := range []struct {
		name string
		pkt  []byte
	}{
		{"ipv4-tcp", ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 443, make([]byte, 1200)))},
		{"ipv6-udp", ip6(ProtoUDP, "fd10:0:1::2", "fd10:0:2::2", 46, udpHdr(40000, 40002, make([]byte, 160)))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := New(MustRules(Config{}), Options{})
			for range sniPackets + 1 {
				_, _ = c.Classify(bc.pkt, t0)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = c.Classify(bc.pkt, t0)
			}
		})
	}
}

// BenchmarkClassifyCachedFullTable looks up among 65536 flows.
func BenchmarkClassifyCachedFullTable(b *testing.B) {
	c := New(MustRules(Config{}), Options{MaxFlows: 65536})
	pkts := make([][]byte, 4096)
	for i := range 65536 {
		dst := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}).String()
		pkt := ip4(ProtoUDP, "10.1.0.2", dst, 0, udpHdr(40000, 9, make([]byte, 100)))
		_, _ = c.Classify(pkt, t0)
		if i%16 == 0 {
			pkts[i/16] = pkt
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = c.Classify(pkts[i%len(pkts)], t0)
		i++
	}
}

// BenchmarkClassifyNewFlow is the first packet of a flow: a rule walk
// through the catalogue, a DNS-name lookup, and a slot taken from a full
// table by eviction.
func BenchmarkClassifyNewFlow(b *testing.B) {
	c := New(MustRules(Config{}), Options{MaxFlows: 1024})
	pkt := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(0, 50001, nil))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pkt[20], pkt[21] = byte(i>>8), byte(i) // new source port each time
		_, _ = c.Classify(pkt, t0.Add(time.Duration(i)))
		i++
	}
}

func BenchmarkParseSNI(b *testing.B) {
	hello := clientHello(b, "us02web.zoom.us")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseSNI(hello)
	}
}

func BenchmarkLearnDNS(b *testing.B) {
	msg := dnsResponse(b, "a.example.com.", dnsmessage.RCodeSuccess,
		rr{"a.example.com.", "CNAME", "b.cdn.net.", 300}, rr{"b.cdn.net.", "A", "192.0.2.1", 600},
		rr{"b.cdn.net.", "A", "192.0.2.2", 600})
	n := NewNames(1024)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = n.LearnDNS(msg, t0)
	}
}

// BenchmarkParseQUICSNI is the cost of opening one client Initial; it is
// paid for the first packets of a UDP flow that start with a QUIC long
// header.
func BenchmarkParseQUICSNI(b *testing.B) {
	pkt := quicInitial(b, "meet.google.com")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = ParseQUICSNI(pkt)
	}
}

// BenchmarkExpire walks a full table of 65536 flows, none idle.
func BenchmarkExpire(b *testing.B) {
	c := New(MustRules(Config{}), Options{MaxFlows: 65536})
	for i := range 65536 {
		dst := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}).String()
		_, _ = c.Classify(ip4(ProtoUDP, "10.1.0.2", dst, 0, udpHdr(40000, 9, nil)), t0)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Expire(t0)
	}
}

// A receiver's per-packet work (CountReceived): the flow looked up by its
// reversed key under the read lock in a full table, and counted.
func BenchmarkCountReceivedFullTable(b *testing.B) {
	c := New(MustRules(Config{}), Options{MaxFlows: 65536})
	keys := make([]FlowKey, 4096)
	for i := range 65536 {
		dst := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
		_, _ = c.Classify(ip4(ProtoUDP, "10.1.0.2", dst.String(), 0, udpHdr(40000, 9, make([]byte, 100))), t0)
		if i%16 == 0 {
			keys[i/16] = FlowKey{Src: dst, Dst: netip.MustParseAddr("10.1.0.2"), SrcPort: 9, DstPort: 40000, Proto: ProtoUDP}
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.CountReceived(&keys[i%len(keys)], 1, 128)
		i++
	}
}

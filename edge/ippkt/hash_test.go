package ippkt

import (
	"encoding/binary"
	"testing"
)

func parsed(t testing.TB, pkt []byte) *Packet {
	t.Helper()
	var p Packet
	if err := Parse(pkt, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// TestFlowHash: the hash follows the 5-tuple: a later fragment hashes
// without ports, both IP versions take their ports.
func TestFlowHash(t *testing.T) {
	a := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(12345, 53, nil))
	b := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(12344, 53, nil))
	c := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(12345, 53, nil))
	c[7] = 1 // a later fragment: no ports
	d := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(12344, 53, nil))
	d[7] = 1
	ha, hb, hc, hd := parsed(t, a).FlowHash(), parsed(t, b).FlowHash(), parsed(t, c).FlowHash(), parsed(t, d).FlowHash()
	if ha == hb || hc != hd || ha == hc {
		t.Fatalf("hash does not follow the 5-tuple: %x %x %x %x", ha, hb, hc, hd)
	}
	v6 := ip6(ProtoTCP, "fd00::1", "fd00::2", 0, tcpHdr(1, 80, nil))
	v6b := ip6(0, "fd00::1", "fd00::2", 0, cat(ext6(ProtoTCP), tcpHdr(1, 81, nil)))
	if parsed(t, v6).FlowHash() == parsed(t, v6b).FlowHash() {
		t.Fatal("IPv6 ports behind an extension header not hashed")
	}
	var none Packet
	if none.FlowHash() != 2166136261 {
		t.Fatal("an unparsed packet does not hash to the offset basis")
	}
}

// TestTCPFields: flags, sequence number and the MSS option's offset of
// SYNs, in both IP versions; no MSS offset for a segment without SYN.
func TestTCPFields(t *testing.T) {
	for _, tc := range []struct {
		v6    bool
		flags byte
		mss   int
	}{{false, TCPSyn, 20 + 26}, {true, TCPSyn | TCPAck, 40 + 26}, {false, TCPAck, 0}} {
		pkt := synPacket(tc.v6, 1460, tc.flags)
		p := parsed(t, pkt)
		if p.TCPFlags != tc.flags || p.MSS != tc.mss || p.TCPSeq != 1 || p.Flow.SrcPort != 12345 || p.Flow.DstPort != 80 {
			t.Errorf("v6 %v flags %#x: %+v", tc.v6, tc.flags, p)
		}
		if tc.mss != 0 && binary.BigEndian.Uint16(pkt[p.MSS:]) != 1460 {
			t.Errorf("MSS offset %d does not point at the MSS", p.MSS)
		}
	}
}

// TestParseHotPathNoAllocs: parsing, hashing and clamping a packet
// allocate nothing (also asserted by the benchmarks' 0 allocs/op).
func TestParseHotPathNoAllocs(t *testing.T) {
	pkt := synPacket(true, 1460, TCPSyn)
	var p Packet
	if a := testing.AllocsPerRun(1000, func() {
		_ = Parse(pkt, &p)
		_ = p.FlowHash()
		ClampMSS(pkt, &p, 1420)
	}); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

var sink uint32

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name string
		pkt  []byte
	}{
		{"ipv4-udp", ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 46, udpHdr(5060, 5060, make([]byte, 160)))},
		{"ipv4-tcp-syn", synPacket(false, 1460, TCPSyn)},
		{"ipv6-tcp-ext", ip6(0, "fd10:0:1::2", "fd10:0:2::2", 0, cat(ext6(ProtoTCP), tcpHdr(1, 443, make([]byte, 1200))))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var p Packet
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.pkt)))
			for b.Loop() {
				_ = Parse(bc.pkt, &p)
				sink += p.FlowHash()
			}
		})
	}
}

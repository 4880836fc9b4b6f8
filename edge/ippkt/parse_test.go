package ippkt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	hello := []byte("hello")
	opts4 := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, nil)
	opts4[0] = 0x46 // one word of options
	opts4 = append(opts4[:20], append([]byte{1, 1, 1, 0}, udpHdr(1000, 53, hello)...)...)
	binary.BigEndian.PutUint16(opts4[2:], uint16(len(opts4)))
	padded := append(ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(1, 2, hello)), 0, 0, 0, 0)
	frag4 := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(1, 2, hello))
	frag4[7] = 185 // offset 185×8

	tests := []struct {
		name    string
		pkt     []byte
		want    Flow
		dscp    uint8
		ports   bool
		payload []byte
	}{
		{"ipv4 tcp ef", ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 46, tcpHdr(40000, 443, hello)),
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 40000, 443, ProtoTCP}, 46, true, hello},
		{"ipv4 udp", ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, udpHdr(5060, 5060, hello)),
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 5060, 5060, ProtoUDP}, 0, true, hello},
		{"ipv4 icmp", ip4(ProtoICMP, "10.1.0.2", "10.2.0.2", 0, []byte{8, 0, 0, 0, 0, 1, 0, 1}),
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 0, 0, ProtoICMP}, 0, false, nil},
		{"ipv4 sctp", ip4(ProtoSCTP, "10.1.0.2", "10.2.0.2", 10, []byte{0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 0, 0, 0, 0, 0}),
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 2905, 2905, ProtoSCTP}, 10, true, nil},
		{"ipv4 options", opts4,
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 1000, 53, ProtoUDP}, 0, true, hello},
		{"ipv4 link padding ignored", padded,
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 1, 2, ProtoUDP}, 0, true, hello},
		{"ipv4 later fragment has no ports", frag4,
			Flow{addr("10.1.0.2"), addr("10.2.0.2"), 0, 0, ProtoUDP}, 0, false, nil},
		{"ipv6 tcp af41", ip6(ProtoTCP, "fd10:0:1::2", "fd10:0:2::2", 34, tcpHdr(50000, 80, hello)),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 50000, 80, ProtoTCP}, 34, true, hello},
		{"ipv6 hop-by-hop, dest opts, first fragment",
			ip6(0, "fd10:0:1::2", "fd10:0:2::2", 46, cat(ext6(60), ext6(44), frag6(ProtoUDP, 0, true), udpHdr(1, 2, hello))),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 1, 2, ProtoUDP}, 46, true, hello},
		{"ipv6 later fragment has no ports",
			ip6(44, "fd10:0:1::2", "fd10:0:2::2", 0, cat(frag6(ProtoUDP, 100, false), hello)),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 0, 0, ProtoUDP}, 0, false, nil},
		{"ipv6 routing + AH", ip6(43, "fd10:0:1::2", "fd10:0:2::2", 0,
			cat(ext6(51), []byte{ProtoTCP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, tcpHdr(7, 8, nil))),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 7, 8, ProtoTCP}, 0, true, []byte{}},
		{"ipv6 esp ends the chain", ip6(50, "fd10:0:1::2", "fd10:0:2::2", 0, hello),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 0, 0, 50}, 0, false, nil},
		{"ipv6 no next header", ip6(0, "fd10:0:1::2", "fd10:0:2::2", 0, ext6(59)),
			Flow{addr("fd10:0:1::2"), addr("fd10:0:2::2"), 0, 0, 59}, 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			if err := Parse(tt.pkt, &p); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if p.Flow != tt.want || p.DSCP != tt.dscp || p.Ports != tt.ports {
				t.Errorf("got %+v dscp %d ports %v, want %+v dscp %d ports %v", p.Flow, p.DSCP, p.Ports, tt.want, tt.dscp, tt.ports)
			}
			if !bytes.Equal(p.Payload, tt.payload) || (p.Payload == nil) != (tt.payload == nil) {
				t.Errorf("payload %q, want %q", p.Payload, tt.payload)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	good4 := ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(1, 2, nil))
	ihl4 := bytes.Clone(good4)
	ihl4[0] = 0x44
	ihlPast := bytes.Clone(good4)
	ihlPast[0] = 0x4f
	totalLong := bytes.Clone(good4)
	binary.BigEndian.PutUint16(totalLong[2:], 100)
	totalShort := bytes.Clone(good4)
	binary.BigEndian.PutUint16(totalShort[2:], 19)
	tcpOff := bytes.Clone(good4)
	tcpOff[20+12] = 4 << 4
	tcpOffPast := bytes.Clone(good4)
	tcpOffPast[20+12] = 15 << 4
	pl6 := ip6(ProtoUDP, "::1", "::2", 0, udpHdr(1, 2, nil))
	binary.BigEndian.PutUint16(pl6[4:], 9)
	long := ip6(60, "::1", "::2", 0, nil)
	for range maxExtHeaders {
		long = append(long, ext6(60)...)
	}
	long = append(long, ext6(ProtoUDP)...)
	binary.BigEndian.PutUint16(long[4:], uint16(len(long)-40))

	tests := []struct {
		name string
		pkt  []byte
		want ParseError
	}{
		{"empty", nil, ErrEmpty},
		{"version 5", []byte{0x50, 0, 0, 0}, ErrVersion},
		{"ipv4 short", good4[:19], ErrIPv4Short},
		{"ipv4 ihl 4", ihl4, ErrIPv4HeaderLen},
		{"ipv4 ihl past packet", ihlPast[:40], ErrIPv4HeaderLen},
		{"ipv4 total past packet", totalLong, ErrIPv4TotalLen},
		{"ipv4 total below header", totalShort, ErrIPv4TotalLen},
		{"ipv4 tcp short", ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, make([]byte, 19)), ErrL4Short},
		{"ipv4 udp short", ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 0, make([]byte, 7)), ErrL4Short},
		{"ipv4 sctp short", ip4(ProtoSCTP, "10.1.0.2", "10.2.0.2", 0, make([]byte, 11)), ErrL4Short},
		{"tcp data offset 4", tcpOff, ErrTCPOffset},
		{"tcp data offset past packet", tcpOffPast, ErrTCPOffset},
		{"ipv6 short", append([]byte{0x60}, make([]byte, 38)...), ErrIPv6Short},
		{"ipv6 payload length past packet", pl6[:len(pl6)-1], ErrIPv6PayloadLen},
		{"ipv6 ext header cut", ip6(0, "::1", "::2", 0, []byte{ProtoUDP}), ErrExtHeader},
		{"ipv6 ext length past packet", ip6(0, "::1", "::2", 0, []byte{ProtoUDP, 3, 0, 0, 0, 0, 0, 0}), ErrExtHeader},
		{"ipv6 fragment cut", ip6(44, "::1", "::2", 0, []byte{ProtoUDP, 0, 0}), ErrExtHeader},
		{"ipv6 ext chain too long", long, ErrExtChain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			err := Parse(tt.pkt, &p)
			var pe ParseError
			if !errors.As(err, &pe) || pe != tt.want {
				t.Fatalf("Parse: %v, want %v", err, tt.want)
			}
			if pe.Reason() == "" || pe.Error() == "" {
				t.Errorf("%d has no reason or message", pe)
			}
		})
	}
	for e := ParseError(1); e < NumParseErrors; e++ {
		if e.Reason() == "" {
			t.Errorf("ParseError %d has no reason", e)
		}
	}
}

// Every prefix of a valid packet parses or fails cleanly.
func TestParseTruncated(t *testing.T) {
	pkts := [][]byte{
		ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(1, 2, []byte("x"))),
		ip6(0, "::1", "::2", 0, cat(ext6(44), frag6(ProtoUDP, 0, false), udpHdr(1, 2, []byte("x")))),
	}
	for _, pkt := range pkts {
		for n := range len(pkt) {
			var p Packet
			if err := Parse(pkt[:n], &p); err == nil {
				t.Errorf("%d of %d bytes parsed without error", n, len(pkt))
			}
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	pkt := ip6(0, "fd10:0:1::2", "fd10:0:2::2", 46, cat(ext6(ProtoTCP), tcpHdr(1, 443, []byte("x"))))
	var p Packet
	if a := testing.AllocsPerRun(1000, func() { _ = Parse(pkt, &p) }); a != 0 {
		t.Fatalf("Parse allocates %.1f times", a)
	}
	if a := testing.AllocsPerRun(1000, func() { _ = Parse(pkt[:30], &p) }); a != 0 {
		t.Fatalf("Parse of a bad packet allocates %.1f times", a)
	}
}

func TestCanonicalKey(t *testing.T) {
	k := Flow{addr("10.2.0.2"), addr("10.1.0.2"), 443, 40000, ProtoTCP}
	if k.Canonical() != k.Reverse().Canonical() || k.Canonical().Src != addr("10.1.0.2") {
		t.Fatalf("canonical %+v / %+v", k.Canonical(), k.Reverse().Canonical())
	}
	same := Flow{addr("10.1.0.2"), addr("10.1.0.2"), 9, 3, ProtoUDP}
	if same.Canonical().SrcPort != 3 {
		t.Fatalf("same address: %+v", same.Canonical())
	}
}

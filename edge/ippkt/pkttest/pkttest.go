// Package pkttest builds IP packets for tests: just enough header to
// parse (checksums left zero), and TCP SYNs with options and a correct
// checksum for MSS clamping. One place for the builders that the tests of
// edge/ippkt, edge/classify and edge/dataplane share.
package pkttest

import (
	"encoding/binary"
	"net/netip"
)

// TCP is a 20-byte TCP header (PSH ACK) with payload.
func TCP(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	b[12] = 5 << 4
	b[13] = 0x18 // PSH ACK
	return append(b, payload...)
}

// UDP is a UDP header with payload.
func UDP(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// IP4 is an IPv4 packet of protocol proto carrying l4.
func IP4(proto uint8, src, dst string, dscp uint8, l4 []byte) []byte {
	b := make([]byte, 20, 20+len(l4))
	b[0] = 0x45
	b[1] = dscp << 2
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(l4)))
	b[8] = 64
	b[9] = proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	return append(b, l4...)
}

// IP6 is an IPv6 packet; rest holds any extension headers already chained
// (their first byte is each one's Next Header) and the payload; first is
// the type of the first header after the fixed one.
func IP6(first uint8, src, dst string, dscp uint8, rest []byte) []byte {
	b := make([]byte, 40, 40+len(rest))
	tc := dscp << 2
	b[0] = 6<<4 | tc>>4
	b[1] = tc << 4
	binary.BigEndian.PutUint16(b[4:], uint16(len(rest)))
	b[6] = first
	b[7] = 64
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, rest...)
}

// Ext6 is an 8-byte extension header of a length-in-8-octets type.
func Ext6(next uint8) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} }

// SYN is an IPv4 (10.11.0.2 → 10.22.0.2) or IPv6 (fd00:11::2 →
// fd00:22::2) TCP segment from port 12345 to 80 with the given flags and
// options SACK-permitted, MSS mss and window scale 7, checksum correct.
func SYN(v6 bool, mss uint16, flags byte) []byte {
	tcp := []byte{
		0x30, 0x39, 0x00, 0x50, // ports 12345 -> 80
		0, 0, 0, 1, 0, 0, 0, 0, // seq, ack
		0x80, flags, 0xff, 0xff, // data offset 32 bytes, flags, window
		0, 0, 0, 0, // checksum, urgent
		1, 1, 4, 2, // nop nop sackok
		2, 4, byte(mss >> 8), byte(mss), // MSS
		1, 3, 3, 7, // nop, window scale 7
	}
	var pkt []byte
	var src, dst netip.Addr
	if v6 {
		src, dst = netip.MustParseAddr("fd00:11::2"), netip.MustParseAddr("fd00:22::2")
		pkt = make([]byte, 40, 40+len(tcp))
		pkt[0], pkt[6], pkt[7] = 0x60, 6, 64
		binary.BigEndian.PutUint16(pkt[4:], uint16(len(tcp)))
		s, d := src.As16(), dst.As16()
		copy(pkt[8:], s[:])
		copy(pkt[24:], d[:])
	} else {
		src, dst = netip.MustParseAddr("10.11.0.2"), netip.MustParseAddr("10.22.0.2")
		pkt = make([]byte, 20, 20+len(tcp))
		pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
		binary.BigEndian.PutUint16(pkt[2:], uint16(20+len(tcp)))
		s, d := src.As4(), dst.As4()
		copy(pkt[12:], s[:])
		copy(pkt[16:], d[:])
	}
	binary.BigEndian.PutUint16(tcp[16:], TCPChecksum(src, dst, tcp))
	return append(pkt, tcp...)
}

// TCPChecksum computes a TCP checksum from scratch, with the
// pseudo-header (the checksum field counted as zero).
func TCPChecksum(src, dst netip.Addr, tcp []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += 6 + uint32(len(tcp))
	c := make([]byte, len(tcp))
	copy(c, tcp)
	c[16], c[17] = 0, 0
	add(c)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

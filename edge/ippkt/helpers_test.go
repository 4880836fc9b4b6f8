package ippkt

import (
	"encoding/binary"
	"net/netip"
)

// Packet builders for the tests: just enough header to parse, checksums
// left zero.

func tcpHdr(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	b[12] = 5 << 4
	b[13] = 0x18 // PSH ACK
	return append(b, payload...)
}

func udpHdr(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

func ip4(proto uint8, src, dst string, dscp uint8, l4 []byte) []byte {
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

// ip6 builds an IPv6 packet; ext are extension headers already chained
// (their first byte is each one's Next Header), first is the type of the
// first header after the fixed one.
func ip6(first uint8, src, dst string, dscp uint8, rest []byte) []byte {
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

// ext6 is an 8-byte extension header of a length-in-8-octets type.
func ext6(next uint8) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} }

// frag6 is a Fragment header at offset (in 8-byte units).
func frag6(next uint8, offset uint16, more bool) []byte {
	b := []byte{next, 0, 0, 0, 0, 0, 0, 1}
	v := offset << 3
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(b[2:], v)
	return b
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

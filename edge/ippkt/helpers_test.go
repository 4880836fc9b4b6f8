package ippkt

import (
	"encoding/binary"
	"net/netip"

	"github.com/patronus-sdwan/patronus/edge/ippkt/pkttest"
)

// The packet builders of edge/ippkt/pkttest, under this file's names.
var (
	tcpHdr = pkttest.TCP
	udpHdr = pkttest.UDP
	ip4    = pkttest.IP4
	ip6    = pkttest.IP6
	ext6   = pkttest.Ext6
)

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

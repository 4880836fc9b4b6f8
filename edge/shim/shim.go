// Package shim is the codec of the packets Patronus edges exchange inside
// a path tunnel when a packet needs metadata: compressed data, duplicated
// data with a sequence number, and in-tunnel control messages (BFD,
// probes). Plain traffic never carries it: zero extra bytes.
//
// A shim packet is an IPv6 packet with Next Header 253 (RFC 3692, for
// experimentation) from the sending site's control address to the
// receiving site's, so it passes WireGuard's cryptokey routing like any
// inner packet. Control addresses are fd70:6174:726f::SITE-ID (a ULA
// prefix; "patro" in ASCII).
//
// The shim header follows the 40-byte IPv6 header:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Ver  |  Type |C|S| Reserved  |          Inner Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            Sequence Number (only when S is set)               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                            Body ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
//
// Ver is 1. Type says what the body is: Data (an inner IP packet), BFD (a
// BFD Control packet), Probe (a quality probe) or Hello (capabilities,
// e.g. compression). C: the Data body is an LZ4 block; Inner Length is
// then the decompressed length, otherwise the body length. S: a 32-bit
// sequence number follows, for the receiver's duplicate filter. Reserved
// bits are sent as zero and ignored.
//
// The package holds the shim's three layers, none of which does I/O:
//
//   - the codec (codec.go, hello.go): Encode, Decode, the Hello body; no
//     allocation while decoding;
//   - the Hello machine (machine.go): one path's compression negotiation,
//     fed the clock and the peer's Hellos, returning the Hellos to send;
//   - the Endpoint (endpoint.go): one path's shim end, which compresses
//     what the path sends (edge/compress), decodes what it receives and
//     runs Data packets with a sequence number through the peer site's
//     duplicate Window (window.go).
//
// The data plane (edge/dataplane) owns the queues and sends what an
// Endpoint returns.
package shim

import (
	"encoding/binary"
	"net/netip"
)

// Protocol is the IPv6 Next Header value of shim packets (RFC 3692).
const Protocol = 253

// Version is the shim header version.
const Version = 1

// Sizes.
const (
	IPv6HeaderLen = 40
	HeaderLen     = 4 // without the sequence number
	SeqLen        = 4
	// MaxOverhead is what a shim adds to a packet at most.
	MaxOverhead = IPv6HeaderLen + HeaderLen + SeqLen
)

// hopLimit of shim packets: they cross exactly one tunnel.
const hopLimit = 64

// Type is what a shim body carries.
type Type uint8

// Types.
const (
	TypeData  Type = 1
	TypeBFD   Type = 2
	TypeProbe Type = 3
	TypeHello Type = 4
)

var typeNames = [...]string{"reserved", "data", "bfd", "probe", "hello"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Flags of the shim header.
const (
	flagCompressed = 0x08
	flagSeq        = 0x04
)

// controlPrefix is fd70:6174:726f::/48.
var controlPrefix = [6]byte{0xfd, 0x70, 0x61, 0x74, 0x72, 0x6f}

// ControlAddr returns the control address of a site.
func ControlAddr(site uint16) netip.Addr {
	var a [16]byte
	copy(a[:], controlPrefix[:])
	binary.BigEndian.PutUint16(a[14:], site)
	return netip.AddrFrom16(a)
}

// SiteOf returns the site ID of a control address.
func SiteOf(a netip.Addr) (uint16, bool) {
	b := a.As16()
	if !a.Is6() || [6]byte(b[:6]) != controlPrefix || [8]byte(b[6:14]) != [8]byte{} {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[14:]), true
}

// Header is a decoded shim header.
type Header struct {
	Type        Type
	Compressed  bool
	HasSeq      bool
	Seq         uint32
	InnerLength int // decompressed body length when Compressed, else len(body)
}

// Len is the encoded header length.
func (h *Header) Len() int {
	if h.HasSeq {
		return HeaderLen + SeqLen
	}
	return HeaderLen
}

// Package ippkt parses an inner IP packet once, for every stage of the
// edge's data path that needs to know what it is: the route lookup (the
// destination address), the source check of received packets, MSS
// clamping (the TCP flags and where the MSS option is), pins (the
// 5-tuple), classification (the 5-tuple, the DSCP and the transport
// payload) and the flow hash steering keeps flows on their paths with.
//
// It is a leaf: no I/O, no state, no allocation, and no panic on any
// input (fuzzed). A Packet holds slices of the packet it was parsed from
// and is valid while that packet is.
package ippkt

import (
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers known by name.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// TCP flags (the low byte of the flags field).
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPAck = 0x10
)

// Flow is a flow's 5-tuple as seen in one packet. Ports are zero for
// protocols without ports (ICMP, ...) and for IPv4 / IPv6 fragments other
// than the first.
type Flow struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}

// Reverse is the tuple of the other direction of the same flow.
func (k Flow) Reverse() Flow {
	return Flow{Src: k.Dst, Dst: k.Src, SrcPort: k.DstPort, DstPort: k.SrcPort, Proto: k.Proto}
}

// Canonical is the tuple both directions of a flow share: the endpoint
// that sorts first (address, then port) is Src.
func (k Flow) Canonical() Flow {
	if c := k.Src.Compare(k.Dst); c > 0 || (c == 0 && k.SrcPort > k.DstPort) {
		return k.Reverse()
	}
	return k
}

// Packet is what Parse reads from one IP packet.
type Packet struct {
	// Version is 4 or 6 once the IP header parsed (Flow's addresses and
	// protocol and DSCP are then set, even when the transport header did
	// not parse); 0 when it did not.
	Version uint8
	Flow    Flow
	DSCP    uint8 // Differentiated Services Code Point, 0–63
	// Ports is true when the protocol has ports and this packet carries
	// them (false for ICMP and for non-first fragments).
	Ports bool
	// L4 is the offset of the transport header in the packet; 0 when
	// there is none (a non-first fragment, a header chain that ends).
	L4 int
	// Payload is the transport payload of TCP and UDP packets, a slice of
	// the packet; nil otherwise.
	Payload []byte
	// TCPFlags and TCPSeq are a TCP segment's flags and sequence number.
	TCPFlags uint8
	TCPSeq   uint32
	// MSS is the offset in the packet of the 2-byte value of a TCP SYN's
	// MSS option; 0 when there is none (or the segment is no SYN).
	MSS int
}

// FlowHash hashes the protocol, addresses and TCP/UDP ports (FNV-1a), for
// steering's flow lookup: packets of one flow and direction hash alike.
// It does not allocate.
func (p *Packet) FlowHash() uint32 {
	const (
		offset = 2166136261
		prime  = 16777619
	)
	h := uint32(offset)
	mix := func(b []byte) {
		for _, c := range b {
			h = (h ^ uint32(c)) * prime
		}
	}
	switch p.Version {
	case 4:
		s, d := p.Flow.Src.As4(), p.Flow.Dst.As4()
		mix(s[:])
		mix(d[:])
	case 6:
		s, d := p.Flow.Src.As16(), p.Flow.Dst.As16()
		mix(s[:])
		mix(d[:])
	default:
		return h
	}
	h = (h ^ uint32(p.Flow.Proto)) * prime
	if p.Ports && (p.Flow.Proto == ProtoTCP || p.Flow.Proto == ProtoUDP) {
		ports := [4]byte{byte(p.Flow.SrcPort >> 8), byte(p.Flow.SrcPort), byte(p.Flow.DstPort >> 8), byte(p.Flow.DstPort)}
		mix(ports[:])
	}
	return h
}

// ParseError is why Parse refused a packet. Reason is its counter label.
type ParseError uint8

// Parse errors.
const (
	ErrEmpty          ParseError = iota + 1 // zero-length packet
	ErrVersion                              // IP version is neither 4 nor 6
	ErrIPv4Short                            // shorter than an IPv4 header
	ErrIPv4HeaderLen                        // IHL < 5 or past the packet
	ErrIPv4TotalLen                         // Total Length < header or > packet
	ErrIPv6Short                            // shorter than an IPv6 header
	ErrIPv6PayloadLen                       // Payload Length past the packet
	ErrExtHeader                            // an IPv6 extension header runs past the packet
	ErrExtChain                             // more than maxExtHeaders extension headers
	ErrL4Short                              // transport header truncated
	ErrTCPOffset                            // TCP Data Offset < 5 or past the packet
	NumParseErrors
)

var parseErrText = [...]struct{ reason, msg string }{
	{},
	{"empty", "ippkt: empty packet"},
	{"bad_version", "ippkt: IP version is neither 4 nor 6"},
	{"ipv4_short", "ippkt: shorter than an IPv4 header"},
	{"ipv4_header_length", "ippkt: IPv4 header length below 20 or past the packet"},
	{"ipv4_total_length", "ippkt: IPv4 total length below the header or past the packet"},
	{"ipv6_short", "ippkt: shorter than an IPv6 header"},
	{"ipv6_payload_length", "ippkt: IPv6 payload length past the packet"},
	{"ipv6_ext_header_truncated", "ippkt: IPv6 extension header runs past the packet"},
	{"ipv6_ext_chain_too_long", "ippkt: too many IPv6 extension headers"},
	{"l4_short", "ippkt: transport header truncated"},
	{"tcp_data_offset", "ippkt: TCP data offset below 5 or past the packet"},
}

func (e ParseError) Error() string {
	if int(e) < len(parseErrText) && e != 0 {
		return parseErrText[e].msg
	}
	return "ippkt: unknown parse error"
}

// Reason is the error's counter label.
func (e ParseError) Reason() string {
	if int(e) < len(parseErrText) {
		return parseErrText[e].reason
	}
	return "unknown"
}

// maxExtHeaders bounds the IPv6 extension header chain Parse walks; real
// traffic carries one or two.
const maxExtHeaders = 8

// Parse reads pkt into p. It never allocates and never panics. On an
// error of the transport header (ErrL4Short, ErrTCPOffset) the network
// layer is set (p.Version is 4 or 6): the packet can still be routed. On
// any other error p.Version is 0 and the rest of p is unspecified.
//
// IPv4 bytes past Total Length (link padding) are ignored. A non-first
// fragment has no ports. IPv6 extension headers (hop-by-hop, routing,
// fragment, destination options, AH, mobility, HIP, shim6) are skipped;
// ESP and No Next Header end the chain and are the flow's protocol.
func Parse(pkt []byte, p *Packet) error {
	p.Version = 0
	if len(pkt) == 0 {
		return ErrEmpty
	}
	switch pkt[0] >> 4 {
	case 4:
		return parse4(pkt, p)
	case 6:
		return parse6(pkt, p)
	}
	return ErrVersion
}

// IPv4 header (RFC 791):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version|  IHL  |   DSCP    |ECN|          Total Length         |
//	|         Identification        |Flags|      Fragment Offset    |
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	|                       Source Address                          |
//	|                    Destination Address                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
func parse4(pkt []byte, p *Packet) error {
	if len(pkt) < 20 {
		return ErrIPv4Short
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || ihl > len(pkt) {
		return ErrIPv4HeaderLen
	}
	total := int(binary.BigEndian.Uint16(pkt[2:4]))
	if total < ihl || total > len(pkt) {
		return ErrIPv4TotalLen
	}
	p.Version, p.DSCP = 4, pkt[1]>>2
	p.Flow = Flow{
		Src:   netip.AddrFrom4([4]byte(pkt[12:16])),
		Dst:   netip.AddrFrom4([4]byte(pkt[16:20])),
		Proto: pkt[9],
	}
	firstFragment := binary.BigEndian.Uint16(pkt[6:8])&0x1fff == 0
	return parseL4(pkt[:total], ihl, firstFragment, p)
}

// IPv6 header (RFC 8200):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Traffic Class |           Flow Label                  |
//	|         Payload Length        |  Next Header  |   Hop Limit   |
//	|                 Source Address (16 bytes)                     |
//	|              Destination Address (16 bytes)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The DSCP is the upper six bits of the Traffic Class.
func parse6(pkt []byte, p *Packet) error {
	if len(pkt) < 40 {
		return ErrIPv6Short
	}
	end := len(pkt)
	if pl := int(binary.BigEndian.Uint16(pkt[4:6])); pl != 0 { // 0: jumbogram, use the packet
		if 40+pl > len(pkt) {
			return ErrIPv6PayloadLen
		}
		end = 40 + pl
	}
	next, off, first, err := skipExt(pkt[:end], pkt[6], 40)
	if err != nil {
		return err
	}
	p.Version, p.DSCP = 6, (pkt[0]&0x0f)<<2|pkt[1]>>6
	p.Flow = Flow{
		Src:   netip.AddrFrom16([16]byte(pkt[8:24])),
		Dst:   netip.AddrFrom16([16]byte(pkt[24:40])),
		Proto: next,
	}
	return parseL4(pkt[:end], off, first, p)
}

// skipExt walks the IPv6 extension headers from off, whose type is next.
// It returns the upper-layer protocol, its offset and whether this is the
// first (or only) fragment.
func skipExt(pkt []byte, next uint8, off int) (uint8, int, bool, error) {
	first := true
	for range maxExtHeaders + 1 {
		var n int
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, dest. options, mobility, HIP, shim6
			if off+2 > len(pkt) {
				return 0, 0, false, ErrExtHeader
			}
			n = (int(pkt[off+1]) + 1) * 8
		case 44: // fragment: fixed 8 bytes
			if off+8 > len(pkt) {
				return 0, 0, false, ErrExtHeader
			}
			n = 8
			first = binary.BigEndian.Uint16(pkt[off+2:off+4])&0xfff8 == 0
		case 51: // AH: length in 4-byte units, minus 2
			if off+2 > len(pkt) {
				return 0, 0, false, ErrExtHeader
			}
			n = (int(pkt[off+1]) + 2) * 4
		default:
			return next, off, first, nil
		}
		if off+n > len(pkt) {
			return 0, 0, false, ErrExtHeader
		}
		next, off = pkt[off], off+n
		if !first { // no upper-layer header in a non-first fragment
			return next, off, false, nil
		}
	}
	return 0, 0, false, ErrExtChain
}

// parseL4 reads the transport header at pkt[off:]: ports, payload, and
// for TCP the flags, sequence number and MSS option.
func parseL4(pkt []byte, off int, first bool, p *Packet) error {
	p.Ports, p.Payload, p.L4, p.TCPFlags, p.TCPSeq, p.MSS = false, nil, 0, 0, 0, 0
	p.Flow.SrcPort, p.Flow.DstPort = 0, 0
	if !first {
		return nil
	}
	b := pkt[off:]
	switch p.Flow.Proto {
	case ProtoTCP:
		if len(b) < 20 {
			return ErrL4Short
		}
		doff := int(b[12]>>4) * 4
		if doff < 20 || doff > len(b) {
			return ErrTCPOffset
		}
		p.Payload = b[doff:]
		p.TCPSeq = binary.BigEndian.Uint32(b[4:8])
		p.TCPFlags = b[13]
		if p.TCPFlags&TCPSyn != 0 {
			if i := mssOption(b[:doff]); i > 0 {
				p.MSS = off + i
			}
		}
	case ProtoUDP:
		if len(b) < 8 {
			return ErrL4Short
		}
		p.Payload = b[8:]
	case ProtoSCTP:
		if len(b) < 12 {
			return ErrL4Short
		}
	default:
		p.L4 = off
		return nil
	}
	p.L4, p.Ports = off, true
	p.Flow.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.Flow.DstPort = binary.BigEndian.Uint16(b[2:4])
	return nil
}

// mssOption returns the offset in a TCP header (tcp: the header with its
// options) of the MSS option's value, or 0. A malformed option list ends
// the search.
func mssOption(tcp []byte) int {
	for i := 20; i < len(tcp); {
		switch kind := tcp[i]; {
		case kind == 0:
			return 0
		case kind == 1:
			i++
			continue
		case i+1 >= len(tcp) || tcp[i+1] < 2 || i+int(tcp[i+1]) > len(tcp):
			return 0
		case kind == 2 && tcp[i+1] == 4:
			return i + 2
		}
		i += int(tcp[i+1])
	}
	return 0
}

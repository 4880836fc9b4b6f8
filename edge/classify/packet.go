package classify

import (
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers the classifier knows by name.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// FlowKey is a flow's 5-tuple as seen in one packet. Ports are zero for
// protocols without ports (ICMP, ...) and for IPv4 / IPv6 fragments other
// than the first.
type FlowKey struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}

// Reverse is the key of the other direction of the same flow.
func (k FlowKey) Reverse() FlowKey {
	return FlowKey{Src: k.Dst, Dst: k.Src, SrcPort: k.DstPort, DstPort: k.SrcPort, Proto: k.Proto}
}

// canonical is the key both directions of a flow share: the endpoint that
// sorts first (address, then port) is Src.
func (k FlowKey) canonical() FlowKey {
	if c := k.Src.Compare(k.Dst); c > 0 || (c == 0 && k.SrcPort > k.DstPort) {
		return k.Reverse()
	}
	return k
}

// Packet is what Parse reads from one inner IP packet.
type Packet struct {
	Flow FlowKey
	DSCP uint8 // Differentiated Services Code Point, 0–63
	// Ports is true when the protocol has ports and this packet carries
	// them (false for ICMP and for non-first fragments).
	Ports bool
	// Payload is the transport payload of TCP and UDP packets, a slice of
	// the packet; nil otherwise.
	Payload []byte
	// TCPSeq is the sequence number of a TCP segment.
	TCPSeq uint32
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
	{"empty", "classify: empty packet"},
	{"bad_version", "classify: IP version is neither 4 nor 6"},
	{"ipv4_short", "classify: shorter than an IPv4 header"},
	{"ipv4_header_length", "classify: IPv4 header length below 20 or past the packet"},
	{"ipv4_total_length", "classify: IPv4 total length below the header or past the packet"},
	{"ipv6_short", "classify: shorter than an IPv6 header"},
	{"ipv6_payload_length", "classify: IPv6 payload length past the packet"},
	{"ipv6_ext_header_truncated", "classify: IPv6 extension header runs past the packet"},
	{"ipv6_ext_chain_too_long", "classify: too many IPv6 extension headers"},
	{"l4_short", "classify: transport header truncated"},
	{"tcp_data_offset", "classify: TCP data offset below 5 or past the packet"},
}

func (e ParseError) Error() string  { return parseErrText[e].msg }
func (e ParseError) Reason() string { return parseErrText[e].reason }

// maxExtHeaders bounds the IPv6 extension header chain Parse walks; real
// traffic carries one or two.
const maxExtHeaders = 8

// Parse reads the flow key, DSCP and transport payload of an IPv4 or IPv6
// packet into p. It never allocates and never panics; a malformed or
// truncated packet yields a ParseError and p is then unspecified.
//
// IPv4 bytes past Total Length (link padding) are ignored. A non-first
// fragment has no ports. IPv6 extension headers (hop-by-hop, routing,
// fragment, destination options, AH, mobility, HIP, shim6) are skipped;
// ESP and No Next Header end the chain and are the flow's protocol.
func Parse(pkt []byte, p *Packet) error {
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
	p.DSCP = pkt[1] >> 2
	p.Flow = FlowKey{
		Src:   netip.AddrFrom4([4]byte(pkt[12:16])),
		Dst:   netip.AddrFrom4([4]byte(pkt[16:20])),
		Proto: pkt[9],
	}
	firstFragment := binary.BigEndian.Uint16(pkt[6:8])&0x1fff == 0
	return parseL4(pkt[ihl:total], firstFragment, p)
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
	p.DSCP = (pkt[0]&0x0f)<<2 | pkt[1]>>6
	p.Flow = FlowKey{
		Src: netip.AddrFrom16([16]byte(pkt[8:24])),
		Dst: netip.AddrFrom16([16]byte(pkt[24:40])),
	}
	next, off, first, err := skipExt(pkt[:end], pkt[6], 40)
	if err != nil {
		return err
	}
	p.Flow.Proto = next
	return parseL4(pkt[off:end], first, p)
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

// parseL4 reads ports and payload from the transport header in b.
func parseL4(b []byte, first bool, p *Packet) error {
	p.Ports, p.Payload = false, nil
	if !first {
		return nil
	}
	switch p.Flow.Proto {
	case ProtoTCP:
		if len(b) < 20 {
			return ErrL4Short
		}
		off := int(b[12]>>4) * 4
		if off < 20 || off > len(b) {
			return ErrTCPOffset
		}
		p.Payload = b[off:]
		p.TCPSeq = binary.BigEndian.Uint32(b[4:8])
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
		return nil
	}
	p.Ports = true
	p.Flow.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.Flow.DstPort = binary.BigEndian.Uint16(b[2:4])
	return nil
}

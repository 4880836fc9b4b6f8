package shim

import (
	"encoding/binary"
	"net/netip"
)

// Error is a rule a packet broke; Reason is its counter label.
type Error uint8

// Errors of Decode, in the order it checks them, and of ParseHello and
// Encode.
const (
	ErrShort       Error = iota + 1 // shorter than the headers
	ErrNotIPv6                      // IP version is not 6
	ErrNotShim                      // Next Header is not 253
	ErrLength                       // IPv6 Payload Length disagrees with the packet
	ErrVersion                      // shim version is not 1
	ErrType                         // unknown type
	ErrFlags                        // C on a type other than Data
	ErrInnerLength                  // Inner Length disagrees with the body
	ErrHello                        // a Hello body shorter than HelloLen
	ErrBuffer                       // Encode: the buffer is too short
	NumErrors
)

var errText = [...]struct{ reason, msg string }{
	{},
	{"too_short", "shim: packet shorter than its headers"},
	{"not_ipv6", "shim: not an IPv6 packet"},
	{"not_shim", "shim: IPv6 Next Header is not 253"},
	{"length_mismatch", "shim: IPv6 Payload Length disagrees with the packet"},
	{"bad_version", "shim: version is not 1"},
	{"unknown_type", "shim: unknown type"},
	{"bad_flags", "shim: compression flag on a type other than data"},
	{"inner_length_mismatch", "shim: Inner Length disagrees with the body"},
	{"bad_hello", "shim: Hello body shorter than 8 bytes"},
	{"short_buffer", "shim: buffer too short"},
}

func (e Error) Error() string  { return errText[e].msg }
func (e Error) Reason() string { return errText[e].reason }

// IsShim reports cheaply whether an inner packet is a shim packet: IPv6
// with Next Header 253. Plain traffic goes on untouched when it is not.
func IsShim(pkt []byte) bool {
	return len(pkt) >= IPv6HeaderLen && pkt[0]>>4 == 6 && pkt[6] == Protocol
}

// Decode parses a shim packet: its control addresses, header and body (a
// slice of pkt). Bytes past the IPv6 Payload Length are not accepted.
func Decode(pkt []byte) (src, dst netip.Addr, h Header, body []byte, err error) {
	if len(pkt) < IPv6HeaderLen+HeaderLen {
		return src, dst, h, nil, ErrShort
	}
	switch {
	case pkt[0]>>4 != 6:
		return src, dst, h, nil, ErrNotIPv6
	case pkt[6] != Protocol:
		return src, dst, h, nil, ErrNotShim
	case int(binary.BigEndian.Uint16(pkt[4:6])) != len(pkt)-IPv6HeaderLen:
		return src, dst, h, nil, ErrLength
	}
	src = netip.AddrFrom16([16]byte(pkt[8:24]))
	dst = netip.AddrFrom16([16]byte(pkt[24:40]))
	h, body, err = decodeHeader(pkt[IPv6HeaderLen:])
	return src, dst, h, body, err
}

func decodeHeader(b []byte) (h Header, body []byte, err error) {
	if b[0]>>4 != Version {
		return h, nil, ErrVersion
	}
	h.Type = Type(b[0] & 0x0f)
	if h.Type < TypeData || h.Type > TypeHello {
		return h, nil, ErrType
	}
	h.Compressed, h.HasSeq = b[1]&flagCompressed != 0, b[1]&flagSeq != 0
	if h.Compressed && h.Type != TypeData {
		return h, nil, ErrFlags
	}
	h.InnerLength = int(binary.BigEndian.Uint16(b[2:4]))
	body = b[HeaderLen:]
	if h.HasSeq {
		if len(body) < SeqLen {
			return h, nil, ErrShort
		}
		h.Seq = binary.BigEndian.Uint32(body)
		body = body[SeqLen:]
	}
	if !h.Compressed && h.InnerLength != len(body) || h.Compressed && h.InnerLength < len(body) {
		return h, nil, ErrInnerLength
	}
	return h, body, nil
}

// Encode writes the IPv6 and shim headers for a body of bodyLen bytes
// into b and returns how many bytes it wrote; the caller puts the body
// right after. h.InnerLength is taken as given for a compressed body and
// set to bodyLen otherwise.
func Encode(b []byte, src, dst netip.Addr, h Header, bodyLen int) (int, error) {
	n := IPv6HeaderLen + h.Len()
	if len(b) < n || n+bodyLen-IPv6HeaderLen > 0xffff {
		return 0, ErrBuffer
	}
	if h.Compressed && h.Type != TypeData {
		return 0, ErrFlags
	}
	if h.Compressed && (h.InnerLength < bodyLen || h.InnerLength > 0xffff) {
		return 0, ErrInnerLength
	}
	b[0], b[1], b[2], b[3] = 0x60, 0, 0, 0 // version 6, traffic class 0, flow label 0
	binary.BigEndian.PutUint16(b[4:6], uint16(n-IPv6HeaderLen+bodyLen))
	b[6], b[7] = Protocol, hopLimit
	s, d := src.As16(), dst.As16()
	copy(b[8:24], s[:])
	copy(b[24:40], d[:])
	sh := b[IPv6HeaderLen:]
	sh[0] = Version<<4 | byte(h.Type)&0x0f
	sh[1] = 0
	if h.Compressed {
		sh[1] |= flagCompressed
	} else {
		h.InnerLength = bodyLen
	}
	if h.HasSeq {
		sh[1] |= flagSeq
		binary.BigEndian.PutUint32(sh[HeaderLen:], h.Seq)
	}
	binary.BigEndian.PutUint16(sh[2:4], uint16(h.InnerLength))
	return n, nil
}

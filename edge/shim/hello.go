package shim

import (
	"encoding/binary"
	"net/netip"
)

// A Hello is the body of a TypeHello shim packet: what the sending edge
// accepts on this path. Each end sends one when the path starts, every
// few seconds after, and at once when its setting changes; a Hello with R
// set asks for an answer, so both ends learn each other within a round
// trip of either starting.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|R|  Reserved   |   Reserved    |      Hold Time (seconds)      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Capabilities                            |Z|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// R: reply requested. Hold Time: how long the receiver may rely on this
// Hello; after it, the receiver forgets what it said (0 withdraws it at
// once). Capabilities: what the sender accepts on this path; Z
// (CapLZ4): data compressed with LZ4. Reserved and unknown capability
// bits are sent as zero and ignored, and bytes after the eighth are
// ignored, so later versions can extend the Hello.
type Hello struct {
	ReplyRequested bool
	HoldTime       uint16 // seconds
	Caps           uint32
}

// HelloLen is the length of a Hello body.
const HelloLen = 8

// Capabilities.
const (
	CapLZ4 uint32 = 1 << 0 // accepts Data compressed with LZ4
	// knownCaps are the capabilities this version understands.
	knownCaps = CapLZ4
)

const helloReply = 0x80

// ParseHello decodes the body of a Hello.
func ParseHello(body []byte) (Hello, error) {
	if len(body) < HelloLen {
		return Hello{}, ErrHello
	}
	return Hello{
		ReplyRequested: body[0]&helloReply != 0,
		HoldTime:       binary.BigEndian.Uint16(body[2:4]),
		Caps:           binary.BigEndian.Uint32(body[4:8]) & knownCaps,
	}, nil
}

// EncodeHello writes a whole Hello shim packet from src to dst (control
// addresses) into b and returns its length.
func EncodeHello(b []byte, src, dst netip.Addr, h Hello) (int, error) {
	n, err := Encode(b, src, dst, Header{Type: TypeHello}, HelloLen)
	if err != nil {
		return 0, err
	}
	if len(b) < n+HelloLen {
		return 0, ErrBuffer
	}
	body := b[n : n+HelloLen]
	body[0], body[1] = 0, 0
	if h.ReplyRequested {
		body[0] = helloReply
	}
	binary.BigEndian.PutUint16(body[2:4], h.HoldTime)
	binary.BigEndian.PutUint32(body[4:8], h.Caps&knownCaps)
	return n + HelloLen, nil
}

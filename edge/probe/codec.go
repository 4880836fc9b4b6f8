// Package probe measures the quality of one path: round-trip time, jitter,
// loss, reordering and duplicates, with probes in the spirit of STAMP
// (RFC 8762) carried as the body of a shim packet (shim.TypeProbe).
//
// It is a leaf: no I/O, no goroutines, no wall clock. A Sender is fed the
// time by its caller, sends through an injected function and is handed
// the replies; a Reflector answers requests statelessly. Windows turn the
// replies into Metrics.
//
// # Wire format
//
// A probe is 40 bytes, the same for requests and replies, so a reply is
// the request rewritten in place and the path carries the same load both
// ways (RFC 8762 §4.2 keeps symmetric sizes for the same reason):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Ver  |  Kind |   Reserved    |           Reserved            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Sender Session                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Sender Sequence Number                     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Reserved                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  Sender Timestamp (64 bits)                   |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Receive Timestamp (64 bits)                   |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                 Reflector Send Timestamp (64 bits)            |
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Ver is 1. Kind is 1 (request) or 2 (reply). Sender Session is chosen by
// the sender at start, so replies to an earlier incarnation are told
// apart; the reflector copies it, with the Sender Sequence Number and the
// Sender Timestamp, into the reply (RFC 8762 §4.3 echoes them the same
// way). Timestamps are signed nanoseconds since the Unix epoch, each in
// its writer's clock: the sender's in Sender Timestamp, the reflector's in
// Receive Timestamp (when the request arrived) and Reflector Send
// Timestamp (when the reply left); requests carry zero there. The round
// trip is therefore measured without the reflector's residence time
// (Send − Receive), as in STAMP. Reserved fields are sent as zero and
// ignored; bytes after the fortieth are ignored, as RFC 8762 allows
// padding.
//
// The differences from STAMP: no UDP port of its own (the shim carries
// it, inside the encrypted path), 64-bit nanosecond timestamps instead of
// NTP format, no error estimate field, and a session word, since a
// path's probes have no 5-tuple of their own to tell sessions apart.
package probe

import "encoding/binary"

// Version is the probe format version.
const Version = 1

// Len is the length of a probe, request or reply.
const Len = 40

// Kind tells a request from a reply.
type Kind uint8

// Kinds.
const (
	KindRequest Kind = 1
	KindReply   Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindReply:
		return "reply"
	}
	return "unknown"
}

// Packet is a decoded probe.
type Packet struct {
	Kind     Kind
	Session  uint32
	Seq      uint32
	SenderTS int64 // ns, sender's clock
	RecvTS   int64 // ns, reflector's clock; replies only
	SendTS   int64 // ns, reflector's clock; replies only
}

// Error is a rule a probe broke; Reason is its counter label. It is a
// small integer, so returning it does not allocate and counters can be
// arrays indexed by it.
type Error uint8

// Errors of Decode, in the order it checks them, then of Encode, Reflect
// and Sender.Receive.
const (
	ErrShort      Error = iota + 1 // shorter than Len
	ErrVersion                     // Ver is not 1
	ErrKind                        // Kind is neither request nor reply
	ErrResidence                   // reply: Send Timestamp before Receive Timestamp
	ErrBuffer                      // Encode: buffer shorter than Len
	ErrNotRequest                  // Reflect: not a request
	ErrNotReply                    // Receive: not a reply
	NumErrors                      // one more than the largest Error
)

var errText = [NumErrors]struct{ reason, msg string }{
	{"unknown", "probe: unknown error"},
	{"too_short", "probe: shorter than 40 bytes"},
	{"bad_version", "probe: version is not 1"},
	{"bad_kind", "probe: kind is neither request nor reply"},
	{"negative_residence", "probe: reflector send timestamp before its receive timestamp"},
	{"short_buffer", "probe: buffer shorter than 40 bytes"},
	{"not_request", "probe: reflector got a reply"},
	{"not_reply", "probe: sender got a request"},
}

func (e Error) Error() string {
	if e >= NumErrors {
		e = 0
	}
	return errText[e].msg
}

// Reason is a stable snake_case label for counters, e.g. "bad_version".
func (e Error) Reason() string {
	if e >= NumErrors {
		e = 0
	}
	return errText[e].reason
}

// Encode writes p into b and returns Len. It does not allocate.
func Encode(b []byte, p *Packet) (int, error) {
	if len(b) < Len {
		return 0, ErrBuffer
	}
	if p.Kind != KindRequest && p.Kind != KindReply {
		return 0, ErrKind
	}
	b = b[:Len]
	b[0] = Version<<4 | uint8(p.Kind)
	b[1], b[2], b[3] = 0, 0, 0
	binary.BigEndian.PutUint32(b[4:8], p.Session)
	binary.BigEndian.PutUint32(b[8:12], p.Seq)
	binary.BigEndian.PutUint32(b[12:16], 0)
	binary.BigEndian.PutUint64(b[16:24], uint64(p.SenderTS))
	binary.BigEndian.PutUint64(b[24:32], uint64(p.RecvTS))
	binary.BigEndian.PutUint64(b[32:40], uint64(p.SendTS))
	return Len, nil
}

// Decode parses a probe. It does not allocate.
func Decode(b []byte, p *Packet) error {
	switch {
	case len(b) < Len:
		return ErrShort
	case b[0]>>4 != Version:
		return ErrVersion
	}
	k := Kind(b[0] & 0x0f)
	if k != KindRequest && k != KindReply {
		return ErrKind
	}
	*p = Packet{
		Kind:     k,
		Session:  binary.BigEndian.Uint32(b[4:8]),
		Seq:      binary.BigEndian.Uint32(b[8:12]),
		SenderTS: int64(binary.BigEndian.Uint64(b[16:24])),
		RecvTS:   int64(binary.BigEndian.Uint64(b[24:32])),
		SendTS:   int64(binary.BigEndian.Uint64(b[32:40])),
	}
	if k == KindReply && p.SendTS < p.RecvTS {
		return ErrResidence
	}
	return nil
}

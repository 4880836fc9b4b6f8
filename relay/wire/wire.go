// Package wire is the relay's wire format: the header an edge puts in
// front of each WireGuard datagram of a relayed path, the registration
// that binds one end of a relayed path to the edge's address at the
// relay, and the tokens the controller issues for it. It imports nothing
// of Patronus, so the relay, the edge and the controller share it.
//
// A relayed path is a session: a 64-bit ID and two sides (0 and 1), one
// per edge. The controller, which alone holds the relay key, gives each
// edge the token of its side: HMAC-SHA256(key, tokenLabel | session |
// side | len(site) | site). An edge proves it holds the token with a
// Register message MACed with it; the relay, which holds the key too,
// recomputes the token, so it keeps no list of issued tokens.
//
// Register, edge → relay (45 + len(site) bytes):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+---------------+---------------+
//	| type = 0x51   | version = 1   |     side      |   site len    |
//	+---------------+---------------+---------------+---------------+
//	|                      session (64 bits)                        |
//	+                                                               +
//	|                                                               |
//	+---------------------------------------------------------------+
//	|               time, unix milliseconds (64 bits)               |
//	+                                                               +
//	|                                                               |
//	+---------------------------------------------------------------+
//	|              site name (site len bytes, 1..63) ...            |
//	+---------------------------------------------------------------+
//	|     MAC: HMAC-SHA256(token, all bytes above), first 16 bytes  |
//	+---------------------------------------------------------------+
//
// Data, both directions (12 bytes, then one WireGuard message):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+-------------------------------+
//	| type = 0x50   | version = 1   |          reserved (0)         |
//	+---------------+---------------+-------------------------------+
//	|                      session (64 bits)                        |
//	+                                                               +
//	|                                                               |
//	+---------------------------------------------------------------+
//	|  WireGuard message (type 1..4, then three zero bytes) ...     |
//	+---------------------------------------------------------------+
//
// Probe, edge → edge directly, not through the relay (20 bytes): an
// edge whose path is relayed asks whether the direct way works; the
// other edge sends it back with flags = 1 (echo). The nonce is random
// per probe, so only one who sees the probe can echo it.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+---------------+---------------+
//	| type = 0x52   | version = 1   |    flags      |  reserved (0) |
//	+---------------+---------------+---------------+---------------+
//	|                      session (64 bits)                        |
//	+                                                               +
//	|                                                               |
//	+---------------------------------------------------------------+
//	|                       nonce (64 bits)                         |
//	+                                                               +
//	|                                                               |
//	+---------------------------------------------------------------+
//
// Integers are big-endian. The type bytes differ from WireGuard's (1..4),
// so a link's socket tells a relayed datagram from a direct one by its
// first byte.
package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

const (
	// TypeData is a relayed WireGuard datagram.
	TypeData = 0x50
	// TypeRegister binds one side of a session to its sender's address.
	TypeRegister = 0x51
	// TypeProbe asks (or, echoed, answers) whether a path's direct way
	// works.
	TypeProbe = 0x52
	// ProbeLen is the length of a Probe.
	ProbeLen = 20
	// Version is the only version of the format.
	Version = 1

	// DataHeaderLen is the length of a Data header.
	DataHeaderLen = 12
	// MACLen is the length of a Register's MAC.
	MACLen = 16
	// TokenLen is the length of a token.
	TokenLen = sha256.Size
	// KeyLen is the least length of a relay key.
	KeyLen = 32
	// MaxSiteLen is the longest site name a Register carries.
	MaxSiteLen = 63

	registerFixed = 20 // type, version, side, site len, session, time
	tokenLabel    = "patronus relay token v1"
	sessionLabel  = "patronus relay session v1"
)

// Errors of Parse; the relay counts refused registrations by them.
var (
	ErrShort   = errors.New("relay: message too short")
	ErrType    = errors.New("relay: unknown message type or version")
	ErrField   = errors.New("relay: malformed field")
	ErrBadMAC  = errors.New("relay: registration MAC does not verify")
	ErrBadSide = errors.New("relay: side is not 0 or 1")
)

// Token is the token of one side of a session, as the controller issues
// it to that side's edge (site).
func Token(key []byte, session uint64, side uint8, site string) [TokenLen]byte {
	m := hmac.New(sha256.New, key)
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], session)
	b[8], b[9] = side, uint8(len(site))
	m.Write([]byte(tokenLabel))
	m.Write(b[:])
	m.Write([]byte(site))
	var t [TokenLen]byte
	m.Sum(t[:0])
	return t
}

// End is one end of a path: a site and one of its WAN links.
type End struct {
	Site string
	Link string
}

// Session is the session ID of the path between two ends, the same
// whichever end asks, and the side of a: 0 when a sorts first. It is a
// keyed hash of the ends, so a relay's sessions cannot be guessed from
// site names.
func Session(key []byte, a, b End) (session uint64, sideA uint8) {
	lo, hi := a, b
	if less(b, a) {
		lo, hi, sideA = b, a, 1
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionLabel))
	for _, s := range []string{lo.Site, lo.Link, hi.Site, hi.Link} {
		var n [2]byte
		binary.BigEndian.PutUint16(n[:], uint16(len(s)))
		m.Write(n[:])
		m.Write([]byte(s))
	}
	return binary.BigEndian.Uint64(m.Sum(nil)), sideA
}

func less(a, b End) bool {
	if a.Site != b.Site {
		return a.Site < b.Site
	}
	return a.Link < b.Link
}

// Register is a decoded registration.
type Register struct {
	Session uint64
	Side    uint8
	Site    string
	Time    time.Time
}

// AppendRegister appends r, MACed with token, to b.
func AppendRegister(b []byte, r Register, token [TokenLen]byte) ([]byte, error) {
	if r.Side > 1 {
		return b, ErrBadSide
	}
	if r.Site == "" || len(r.Site) > MaxSiteLen {
		return b, fmt.Errorf("%w: site name of %d bytes (1..%d)", ErrField, len(r.Site), MaxSiteLen)
	}
	start := len(b)
	b = append(b, TypeRegister, Version, r.Side, uint8(len(r.Site)))
	b = binary.BigEndian.AppendUint64(b, r.Session)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixMilli()))
	b = append(b, r.Site...)
	m := hmac.New(sha256.New, token[:])
	m.Write(b[start:])
	return append(b, m.Sum(nil)[:MACLen]...), nil
}

// ParseRegister decodes a registration without checking its MAC.
func ParseRegister(b []byte) (Register, error) {
	if len(b) < registerFixed+1+MACLen {
		return Register{}, ErrShort
	}
	if b[0] != TypeRegister || b[1] != Version {
		return Register{}, ErrType
	}
	n := int(b[3])
	if b[2] > 1 {
		return Register{}, ErrBadSide
	}
	if n == 0 || n > MaxSiteLen || len(b) != registerFixed+n+MACLen {
		return Register{}, fmt.Errorf("%w: site len %d in a message of %d bytes", ErrField, n, len(b))
	}
	ms := int64(binary.BigEndian.Uint64(b[12:20]))
	return Register{Side: b[2], Session: binary.BigEndian.Uint64(b[4:12]), Time: time.UnixMilli(ms),
		Site: string(b[registerFixed : registerFixed+n])}, nil
}

// VerifyRegister decodes b and checks its MAC against the token key
// issues for the session, side and site it names.
func VerifyRegister(b []byte, key []byte) (Register, error) {
	r, err := ParseRegister(b)
	if err != nil {
		return r, err
	}
	tok := Token(key, r.Session, r.Side, r.Site)
	m := hmac.New(sha256.New, tok[:])
	body := b[:len(b)-MACLen]
	m.Write(body)
	if !hmac.Equal(m.Sum(nil)[:MACLen], b[len(body):]) {
		return r, ErrBadMAC
	}
	return r, nil
}

// PutDataHeader writes a Data header for session at b[:DataHeaderLen].
func PutDataHeader(b []byte, session uint64) {
	b[0], b[1], b[2], b[3] = TypeData, Version, 0, 0
	binary.BigEndian.PutUint64(b[4:12], session)
}

// DataSession is the session of a Data message; ok is false when b is
// not one.
func DataSession(b []byte) (session uint64, ok bool) {
	if len(b) < DataHeaderLen || b[0] != TypeData || b[1] != Version {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[4:12]), true
}

// IsWireGuard reports whether b starts like a WireGuard message: type 1
// (handshake initiation) to 4 (transport data), then three zero bytes.
func IsWireGuard(b []byte) bool {
	return len(b) >= 4 && b[0] >= 1 && b[0] <= 4 && b[1] == 0 && b[2] == 0 && b[3] == 0
}

// Probe is a decoded direct-way probe.
type Probe struct {
	Session, Nonce uint64
	Echo           bool
}

// AppendProbe appends p to b.
func AppendProbe(b []byte, p Probe) []byte {
	var flags byte
	if p.Echo {
		flags = 1
	}
	b = append(b, TypeProbe, Version, flags, 0)
	b = binary.BigEndian.AppendUint64(b, p.Session)
	return binary.BigEndian.AppendUint64(b, p.Nonce)
}

// ParseProbe decodes a probe; ok is false when b is not one.
func ParseProbe(b []byte) (p Probe, ok bool) {
	if len(b) != ProbeLen || b[0] != TypeProbe || b[1] != Version || b[2] > 1 {
		return p, false
	}
	return Probe{Session: binary.BigEndian.Uint64(b[4:12]), Nonce: binary.BigEndian.Uint64(b[12:20]), Echo: b[2] == 1}, true
}

// Package stun serves STUN Binding (RFC 8489) with the RFC 5780 behaviour
// discovery extensions (OTHER-ADDRESS, RESPONSE-ORIGIN, CHANGE-REQUEST),
// and tells STUN datagrams apart from WireGuard's on a shared socket. The
// message codec is github.com/pion/stun/v3's.
package stun

import "encoding/binary"

// MagicCookie is the fixed word of every RFC 5389/8489 message, at bytes
// 4..7.
const MagicCookie = 0x2112A442

// headerSize is a STUN message's fixed header.
const headerSize = 20

// Looks reports whether a datagram is a STUN message rather than a
// WireGuard one sharing the socket:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|0 0|     STUN Message Type     |         Message Length        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    Magic Cookie 0x2112A442                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A WireGuard message starts with its type (1..4) and three zero bytes,
// so its first 16 bits read as STUN type 0x0100..0x0400 with length 0:
// a STUN message of length 0 is exactly 20 bytes, and no WireGuard
// message is (initiation 148, response 92, cookie 64, data 32 or more).
// The length must also match the datagram and be a multiple of 4, and
// bytes 4..7 must be the magic cookie.
func Looks(b []byte) bool {
	if len(b) < headerSize || b[0]&0xc0 != 0 {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	return n%4 == 0 && n+headerSize == len(b) && binary.BigEndian.Uint32(b[4:8]) == MagicCookie
}

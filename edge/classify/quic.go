package classify

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// QUIC versions whose Initial packets ParseQUICSNI opens.
const (
	QUICv1 = 0x00000001 // RFC 9000
	QUICv2 = 0x6b3343cf // RFC 9369
)

// quicVersion holds what differs between versions for Initial packets.
type quicVersion struct {
	salt                       []byte
	initialType                byte // long header type bits of Initial
	keyLabel, ivLabel, hpLabel string
}

var (
	// RFC 9001 §5.2.
	quicV1 = quicVersion{
		salt:        []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
		initialType: 0, keyLabel: "quic key", ivLabel: "quic iv", hpLabel: "quic hp",
	}
	// RFC 9369 §3.2 (Initial is type 0b01), §3.3.1 (salt), §3.3.2 (labels).
	quicV2 = quicVersion{
		salt:        []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
		initialType: 1, keyLabel: "quicv2 key", ivLabel: "quicv2 iv", hpLabel: "quicv2 hp",
	}
)

// Limits of ParseQUICSNI.
const (
	maxCIDLen      = 20   // RFC 9000 §17.2
	quicSampleLen  = 16   // RFC 9001 §5.4.2
	quicTagLen     = 16   // AES-128-GCM
	maxCryptoBytes = 4096 // ClientHello bytes assembled from one packet
	maxCryptoFrags = 64   // CRYPTO frames considered in one packet
)

// ParseQUICSNI returns the server name of the TLS ClientHello carried in
// the CRYPTO frames of a QUIC v1 or v2 client Initial packet (the first
// packet of a UDP datagram). It removes the Initial packet protection,
// whose keys derive from the Destination Connection ID and the version's
// public salt (RFC 9001 §5.2, RFC 9369 §3.3), and assembles the CRYPTO
// frames of this packet in offset order (clients may send them out of
// order). A ClientHello that continues in the client's next Initial
// packet gives ErrSNINeedMore unless its name is in this one.
//
// Unlike ParseSNI it allocates (keys, cipher state, the plaintext): call it
// for a flow's first packets only. It never panics.
//
//	Long header: 1 1 T T R R P P | Version(32) | DCID Len(8) | DCID |
//	             SCID Len(8) | SCID | Token Length(i) | Token | Length(i) |
//	             Packet Number(8..32, protected) | Payload (AEAD)
func ParseQUICSNI(b []byte) ([]byte, error) {
	name, _, err := quicSNI(b, nil)
	return name, err
}

// quicSNI is ParseQUICSNI continuing a CRYPTO stream whose first bytes,
// prev, came in the client's earlier Initial packets. It also returns the
// stream assembled so far, for the next packet when the name is not in it.
func quicSNI(b, prev []byte) (name, stream []byte, err error) {
	h, v, err := quicInitialHeader(b)
	if err != nil {
		return nil, nil, err
	}
	plain, err := openInitial(b, &h, v)
	if err != nil {
		return nil, nil, err
	}
	stream, err = cryptoStream(plain, prev)
	if err != nil {
		return nil, nil, err
	}
	name, err = clientHelloSNI(stream)
	return name, stream, err
}

// quicHeader locates the parts of an Initial packet.
type quicHeader struct {
	dcid     []byte
	pnOffset int
	end      int // end of this packet in the datagram
}

func quicInitialHeader(b []byte) (quicHeader, *quicVersion, error) {
	var h quicHeader
	if len(b) < 7 || b[0]&0x80 == 0 {
		return h, nil, ErrQUICNotInitial
	}
	var v *quicVersion
	switch binary.BigEndian.Uint32(b[1:5]) {
	case QUICv1:
		v = &quicV1
	case QUICv2:
		v = &quicV2
	default:
		return h, nil, ErrQUICNotInitial
	}
	if (b[0]>>4)&3 != v.initialType {
		return h, nil, ErrQUICNotInitial
	}
	off := 5
	dl := int(b[off])
	if dl > maxCIDLen || off+1+dl+1 > len(b) {
		return h, nil, ErrQUICNotInitial
	}
	h.dcid = b[off+1 : off+1+dl]
	off += 1 + dl
	sl := int(b[off])
	if sl > maxCIDLen || off+1+sl > len(b) {
		return h, nil, ErrQUICNotInitial
	}
	off += 1 + sl
	tokenLen, n := quicVarint(b[off:])
	if n == 0 || tokenLen > uint64(len(b)) {
		return h, nil, ErrQUICNotInitial
	}
	off += n + int(tokenLen)
	if off > len(b) {
		return h, nil, ErrQUICNotInitial
	}
	length, n := quicVarint(b[off:])
	if n == 0 || length > uint64(len(b)-off-n) || length < 4+quicSampleLen {
		return h, nil, ErrQUICNotInitial
	}
	h.pnOffset = off + n
	h.end = h.pnOffset + int(length)
	return h, v, nil
}

// openInitial removes header protection and decrypts the payload of the
// client Initial; it returns the plaintext frames.
func openInitial(b []byte, h *quicHeader, v *quicVersion) ([]byte, error) {
	key, iv, hp, err := initialKeys(h.dcid, v)
	if err != nil {
		return nil, ErrQUICDecrypt
	}
	hpBlock, err := aes.NewCipher(hp)
	if err != nil {
		return nil, ErrQUICDecrypt
	}
	var mask [aes.BlockSize]byte
	sample := b[h.pnOffset+4 : h.pnOffset+4+quicSampleLen]
	hpBlock.Encrypt(mask[:], sample)
	hdr := slices.Clone(b[:h.pnOffset+4])
	hdr[0] ^= mask[0] & 0x0f
	pnLen := int(hdr[0]&3) + 1
	var pn uint64
	for i := range pnLen {
		hdr[h.pnOffset+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[h.pnOffset+i])
	}
	hdr = hdr[:h.pnOffset+pnLen]
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrQUICDecrypt
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, ErrQUICDecrypt
	}
	nonce := slices.Clone(iv)
	for i := range 8 {
		nonce[len(nonce)-1-i] ^= byte(pn >> (8 * i))
	}
	ct := b[h.pnOffset+pnLen : h.end]
	if len(ct) < quicTagLen {
		return nil, ErrQUICDecrypt
	}
	plain, err := aead.Open(nil, nonce, ct, hdr)
	if err != nil {
		return nil, ErrQUICDecrypt
	}
	return plain, nil
}

// initialKeys derives the client's Initial key, IV and header protection
// key (RFC 9001 §5.2).
func initialKeys(dcid []byte, v *quicVersion) (key, iv, hp []byte, err error) {
	initial, err := hkdf.Extract(sha256.New, dcid, v.salt)
	if err != nil {
		return nil, nil, nil, err
	}
	client, err := expandLabel(initial, "client in", sha256.Size)
	if err != nil {
		return nil, nil, nil, err
	}
	if key, err = expandLabel(client, v.keyLabel, 16); err != nil {
		return nil, nil, nil, err
	}
	if iv, err = expandLabel(client, v.ivLabel, 12); err != nil {
		return nil, nil, nil, err
	}
	hp, err = expandLabel(client, v.hpLabel, 16)
	return key, iv, hp, err
}

// expandLabel is HKDF-Expand-Label of TLS 1.3 (RFC 8446 §7.1) with an
// empty context.
func expandLabel(secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	return hkdf.Expand(sha256.New, secret, string(info), n)
}

type cryptoFrag struct{ off, n int }

// cryptoStream assembles the CRYPTO frames of a decrypted Initial payload
// after prev, the stream's first bytes from earlier packets, and returns
// the contiguous stream bytes from offset 0.
func cryptoStream(p, prev []byte) ([]byte, error) {
	var buf [maxCryptoBytes]byte
	var frags []cryptoFrag
	if len(prev) > 0 {
		frags = append(frags, cryptoFrag{0, copy(buf[:], prev)})
	}
	for len(p) > 0 {
		typ, n := quicVarint(p)
		if n == 0 {
			break
		}
		p = p[n:]
		switch typ {
		case 0x00, 0x01: // PADDING, PING
			continue
		case 0x02, 0x03: // ACK
			rest, ok := skipACK(p, typ == 0x03)
			if !ok {
				return nil, ErrQUICDecrypt
			}
			p = rest
			continue
		case 0x06: // CRYPTO
		default: // CONNECTION_CLOSE or anything not allowed in Initial: stop
			p = nil
			continue
		}
		off, n1 := quicVarint(p)
		l, n2 := quicVarint(p[n1:])
		if n1 == 0 || n2 == 0 || l > uint64(len(p)-n1-n2) {
			return nil, ErrQUICDecrypt
		}
		data := p[n1+n2 : n1+n2+int(l)]
		p = p[n1+n2+int(l):]
		if off < maxCryptoBytes && len(frags) < maxCryptoFrags {
			o := int(off)
			k := copy(buf[o:], data)
			frags = append(frags, cryptoFrag{o, k})
		}
	}
	slices.SortFunc(frags, func(a, b cryptoFrag) int { return a.off - b.off })
	end := 0
	for _, f := range frags {
		if f.off > end {
			break
		}
		end = max(end, f.off+f.n)
	}
	if end == 0 {
		return nil, ErrQUICDecrypt
	}
	return slices.Clone(buf[:end]), nil
}

// skipACK skips the body of an ACK frame (RFC 9000 §19.3).
func skipACK(p []byte, ecn bool) ([]byte, bool) {
	fields := 3 // largest acknowledged, ACK delay, range count
	var ranges uint64
	for i := range fields + 1 { // + first ACK range
		v, n := quicVarint(p)
		if n == 0 {
			return nil, false
		}
		if i == 2 {
			ranges = v
		}
		p = p[n:]
	}
	more := ranges * 2
	if ecn {
		more += 3
	}
	if more > uint64(len(p)) {
		return nil, false
	}
	for range more {
		_, n := quicVarint(p)
		if n == 0 {
			return nil, false
		}
		p = p[n:]
	}
	return p, true
}

// quicVarint reads a variable-length integer (RFC 9000 §16); n is 0 when
// b is too short.
func quicVarint(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n
}

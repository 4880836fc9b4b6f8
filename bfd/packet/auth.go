package packet

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
)

// Sign fills the digest of an encoded packet whose Auth Type is Keyed or
// Meticulous Keyed MD5 or SHA1 (RFC 5880 §6.7.3, §6.7.4): it sets the digest
// field to key padded with zeros to 16 (MD5) or 20 (SHA1) bytes, hashes the
// whole packet (Length bytes) and writes the hash into the digest field.
//
// For a packet without authentication or with a simple password Sign does
// nothing. It returns the Error of Decode for a malformed packet, and
// ErrKeyLength unless key is 1 to 16 (MD5) or 1 to 20 (SHA1) bytes long.
// Sign does not allocate.
func Sign(pkt []byte, key []byte) error {
	var c Control
	if err := c.Decode(pkt); err != nil {
		return err
	}
	if !c.Auth.Type.Sequenced() {
		return nil
	}
	d := c.Auth.Digest
	if len(key) == 0 || len(key) > len(d) {
		return ErrKeyLength
	}
	var sum [sha1.Size]byte
	keyedSum(&sum, c.Auth.Type, pkt[:pkt[3]], d, key)
	copy(d, sum[:])
	return nil
}

// Verify reports whether a packet is authenticated by key (RFC 5880 §6.7):
// for a simple password, whether the password equals key; for MD5 and SHA1,
// whether the digest equals the one computed with key in its place. Both
// comparisons take constant time for a given key length.
//
// Verify returns false for a packet without authentication and for a packet
// that Decode rejects. It does not check the Auth Key ID or the sequence
// number; the session does. Verify neither modifies pkt nor allocates.
func Verify(pkt []byte, key []byte) bool {
	var c Control
	if c.Decode(pkt) != nil {
		return false
	}
	switch {
	case c.Auth.Type == AuthSimplePassword:
		return subtle.ConstantTimeCompare(c.Auth.Password, key) == 1
	case c.Auth.Type.Sequenced():
		return verifyDigest(c.Auth.Type, pkt[:pkt[3]], len(c.Auth.Digest), key)
	}
	return false
}

// verifyDigest checks the last dlen bytes of pkt, the digest field, on a copy
// of pkt, so that the caller's buffer is never modified.
func verifyDigest(t AuthType, pkt []byte, dlen int, key []byte) bool {
	if len(key) == 0 || len(key) > dlen {
		return false
	}
	var buf [MaxLen]byte
	p := buf[:copy(buf[:], pkt)]
	d := p[len(p)-dlen:]
	var sum [sha1.Size]byte
	keyedSum(&sum, t, p, d, key)
	return subtle.ConstantTimeCompare(sum[:dlen], pkt[len(pkt)-dlen:]) == 1
}

// keyedSum sets the digest field d, a slice of pkt, to key padded with zeros,
// and stores the MD5 or SHA1 hash of pkt in sum.
func keyedSum(sum *[sha1.Size]byte, t AuthType, pkt, d, key []byte) {
	copy(d, key)
	clear(d[len(key):])
	if t == AuthKeyedMD5 || t == AuthMeticulousKeyedMD5 {
		s := md5.Sum(pkt)
		copy(sum[:], s[:])
		return
	}
	*sum = sha1.Sum(pkt)
}

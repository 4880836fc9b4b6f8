package packet

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"testing"
)

// digestVectors are the vectors with an MD5 or SHA1 section.
func digestVectors() []vector {
	var vs []vector
	for _, v := range vectors {
		if v.want.Auth.Type.Sequenced() {
			vs = append(vs, v)
		}
	}
	return vs
}

// TestVectorDigests recomputes the literal digests of the vectors by hand:
// the packet up to the digest, then the key padded with zeros, hashed with
// crypto/md5 or crypto/sha1 directly.
func TestVectorDigests(t *testing.T) {
	for _, v := range digestVectors() {
		t.Run(v.name, func(t *testing.T) {
			wire := v.bytes()
			dlen := len(v.want.Auth.Digest)
			in := append(wire[:len(wire)-dlen:len(wire)-dlen], v.key...)
			in = append(in, make([]byte, dlen-len(v.key))...)
			var got []byte
			if dlen == md5.Size {
				s := md5.Sum(in)
				got = s[:]
			} else {
				s := sha1.Sum(in)
				got = s[:]
			}
			if !bytes.Equal(got, v.want.Auth.Digest) {
				t.Errorf("digest %x, vector says %x", got, v.want.Auth.Digest)
			}
		})
	}
}

func TestVerifyVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			b := v.bytes()
			want := v.want.Auth.Type != AuthNone
			if got := Verify(b, []byte(v.key)); got != want {
				t.Errorf("Verify(right key) = %v, want %v", got, want)
			}
			if !bytes.Equal(b, v.bytes()) {
				t.Errorf("Verify modified the packet")
			}
			for _, k := range []string{"", "wrong", v.key + "x", v.key[:len(v.key)/2]} {
				if k != v.key && Verify(b, []byte(k)) {
					t.Errorf("Verify(%q) = true", k)
				}
			}
		})
	}
}

// TestVerifyFlippedBit flips every bit of each digest packet: the digest
// covers the whole packet, so every flip must fail.
func TestVerifyFlippedBit(t *testing.T) {
	for _, v := range digestVectors() {
		b := v.bytes()
		for i := range b {
			for bit := range 8 {
				b[i] ^= 1 << bit
				if Verify(b, []byte(v.key)) {
					t.Errorf("%s: byte %d bit %d flipped, Verify = true", v.name, i, bit)
				}
				b[i] ^= 1 << bit
			}
		}
	}
}

// TestVerifyIgnoresKeyID: the Auth Key ID selects the key in the session;
// Verify checks only the digest, so a packet signed under another key ID
// still verifies with the key it was signed with.
func TestVerifyIgnoresKeyID(t *testing.T) {
	for _, v := range digestVectors() {
		c := v.want
		c.Auth.KeyID = 99
		var b [MaxLen]byte
		n, err := c.Encode(b[:])
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign(b[:n], []byte(v.key)); err != nil {
			t.Fatal(err)
		}
		if !Verify(b[:n], []byte(v.key)) {
			t.Errorf("%s: Verify with key ID 99 = false", v.name)
		}
	}
}

// TestVerifyTruncated: a digest section that does not fill Auth Len, or
// Length that stops inside it, fails Decode, so Verify never sees a short
// digest.
func TestVerifyTruncated(t *testing.T) {
	for _, v := range digestVectors() {
		b := v.bytes()
		for n := MandatoryLen; n < len(b); n++ {
			short := with(b[:n], 3, byte(n))
			var c Control
			if err := c.Decode(short); err == nil {
				t.Errorf("%s: Decode of %d bytes succeeded", v.name, n)
			}
			if Verify(short, []byte(v.key)) {
				t.Errorf("%s: Verify of %d bytes = true", v.name, n)
			}
		}
	}
}

func TestVerifyRejectsUndecodable(t *testing.T) {
	b := with(vectors[7].bytes(), 2, 0) // keyed SHA1, detect mult 0
	if Verify(b, []byte(vectors[7].key)) {
		t.Error("Verify of undecodable packet = true")
	}
	if Verify(nil, nil) {
		t.Error("Verify(nil) = true")
	}
}

func TestSignErrors(t *testing.T) {
	md5pkt, sha1pkt := vectors[5].unsigned(), vectors[7].unsigned()
	tests := []struct {
		name string
		b    []byte
		key  []byte
		want error
	}{
		{"md5, empty key", md5pkt, nil, ErrKeyLength},
		{"md5, 17-byte key", md5pkt, make([]byte, 17), ErrKeyLength},
		{"md5, 16-byte key", md5pkt, make([]byte, 16), nil},
		{"sha1, empty key", sha1pkt, []byte{}, ErrKeyLength},
		{"sha1, 21-byte key", sha1pkt, make([]byte, 21), ErrKeyLength},
		{"sha1, 20-byte key", sha1pkt, make([]byte, 20), nil},
		{"sha1, 1-byte key", sha1pkt, []byte{1}, nil},
		{"malformed", with(sha1pkt, 0, 0x40), []byte("k"), ErrVersion},
		{"truncated", sha1pkt[:40], []byte("k"), ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(tt.b)
			if err := Sign(b, tt.key); err != tt.want {
				t.Fatalf("Sign = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !bytes.Equal(b, tt.b) {
				t.Errorf("failed Sign modified the packet")
			}
			if tt.want == nil && !Verify(b, tt.key) {
				t.Errorf("Verify after Sign = false")
			}
		})
	}
}

func TestSignNoop(t *testing.T) {
	for _, v := range vectors[:5] { // no auth and simple password
		b := v.bytes()
		if err := Sign(b, []byte("any key")); err != nil {
			t.Errorf("%s: Sign = %v", v.name, err)
		}
		if !bytes.Equal(b, v.bytes()) {
			t.Errorf("%s: Sign modified the packet", v.name)
		}
	}
}

// TestSignPadsKey: keys "k" and "k\x00" pad to the same field, so they give
// the same digest (RFC 5880 §6.7.3, §6.7.4).
func TestSignPadsKey(t *testing.T) {
	for _, v := range digestVectors() {
		a, b := v.unsigned(), v.unsigned()
		if err := Sign(a, []byte("k")); err != nil {
			t.Fatal(err)
		}
		if err := Sign(b, []byte("k\x00")); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: zero-padded keys give different digests", v.name)
		}
	}
}

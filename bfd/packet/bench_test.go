package packet

import "testing"

func BenchmarkDecode(b *testing.B) {
	pkt := vectors[2].bytes() // up_poll
	var c Control
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := c.Decode(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeVerifySHA1(b *testing.B) {
	v := vectors[7] // keyed SHA1
	pkt, key := v.bytes(), []byte(v.key)
	var c Control
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := c.Decode(pkt); err != nil {
			b.Fatal(err)
		}
		if !Verify(pkt, key) {
			b.Fatal("Verify = false")
		}
	}
}

func BenchmarkEncodeSign(b *testing.B) {
	v := vectors[7] // keyed SHA1
	c, key := v.want, []byte(v.key)
	var out [MaxLen]byte
	b.ReportAllocs()
	b.SetBytes(MaxLen)
	for b.Loop() {
		c.Auth.Sequence++
		n, err := c.Encode(out[:])
		if err != nil {
			b.Fatal(err)
		}
		if err := Sign(out[:n], key); err != nil {
			b.Fatal(err)
		}
	}
}

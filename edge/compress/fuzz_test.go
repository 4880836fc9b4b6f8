package compress

import (
	"bytes"
	"testing"
)

// FuzzDecompress feeds peer data to Decompress: it never panics or writes
// past the announced length, a malformed block is an error and counted,
// and whatever compresses decompresses to itself.
func FuzzDecompress(f *testing.F) {
	var s Stats
	c := NewCompressor(&s)
	buf := make([]byte, 2048)
	for _, pkt := range [][]byte{bytes.Repeat([]byte("abcd"), 100), []byte("x"), {}} {
		if n := c.Compress(buf, pkt); n > 0 {
			f.Add(append([]byte(nil), buf[:n]...), len(pkt))
		}
	}
	f.Add([]byte{0xff, 0xff, 0xff}, 1500)
	f.Add([]byte{0x10}, 1)
	f.Add([]byte{0x10}, -57) // a negative length once panicked
	f.Fuzz(func(t *testing.T, block []byte, length int) {
		var st Stats
		dst := make([]byte, 1600)
		out, err := Decompress(&st, dst, block, length)
		switch {
		case err != nil && (out != nil || st.Errors.Load() != 1):
			t.Fatalf("refused with %d bytes out and %d errors counted", len(out), st.Errors.Load())
		case err == nil && (len(out) != length || st.Errors.Load() != 0):
			t.Fatalf("accepted %d bytes for length %d", len(out), length)
		}
		if len(block) > 0 && len(block) <= 1500 {
			comp := make([]byte, 2048)
			var cs Stats
			if n := NewCompressor(&cs).Compress(comp, block); n > 0 {
				back, err := Decompress(&cs, make([]byte, 1600), comp[:n], len(block))
				if err != nil || !bytes.Equal(back, block) {
					t.Fatalf("round trip of %d bytes: %v", len(block), err)
				}
			}
		}
	})
}

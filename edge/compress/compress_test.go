package compress

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"
)

// compressible is text-like payload, as HTTP or logs are.
func compressible(n int) []byte {
	b := bytes.Repeat([]byte("GET /api/v1/sites/branch-1/paths HTTP/1.1\r\nHost: controller\r\n"), n/60+1)
	return b[:n]
}

func incompressible(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestRoundTrip(t *testing.T) {
	var st Stats
	c := NewCompressor(&st)
	pkt := compressible(1400)
	dst := make([]byte, len(pkt))
	n := c.Compress(dst, pkt)
	if n == 0 || n > len(pkt)-MinSaving {
		t.Fatalf("compressible packet: %d bytes", n)
	}
	out, err := Decompress(&st, make([]byte, 1500), dst[:n], len(pkt))
	if err != nil || !bytes.Equal(out, pkt) {
		t.Fatalf("round trip: %v", err)
	}
	if st.Compressed.Load() != 1 || st.BytesIn.Load() != 1400 || st.Saved() != uint64(1400-n) || st.Ratio() <= 1 {
		t.Errorf("stats: %d compressed, %d in, saved %d, ratio %.2f", st.Compressed.Load(), st.BytesIn.Load(), st.Saved(), st.Ratio())
	}
}

func TestSkips(t *testing.T) {
	var st Stats
	c := NewCompressor(&st)
	dst := make([]byte, 1500)
	if n := c.Compress(dst, compressible(MinSize-1)); n != 0 {
		t.Errorf("small packet compressed to %d", n)
	}
	if n := c.Compress(dst, incompressible(1400)); n != 0 {
		t.Errorf("random packet compressed to %d", n)
	}
	if st.SkippedSmall.Load() != 1 || st.SkippedGain.Load() != 1 || st.Compressed.Load() != 0 || st.Ratio() != 1 {
		t.Errorf("stats: small %d, gain %d, compressed %d", st.SkippedSmall.Load(), st.SkippedGain.Load(), st.Compressed.Load())
	}
}

func TestMalformedRefused(t *testing.T) {
	var st Stats
	c := NewCompressor(&st)
	pkt := compressible(1000)
	block := make([]byte, len(pkt))
	n := c.Compress(block, pkt)
	dst := make([]byte, 1500)
	for _, tc := range []struct {
		block  []byte
		length int
	}{
		{block[:n], len(pkt) + 1}, // announced longer than it is
		{block[:n], len(pkt) - 1}, // shorter
		{block[:n/2], len(pkt)},   // truncated
		{block[:n], 4000},         // beyond the buffer
		{[]byte{0xff, 0xff, 0xff}, 100},
	} {
		if _, err := Decompress(&st, dst, tc.block, tc.length); err == nil {
			t.Errorf("Decompress(%d bytes, length %d) accepted", len(tc.block), tc.length)
		}
	}
	if st.Errors.Load() != 5 {
		t.Errorf("errors counted: %d, want 5", st.Errors.Load())
	}
}

func TestNoAllocs(t *testing.T) {
	var st Stats
	c := NewCompressor(&st)
	pkt, rnd := compressible(1400), incompressible(1400)
	dst, out := make([]byte, 1500), make([]byte, 1500)
	c.Compress(dst, pkt) // warm up the compressor's table
	if a := testing.AllocsPerRun(200, func() {
		n := c.Compress(dst, pkt)
		_, _ = Decompress(&st, out, dst[:n], len(pkt))
		c.Compress(dst, rnd)
	}); a != 0 {
		t.Errorf("%v allocations per packet", a)
	}
}

// BenchmarkCompress: cost per packet of a compressible and of an
// incompressible 1400-byte packet (the latter is the price of trying).
func BenchmarkCompress(b *testing.B) {
	for _, tc := range []struct {
		name string
		pkt  []byte
	}{{"compressible", compressible(1400)}, {"incompressible", incompressible(1400)}} {
		b.Run(fmt.Sprint(tc.name), func(b *testing.B) {
			var st Stats
			c := NewCompressor(&st)
			dst := make([]byte, 1500)
			b.SetBytes(int64(len(tc.pkt)))
			b.ReportAllocs()
			for b.Loop() {
				c.Compress(dst, tc.pkt)
			}
		})
	}
}

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
	if st.SkippedSmall.Load() != 1 || st.SkippedRandom.Load() != 1 || st.Compressed.Load() != 0 || st.Ratio() != 1 {
		t.Errorf("stats: small %d, random %d, compressed %d", st.SkippedSmall.Load(), st.SkippedRandom.Load(), st.Compressed.Load())
	}
}

// TestOverheadAndBound: the caller's overhead counts against the saving
// and in BytesOut, and a short dst (the MTU) bounds the result.
func TestOverheadAndBound(t *testing.T) {
	var st Stats
	c := NewCompressor(&st)
	c.Overhead = 44
	pkt := compressible(1400)
	dst := make([]byte, 1500)
	n := c.Compress(dst, pkt)
	if n == 0 || n+44 > len(pkt)-MinSaving || st.BytesOut.Load() != uint64(n+44) || st.Saved() != uint64(1400-n-44) {
		t.Fatalf("compressed to %d, bytes out %d, saved %d", n, st.BytesOut.Load(), st.Saved())
	}
	if m := c.Compress(dst[:n-1], pkt); m != 0 {
		t.Errorf("dst of %d bytes: compressed to %d", n-1, m)
	}
	// A packet that shrinks by less than the overhead plus MinSaving.
	half := append(compressible(90), incompressibleText(1000)...)
	if m := c.Compress(dst, half); m != 0 {
		t.Errorf("barely compressible packet sent compressed (%d of %d bytes)", m, len(half))
	}
	if st.SkippedGain.Load() != 2 || st.Compressed.Load() != 1 {
		t.Errorf("stats: gain %d, compressed %d", st.SkippedGain.Load(), st.Compressed.Load())
	}
}

// incompressibleText is random bytes drawn from 64 values: it passes the
// randomness probe, but LZ4 gains little on it.
func incompressibleText(n int) []byte {
	b := incompressible(n)
	for i := range b {
		b[i] = 'A' + b[i]%64
	}
	return b
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

// Package compress is the per-path LZ4 compression of the edge: a packet
// is sent compressed only when that makes it smaller by at least
// MinSaving bytes; small packets are not tried, and incompressible ones
// cost one bounded attempt. Counters tell what it achieved.
package compress

import (
	"errors"
	"math/bits"
	"sync/atomic"

	"github.com/pierrec/lz4/v4"
)

const (
	// MinSize is the smallest packet worth trying: below it the shim's
	// header eats any saving.
	MinSize = 128
	// MinSaving is how much smaller a compressed packet must be to be
	// sent compressed (the shim's compressed form costs its header).
	MinSaving = 16
	// probeLen and probeDistinct: a packet is first judged by the number
	// of distinct byte values among its first probeLen bytes. Encrypted or
	// already compressed payloads (TLS, SSH, media) look random and show
	// about 100 of 128; text and protocol headers far fewer. Above probeDistinct
	// the packet is sent as it is, for a fraction of a compression attempt.
	probeLen      = 128
	probeDistinct = 80
)

// Stats are the counters of a Compressor or Decompressor.
type Stats struct {
	Packets       atomic.Uint64 // packets offered
	Compressed    atomic.Uint64 // packets sent compressed
	SkippedSmall  atomic.Uint64 // shorter than MinSize
	SkippedRandom atomic.Uint64 // looked random: not tried (encrypted or compressed payload)
	SkippedGain   atomic.Uint64 // tried, but would not shrink by MinSaving (with the overhead)
	BytesIn       atomic.Uint64 // original bytes of compressed packets
	BytesOut      atomic.Uint64 // their compressed bytes, the caller's overhead included
	Errors        atomic.Uint64 // Decompress: malformed blocks dropped
}

// Ratio is BytesIn / BytesOut of the compressed packets (1 if none).
func (s *Stats) Ratio() float64 {
	in, out := s.BytesIn.Load(), s.BytesOut.Load()
	if out == 0 {
		return 1
	}
	return float64(in) / float64(out)
}

// Saved is the number of bytes compression took off the wire.
func (s *Stats) Saved() uint64 {
	in, out := s.BytesIn.Load(), s.BytesOut.Load()
	if out > in { // a reader between the two counters' updates
		return 0
	}
	return in - out
}

// Compressor compresses packets of one path. It is not safe for
// concurrent use: one per sending goroutine.
type Compressor struct {
	c     lz4.Compressor
	Stats *Stats
	// Overhead is what the caller adds to each compressed packet (the
	// shim's headers): a packet is sent compressed only when it shrinks
	// by MinSaving with it, and BytesOut counts it.
	Overhead int
}

// NewCompressor returns a Compressor counting into stats.
func NewCompressor(stats *Stats) *Compressor { return &Compressor{Stats: stats} }

// Compress writes pkt compressed into dst and returns the compressed
// length, or 0 when pkt should be sent as it is. A dst shorter than
// len(pkt) bounds the compressed length (the caller's MTU). It does not
// allocate.
func (c *Compressor) Compress(dst, pkt []byte) int {
	c.Stats.Packets.Add(1)
	if len(pkt) < MinSize {
		c.Stats.SkippedSmall.Add(1)
		return 0
	}
	if looksRandom(pkt) {
		c.Stats.SkippedRandom.Add(1)
		return 0
	}
	limit := min(len(pkt)-MinSaving-c.Overhead, len(dst))
	if limit <= 0 {
		c.Stats.SkippedGain.Add(1)
		return 0
	}
	n, err := c.c.CompressBlock(pkt, dst[:limit])
	if err != nil || n == 0 || n > limit {
		c.Stats.SkippedGain.Add(1)
		return 0
	}
	c.Stats.Compressed.Add(1)
	c.Stats.BytesIn.Add(uint64(len(pkt)))
	c.Stats.BytesOut.Add(uint64(n + c.Overhead))
	return n
}

// looksRandom reports whether the first probeLen bytes of pkt use more
// than probeDistinct distinct byte values.
func looksRandom(pkt []byte) bool {
	var seen [4]uint64
	for _, b := range pkt[:min(len(pkt), probeLen)] {
		seen[b>>6] |= 1 << (b & 63)
	}
	n := bits.OnesCount64(seen[0]) + bits.OnesCount64(seen[1]) + bits.OnesCount64(seen[2]) + bits.OnesCount64(seen[3])
	return n > probeDistinct
}

// ErrMalformed is returned for a block that does not decompress to the
// announced length.
var ErrMalformed = errors.New("compress: malformed LZ4 block")

// Decompress writes the original packet of block, whose length the shim
// announced, into dst and returns it. A malformed block is counted and
// refused. It does not allocate.
func Decompress(stats *Stats, dst, block []byte, length int) ([]byte, error) {
	if length < 0 || length > len(dst) {
		stats.Errors.Add(1)
		return nil, ErrMalformed
	}
	n, err := lz4.UncompressBlock(block, dst[:length])
	if err != nil || n != length {
		stats.Errors.Add(1)
		return nil, ErrMalformed
	}
	return dst[:n], nil
}

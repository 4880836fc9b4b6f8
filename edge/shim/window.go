package shim

import "sync"

// Duplicate suppression. In duplicate mode each packet goes out on two
// paths with the same sequence number in its shim header, one counter per
// peer site; the receiver delivers the first copy and drops the second
// with a sliding window per peer site, like IPsec's anti-replay window
// (RFC 4303 §3.4.3) but for copies, not attacks: WireGuard already
// refuses replays.

const (
	// WindowLen is how many sequence numbers a Window remembers behind
	// the highest.
	WindowLen = 1024
	// windowResync: a sequence number this far behind the highest is a
	// restarted sender (its counter starts at random), not a late copy.
	windowResync = 1 << 16
)

// SeqVerdict is what a Window says of a sequence number.
type SeqVerdict uint8

// Verdicts.
const (
	SeqFresh     SeqVerdict = iota // first seen: deliver
	SeqDuplicate                   // seen before: drop
	SeqTooOld                      // behind the window: drop
)

// Window is the duplicate filter of one peer site. Copies arrive on two
// paths, two device goroutines: it has a mutex, held for a few
// instructions. The zero Window is ready.
type Window struct {
	mu   sync.Mutex
	init bool
	top  uint32 // highest sequence number seen
	bits [WindowLen / 64]uint64
}

func (w *Window) bit(seq uint32) (int, uint64) {
	i := seq % WindowLen
	return int(i / 64), 1 << (i % 64)
}

// Check records seq and says whether its packet is to be delivered. It
// does not allocate.
func (w *Window) Check(seq uint32) SeqVerdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := int32(seq - w.top)
	switch {
	case !w.init || d <= -windowResync:
		w.init, w.top, w.bits = true, seq, [WindowLen / 64]uint64{}
	case d > 0:
		if d >= WindowLen {
			w.bits = [WindowLen / 64]uint64{}
		} else {
			for s := w.top + 1; s != seq; s++ {
				i, m := w.bit(s)
				w.bits[i] &^= m
			}
		}
		w.top = seq
	case d <= -WindowLen:
		return SeqTooOld
	default:
		if i, m := w.bit(seq); w.bits[i]&m != 0 {
			return SeqDuplicate
		}
	}
	i, m := w.bit(seq)
	w.bits[i] |= m
	return SeqFresh
}

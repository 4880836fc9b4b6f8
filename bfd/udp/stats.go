//go:build linux

package udp

import (
	"math/bits"
	"sync/atomic"
)

// batchBuckets is the number of BatchSizes buckets: bits.Len(batchSize).
const batchBuckets = 6

// Stats counts what a Transport did. Drops are transport-level only: a
// delivered packet may still be discarded by the Receiver.
type Stats struct {
	// Received counts datagrams read from the listening sockets;
	// Delivered those of them handed to the Receiver.
	Received, Delivered uint64
	// Truncated counts datagrams dropped because they did not fit the
	// receive buffer (MSG_TRUNC).
	Truncated uint64
	// BadControl counts datagrams dropped because their ancillary data was
	// truncated, malformed, or lacked the TTL / Hop Limit or the packet
	// info: without a TTL the GTSM check of RFC 5881 §5 cannot be made.
	BadControl uint64
	// BadAddress counts datagrams dropped for an unparsable source address.
	BadAddress uint64
	// ReadErrors counts failed recvmmsg calls (other than EAGAIN/EINTR).
	ReadErrors uint64
	// BatchSizes counts recvmmsg calls by the number of datagrams they
	// returned: 1, 2-3, 4-7, 8-15, 16-31, 32.
	BatchSizes [batchBuckets]uint64

	// Sent counts packets the Senders handed to the kernel.
	Sent uint64
	// SendDropped counts packets dropped because a socket's send buffer
	// was full (EAGAIN, ENOBUFS); Send returned ErrBufferFull.
	SendDropped uint64
	// SendErrors counts other failed sends; Send returned the errno.
	SendErrors uint64
	// ConnRefused counts ECONNREFUSED results on Senders: the peer
	// answered an earlier packet with ICMP Port Unreachable. They are not
	// errors; the packet is sent again once.
	ConnRefused uint64
}

// counters is the live, atomically updated form of Stats.
type counters struct {
	received, delivered, truncated, badControl, badAddress, readErrors atomic.Uint64
	batchSizes                                                         [batchBuckets]atomic.Uint64
	sent, sendDropped, sendErrors, connRefused                         atomic.Uint64
}

// batch records one recvmmsg call that returned n > 0 datagrams.
func (c *counters) batch(n int) {
	c.received.Add(uint64(n))
	c.batchSizes[min(bits.Len(uint(n)), batchBuckets)-1].Add(1)
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Received:    c.received.Load(),
		Delivered:   c.delivered.Load(),
		Truncated:   c.truncated.Load(),
		BadControl:  c.badControl.Load(),
		BadAddress:  c.badAddress.Load(),
		ReadErrors:  c.readErrors.Load(),
		Sent:        c.sent.Load(),
		SendDropped: c.sendDropped.Load(),
		SendErrors:  c.sendErrors.Load(),
		ConnRefused: c.connRefused.Load(),
	}
	for i := range c.batchSizes {
		s.BatchSizes[i] = c.batchSizes[i].Load()
	}
	return s
}

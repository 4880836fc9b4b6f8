package bfd

import (
	"net/netip"
	"time"
)

// Sender transmits the encoded BFD Control packets of one session over some
// transport: a UDP socket (package udp) or, in the edge, a path tunnel.
// Send must not retain b after it returns. It is called without any
// Manager lock held.
type Sender interface {
	Send(b []byte) error
}

// RxMeta describes how a received packet arrived. Transports fill it in.
type RxMeta struct {
	// Src and Dst are the packet's source and destination addresses. They
	// demultiplex packets whose Your Discriminator is zero.
	Src, Dst netip.Addr
	// IfIndex is the receiving interface, 0 if unknown.
	IfIndex int
	// TTL is the IPv4 TTL or IPv6 Hop Limit as received, or -1 when the
	// transport has none (an encrypted tunnel): then no GTSM check applies.
	TTL int
	// Multihop is true for packets received on the RFC 5883 multihop port.
	Multihop bool
	// Time is when the packet was received. A transport that reads a batch
	// of packets sets it once per batch; zero makes Receive read the clock.
	Time time.Time
}

// Receiver takes packets from a transport. *Manager implements it. Receive
// must not retain b after it returns.
type Receiver interface {
	Receive(b []byte, m RxMeta)
}

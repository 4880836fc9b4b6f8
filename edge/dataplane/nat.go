package dataplane

import (
	"net/netip"
	"time"
)

// NAT traversal in the data plane (docs/NAT.md). A path to a remote link
// known by its observed endpoint (behind NAT) punches: its Bind sends
// small datagrams to that endpoint from the link's socket until it
// hears from the remote, so that this side's NAT lets the remote's
// packets in, and sends again the handshake initiation the remote's NAT
// dropped (edge/wgbind nat.go). Both sides start punching when they take
// the configuration that names the other's observed endpoint, which the
// controller pushes to both at once: the window covers the time between
// the two pushes, and past it WireGuard's own retries (every 5 s) go on.

// Only one side starts the WireGuard handshake of such a path at first,
// the site with the lower ID. The other holds its BFD, as it holds its
// first Hello and keepalive (initiateDelay, path.go), until it has heard
// from its peer or initiateDelay has passed: its BFD would start a
// handshake of its own, and two initiations that cross while the NATs
// open (the first sent again late by the initiator's Bind) leave the two
// sides with sessions the other does not know, and the path dark until
// WireGuard's retry (seen in the lab: 16 s instead of under one). After
// initiateDelay it initiates too, so that a path remade after its peer's
// NAT rebound (the peer still holding the old session) comes back
// without waiting for WireGuard's rekey.

const (
	// punchInterval is the gap between punches: short, so that a path
	// comes up within a round trip or two of both sides starting.
	punchInterval = 100 * time.Millisecond
	// punchWindow is how long a path punches without hearing from the
	// remote.
	punchWindow = 10 * time.Second
)

// puncher is a Bind that punches (edge/wgbind.Path).
type puncher interface {
	Punch(interval, window time.Duration)
	Heard() bool
}

// STUNConn is a WAN link's socket as endpoint discovery uses it
// (edge/natdisc.Conn, edge/wgbind.Link).
type STUNConn interface {
	WriteTo(b []byte, dst netip.AddrPort) error
	ReadSTUN(deadline time.Time) ([]byte, netip.AddrPort, error)
}

// STUNConns returns the sockets of the links in force that can carry
// STUN, by link name.
func (d *Dataplane) STUNConns() map[string]STUNConn {
	out := map[string]STUNConn{}
	for _, l := range d.snap.Load().links {
		if c, ok := l.sock.(STUNConn); ok {
			out[l.cfg.Name] = c
		}
	}
	return out
}

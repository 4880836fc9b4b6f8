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

// STUNConns returns the links' sockets that can carry STUN, by link name.
func (d *Dataplane) STUNConns() map[string]STUNConn {
	out := map[string]STUNConn{}
	for i, l := range d.links {
		if c, ok := l.(STUNConn); ok {
			out[d.cfg.Links[i].Name] = c
		}
	}
	return out
}

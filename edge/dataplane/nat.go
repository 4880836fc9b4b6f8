package dataplane

import (
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
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

// A remote link behind NAT whose mapping changed (its NAT rebound) is
// pushed by the controller with its new observed endpoint. The paths to
// it are not remade: each is repointed (edge/wgbind.Path.Repoint) and
// punches again, keeping its WireGuard device and session, its BFD
// session and counters; nor are the peer's other paths touched. A new
// device would cost a handshake, and the side that holds its BFD
// (initiateDelay) would wait for it.

// repointer is a Bind that can move to a new remote endpoint
// (edge/wgbind.Path).
type repointer interface {
	Repoint(remote netip.AddrPort, interval, window time.Duration) error
	Remote() netip.AddrPort
}

// repointKept repoints the paths of the kept peers whose only change is
// the observed endpoint of links behind NAT, and returns those peers: their
// paths stay (withoutLocked), WireGuard and BFD sessions included. A peer
// whose paths cannot all be repointed is not among them: its changed
// paths are made anew.
func (d *Dataplane) repointKept(old map[uint16]*peer, keep []config.ValidPeer) map[uint16]bool {
	moved := map[uint16]bool{}
	for _, pc := range keep {
		op := old[pc.ID]
		if op == nil || slices.EqualFunc(op.cfg.Links, pc.Links, samePeerLink) {
			continue
		}
		if onlyObservedMoved(op.cfg, pc) && d.repointPaths(op, pc) {
			moved[pc.ID] = true
		}
	}
	return moved
}

// onlyObservedMoved reports whether b differs from a in the observed
// endpoints of its links behind NAT only.
func onlyObservedMoved(a, b config.ValidPeer) bool {
	if a.Name != b.Name || !a.PublicKey.Equal(b.PublicKey) || len(a.Links) != len(b.Links) {
		return false
	}
	for i, x := range a.Links {
		y := b.Links[i]
		if samePeerLink(x, y) {
			continue
		}
		if !x.Observed || !y.Observed || x.Name != y.Name || x.Color != y.Color || x.NAT != y.NAT ||
			!maps.Equal(x.Relay, y.Relay) || !y.Endpoint.IsValid() {
			return false
		}
	}
	return true
}

// repointPaths repoints the paths of p whose remote link moved to next's
// endpoint; false when one cannot be (then p's paths are remade).
func (d *Dataplane) repointPaths(p *peer, next config.ValidPeer) bool {
	to := map[string]netip.AddrPort{}
	for _, l := range next.Links {
		to[l.Name] = l.Endpoint
	}
	for _, path := range p.paths {
		ep := to[path.RemoteLink]
		r, ok := path.bind.(repointer)
		if !ok || r.Remote() == ep {
			if !ok && path.endpoint != ep.String() {
				return false
			}
			continue
		}
		if err := r.Repoint(ep, punchInterval, punchWindow); err != nil {
			d.log.Warn("path repoint failed: remaking the peer's paths", "id", path.ID, "to", ep, "err", err)
			return false
		}
		d.log.Info("path repointed", "id", path.ID, "endpoint", ep, "remote_nat", path.remoteNAT)
	}
	return true
}

// puncher is a Bind that punches (edge/wgbind.Path).
type puncher interface {
	PunchAt(at time.Time, interval, window time.Duration)
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

// Keepalives. WireGuard's persistent keepalive (persistentKeepalive, 25 s)
// keeps every path's NAT state alive where the NAT keeps an idle flow
// longer than that (RFC 4787 REQ-5 asks for 2 minutes; Linux conntrack
// keeps an answered flow 30–120 s). Where endpoint discovery measured a
// shorter timeout on a link (natdisc.MeasureLifetime), the paths over it
// get a keepalive of half the longest idle time it survived, in whole
// seconds, at least 1 s (SetLinkKeepalive).

// KeepaliveFor is the keepalive for a NAT that kept an idle flow for
// alive: half of it in whole seconds, at least 1 s, at most the default.
func KeepaliveFor(alive time.Duration) time.Duration {
	iv := (alive / 2).Truncate(time.Second)
	return min(max(iv, time.Second), persistentKeepalive)
}

// SetLinkKeepalive sets the persistent keepalive of the paths over a WAN
// link, those running (but a path still holding its own back,
// initiateDelay) and those made later; 0 restores the default.
func (d *Dataplane) SetLinkKeepalive(link string, iv time.Duration) {
	if iv <= 0 || iv > persistentKeepalive {
		iv = persistentKeepalive
	}
	iv = max(iv.Truncate(time.Second), time.Second)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.keepaliveOf(link) == iv {
		return
	}
	if d.keepalive == nil {
		d.keepalive = map[string]time.Duration{}
	}
	d.keepalive[link] = iv
	n := 0
	for _, p := range d.peers {
		for _, path := range p.paths {
			if path.LocalLink != link || (d.cfg.ID > p.cfg.ID && time.Since(path.started) < initiateDelay) {
				continue
			}
			if err := path.setKeepalive(iv); err != nil {
				d.log.Warn("path keepalive", "id", path.ID, "err", err)
				continue
			}
			n++
		}
	}
	d.log.Info("link keepalive", "link", link, "interval", iv, "paths", n)
}

// keepaliveOf is the persistent keepalive of the paths over link. d.mu
// must be held.
func (d *Dataplane) keepaliveOf(link string) time.Duration {
	if iv, ok := d.keepalive[link]; ok {
		return iv
	}
	return persistentKeepalive
}

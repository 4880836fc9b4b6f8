package dataplane

import (
	"net/netip"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/edge/shim"
)

// Which decrypted packets reach the overlay interface.
//
// A path's WireGuard device lets through any packet from the peer's key
// (its allowed IPs are everything: the data plane, not WireGuard, knows
// the site's prefixes). Writing such a packet to the overlay hands it to
// the edge host's kernel, which would deliver it to the host's own
// services or route it on, out of the host's other interfaces: hosts at a
// peer site (or a compromised peer edge) could reach what only the
// edge's LAN should, and use the edge as an exit to anywhere. So a
// packet is delivered only when
//
//   - its source is one of the peer site's prefixes or its control
//     address (counted as drop_source_rejected otherwise), and
//   - its destination is one of this site's LAN prefixes; or a prefix of
//     another peer site (a hub's transit between spokes: the kernel routes
//     it back into the overlay, and the next site checks its source
//     again), but not the sending site's own (a loop) nor a control
//     address; or this site's control address when the source is the
//     peer's control address (the edges' own traffic; the shim's control
//     messages never get here). Counted as drop_dest_rejected otherwise.

// admit reports whether the decrypted packet ip from peer p may be
// written to the overlay interface, and counts it when not. ip.Version 0
// is a packet that did not parse. It runs on the path's receive
// goroutine, once per packet: it does not allocate.
func (d *Dataplane) admit(p *peer, ip *ippkt.Packet) bool {
	s := d.snap.Load()
	if ip.Version == 0 || !fromPeer(s, p, ip.Flow.Src) {
		d.Stats.SourceRejected.Add(1)
		return false
	}
	if !toLocal(s, d.cfg.ID, p, ip.Flow.Src, ip.Flow.Dst) {
		d.Stats.DestRejected.Add(1)
		return false
	}
	return true
}

// toLocal reports whether this site (site) delivers a packet from src at
// peer p to dst: one of its LAN prefixes, another peer's prefix (transit),
// or its control address when src is p's.
func toLocal(s *snapshot, site uint16, p *peer, src, dst netip.Addr) bool {
	dest, ok := s.routes.Lookup(dst)
	switch {
	case ok && dest.Local:
		return true
	case ok && dest.Site != p.cfg.ID && !isControlAddr(dst):
		return true
	}
	return dst == shim.ControlAddr(site) && src == shim.ControlAddr(p.cfg.ID)
}

package dataplane

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

// steeringChanged reports whether the steering part of two
// configurations differs.
func steeringChanged(a, b *config.Valid) bool {
	type apps struct{ name, class string }
	appsOf := func(v *config.Valid) []apps {
		var out []apps
		for _, x := range v.Steering.Rules.Apps() {
			out = append(out, apps{x.Name, x.Class})
		}
		return out
	}
	sa, sb := a.Steering, b.Steering
	return !reflect.DeepEqual(sa.Classes, sb.Classes) || !reflect.DeepEqual(sa.Policies, sb.Policies) ||
		!slices.Equal(sa.PolicyOf, sb.PolicyOf) || !slices.Equal(sa.NoCompress, sb.NoCompress) ||
		sa.Timers != sb.Timers || sa.Model != sb.Model || !slices.Equal(appsOf(a), appsOf(b)) ||
		a.BFD != b.BFD || !reflect.DeepEqual(a.BFDByColor, b.BFDByColor) || a.Adaptive != b.Adaptive ||
		a.MinDemand() != b.MinDemand()
}

// Reconfigure puts next in force: the whole configuration, applied
// idempotently (the one in force again changes nothing). What cannot
// change while running — the site, its key, the overlay interface and
// MTU, the WAN links — is refused, every such field named, before
// anything changes. Then peers are added and removed; a peer whose key or
// links changed gets new paths; the paths of every other peer stay as
// they are, WireGuard sessions and counters included. Routes in the
// kernel and in the forwarding table, compression settings (announced at
// once to the peer) and pins follow. A system error while applying
// (netlink, a socket) is returned and leaves what was done before it.
func (d *Dataplane) Reconfigure(next *config.Valid) (localapi.Changes, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ch localapi.Changes
	if d.closed {
		return ch, errors.New("the data plane is closed")
	}
	if err := fixedFields(d.cfg, d.privateKey(), next); err != nil {
		return ch, err
	}
	old := d.peers
	keep, start, gone := planPeers(old, next, d.cur.Relay != next.Relay)
	if d.cur.Relay == next.Relay {
		keep, start = d.repointPeers(old, keep, start) // nat.go
	}
	d.pins.mu.Lock()
	pins := append([]localapi.Pin(nil), d.pins.cfg...)
	d.pins.mu.Unlock()
	var errs []error

	// Peers that get new paths lose the old ones first: the new ones may
	// use the same endpoints.
	restarted := map[uint16]*peer{}
	for _, pc := range start {
		if op := old[pc.ID]; op != nil {
			restarted[pc.ID] = op
			ch.PeersRestarted = append(ch.PeersRestarted, pc.Name)
		} else {
			ch.PeersAdded = append(ch.PeersAdded, pc.Name)
		}
	}
	if len(restarted) > 0 {
		without := map[uint16]*peer{}
		for id, p := range old {
			if restarted[id] == nil {
				without[id] = p
			}
		}
		d.setPeersLocked(without, pins, nil)
		errs = append(errs, d.syncSteeringLocked(&next.Steering, next)) // publishes
		for _, op := range restarted {
			closePeer(op)
		}
	}
	peers := map[uint16]*peer{}
	for _, pc := range keep {
		peers[pc.ID] = &peer{cfg: pc, paths: old[pc.ID].paths}
		errs = append(errs, followKeys(peers[pc.ID]))
	}
	for _, pc := range start {
		p, err := d.startPeer(pc, next.Relay)
		if err != nil {
			errs = append(errs, fmt.Errorf("peer %s: %w", pc.Name, err))
			continue
		}
		peers[pc.ID] = p
	}
	errs = append(errs, d.routeChangesLocked(old, next, &ch))
	if rt, err := route.Build(routesOf(next)); err != nil {
		errs = append(errs, err) // cannot happen: next is valid
	} else {
		d.routes = rt
	}
	ch.PinsDropped = d.setPeersLocked(peers, pins, ch.PinsDropped)
	ch.LANPrefixes = !slices.Equal(d.cur.LANPrefixes, next.LANPrefixes)
	ch.Steering = steeringChanged(d.cur, next)
	ch.ControllerPins = !slices.Equal(d.cur.Pins, next.Pins)
	d.cur = next
	d.refreshPinsLocked()
	errs = append(errs, d.syncSteeringLocked(&next.Steering, next)) // publishes
	for _, op := range gone {
		ch.PeersRemoved = append(ch.PeersRemoved, op.cfg.Name)
		closePeer(op)
	}
	d.compressionLocked(old, peers, &ch)
	return ch, errors.Join(errs...)
}

// fixedFields refuses changes to what the data plane cannot change while
// running.
// key is the private key in force: cfg's, or the one a rotation
// (RotateKey) moved every path to.
func fixedFields(cur *config.Valid, key *ecdh.PrivateKey, next *config.Valid) error {
	var es fielderr.List
	refuse := func(path string, changed bool) {
		if changed {
			es = append(es, fielderr.Error{Path: path, Msg: "cannot change while the edge runs: restart it"})
		}
	}
	refuse("site.name", cur.Name != next.Name)
	refuse("site.id", cur.ID != next.ID)
	refuse("private_key_file", !key.Equal(next.PrivateKey))
	refuse("overlay.interface", cur.Overlay.Interface != next.Overlay.Interface)
	refuse("overlay.mtu", cur.Overlay.MTU != next.Overlay.MTU)
	refuse("links", !slices.Equal(cur.Links, next.Links))
	if len(es) > 0 {
		return es
	}
	return nil
}

// planPeers sorts the peers of next into those whose paths stay (same
// name, key and links), those to start (new, or changed), and the running
// peers that are gone.
//
// A new relay address restarts every peer's paths (relayMoved).
func planPeers(old map[uint16]*peer, next *config.Valid, relayMoved bool) (keep, start []config.ValidPeer, gone []*peer) {
	inNext := map[uint16]bool{}
	for _, pc := range next.Peers {
		inNext[pc.ID] = true
		if op := old[pc.ID]; op != nil && samePaths(op.cfg, pc) && !relayMoved {
			keep = append(keep, pc)
		} else {
			start = append(start, pc)
		}
	}
	for id, op := range old {
		if !inNext[id] {
			gone = append(gone, op)
		}
	}
	return keep, start, gone
}

// samePaths: the paths of a run on b as they are. A peer whose rotation
// the controller committed (b's key is a's next one) keeps its paths:
// followKeys moves those not on the new key yet.
func samePaths(a, b config.ValidPeer) bool {
	sameKey := a.PublicKey.Equal(b.PublicKey) || a.NextPublicKey != nil && a.NextPublicKey.Equal(b.PublicKey)
	return a.Name == b.Name && sameKey && slices.EqualFunc(a.Links, b.Links, samePeerLink)
}

func samePeerLink(a, b config.ValidPeerLink) bool {
	return a.Name == b.Name && a.Color == b.Color && a.Endpoint == b.Endpoint && maps.Equal(a.Relay, b.Relay)
}

func closePeer(p *peer) {
	for _, path := range p.paths {
		path.close()
	}
}

// setPeersLocked puts peers in force for the next snapshot, with those
// of pins whose paths are among them (a restarted peer's paths keep their
// IDs, so its pins come back); it returns dropped with the other pins
// added. d.mu must be held.
func (d *Dataplane) setPeersLocked(peers map[uint16]*peer, pins, dropped []localapi.Pin) []localapi.Pin {
	d.peers, d.paths = peers, pathsOf(peers)
	ids := map[string]bool{}
	for _, p := range d.paths {
		ids[p.ID] = true
	}
	var kept []localapi.Pin
	for _, p := range pins {
		if ids[p.Path] {
			kept = append(kept, p)
		} else {
			dropped = append(dropped, p)
		}
	}
	_ = d.setPinsLocked(kept) // every pin names a path that exists
	return dropped
}

// refreshPinsLocked puts the controller's pins of the configuration in
// force in the pin table, next to the local pins, against the paths in
// force, and logs what changed about them. d.mu must be held.
func (d *Dataplane) refreshPinsLocked() {
	_ = d.setPinsLocked(d.LocalPins()) // the local pins name paths that exist (setPeersLocked)
	d.reportPinsLocked()
}

// routeChangesLocked adds the kernel routes next needs and removes the
// ones it no longer has.
func (d *Dataplane) routeChangesLocked(old map[uint16]*peer, next *config.Valid, ch *localapi.Changes) error {
	had := map[netip.Prefix]string{}
	for _, p := range old {
		for _, pfx := range peerPrefixes(p.cfg) {
			had[pfx] = p.cfg.Name
		}
	}
	var errs []error
	wants := map[netip.Prefix]bool{}
	for _, p := range next.Peers {
		var add []netip.Prefix
		for _, pfx := range peerPrefixes(p) {
			wants[pfx] = true
			if had[pfx] != p.Name {
				add = append(add, pfx)
				ch.RoutesAdded = append(ch.RoutesAdded, pfx.String())
			}
		}
		if err := d.overlay.AddRoutes(add); err != nil {
			errs = append(errs, fmt.Errorf("peer %s: %w", p.Name, err))
		}
	}
	del := map[string][]netip.Prefix{} // by peer: one call per peer, as for the added ones
	for pfx, name := range had {
		if !wants[pfx] {
			ch.RoutesRemoved = append(ch.RoutesRemoved, pfx.String())
			del[name] = append(del[name], pfx)
		}
	}
	for name, pfxs := range del {
		if err := d.overlay.DelRoutes(pfxs); err != nil {
			errs = append(errs, fmt.Errorf("peer %s: %w", name, err))
		}
	}
	slices.Sort(ch.RoutesAdded)
	slices.Sort(ch.RoutesRemoved)
	return errors.Join(errs...)
}

// compressionLocked applies changed compression settings to the paths
// that stay, and announces them to the peer at once.
func (d *Dataplane) compressionLocked(old, peers map[uint16]*peer, ch *localapi.Changes) {
	now := time.Now()
	for id, p := range peers {
		op := old[id]
		if op == nil || op.cfg.Compression == p.cfg.Compression {
			continue
		}
		ch.Compression = append(ch.Compression, p.cfg.Name)
		for _, path := range p.paths {
			if h, send := path.shim.SetCompression(now, p.cfg.Compression); send {
				d.sendHello(path, h)
			}
		}
	}
	slices.Sort(ch.Compression)
}

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
// change while running — the site, its key, the overlay interface, the
// socket of a WAN link (its interface, local address and port) — is
// refused, every such field named, before anything changes. New links'
// sockets are opened and a new overlay MTU set first: if one fails,
// nothing has changed. Then the paths that go (those of a removed peer
// or link, of a peer whose key or links changed, of a link whose colour,
// cost or bandwidth changed) are taken from steering, which moves their
// flows, and only then closed; the new ones are made. The paths of every
// other peer and link stay as they are, WireGuard sessions and counters
// included. Routes in the kernel and in the forwarding table, compression
// settings (announced at once to the peer), the MTU of the paths and pins
// follow. A system error while applying (netlink, a socket) is returned
// and leaves what was done before it.
func (d *Dataplane) Reconfigure(next *config.Valid) (localapi.Changes, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ch localapi.Changes
	if d.closed {
		return ch, errors.New("the data plane is closed")
	}
	if err := d.fixedFields(d.cur, d.privateKey(), next); err != nil {
		return ch, err
	}
	lp, err := d.planLinksLocked(next, &ch)
	if err != nil {
		return localapi.Changes{}, err
	}
	old := d.peers
	keep, start, gone := planPeers(old, next, d.cur.Relay != next.Relay)
	var repointed map[uint16]bool
	if d.cur.Relay == next.Relay {
		repointed = d.repointKept(old, keep) // nat.go
	}
	d.pins.mu.Lock()
	pins := append([]localapi.Pin(nil), d.pins.cfg...)
	d.pins.mu.Unlock()
	var errs []error

	// The paths that go leave steering first (their flows move), and are
	// closed before the new ones start: those may use the same endpoints.
	restarted := map[uint16]*peer{}
	for _, pc := range start {
		if op := old[pc.ID]; op != nil {
			restarted[pc.ID] = op
			ch.PeersRestarted = append(ch.PeersRestarted, pc.Name)
		} else {
			ch.PeersAdded = append(ch.PeersAdded, pc.Name)
		}
	}
	d.links = lp.links
	without, dropped := d.withoutLocked(old, restarted, repointed, lp.dropped, next, &ch)
	if len(restarted) > 0 || len(dropped) > 0 {
		d.setPeersLocked(without, pins, nil)
		errs = append(errs, d.syncSteeringLocked(&next.Steering, next)) // publishes
		for _, op := range restarted {
			closePeer(op)
		}
		for _, p := range dropped {
			p.close()
		}
	}
	for _, s := range lp.closeSocks {
		errs = append(errs, s.Close())
	}
	peers := map[uint16]*peer{}
	for _, pc := range keep {
		peers[pc.ID] = d.keepPeer(without[pc.ID], pc, lp, next, &errs)
		errs = append(errs, followKeys(peers[pc.ID]))
	}
	for _, pc := range start {
		p, err := d.buildPeer(pc, lp.links, next, nil)
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
	if ch.MTU = d.cur.Overlay.MTU != next.Overlay.MTU; ch.MTU {
		for _, p := range d.paths {
			p.shim.SetMTU(next.Overlay.MTU)
			p.tun.setMTU(next.Overlay.MTU)
		}
	}
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

// linkPlan is what a new configuration does to the WAN links in force.
type linkPlan struct {
	links      []*wanLink        // the links of the new configuration, in its order
	dropped    map[*wanLink]bool // links in force that are not among them (removed, or changed)
	closeSocks []Link            // the sockets of the removed links
}

// planLinksLocked sorts the links of next into those that stay as they
// are, those whose colour, cost or bandwidth changed (a new wanLink on
// the same socket: their paths are made anew), and new ones, whose
// sockets it opens; and sets the overlay's MTU when next changes it. On
// error the sockets it opened are closed and nothing has changed. d.mu
// must be held.
func (d *Dataplane) planLinksLocked(next *config.Valid, ch *localapi.Changes) (linkPlan, error) {
	byName := map[string]*wanLink{}
	for _, l := range d.links {
		byName[l.cfg.Name] = l
	}
	lp := linkPlan{dropped: map[*wanLink]bool{}}
	var opened []Link
	used := map[*wanLink]bool{}
	for _, nl := range next.Links {
		ol := byName[nl.Name]
		switch {
		case ol != nil && ol.cfg == nl:
			lp.links = append(lp.links, ol)
			used[ol] = true
			continue
		case ol != nil:
			lp.links = append(lp.links, &wanLink{cfg: nl, sock: ol.sock})
			used[ol] = true // its socket stays
			ch.LinksChanged = append(ch.LinksChanged, nl.Name)
			continue
		}
		sock, err := d.openLink(nl)
		if err != nil {
			for _, s := range opened {
				_ = s.Close()
			}
			return linkPlan{}, fmt.Errorf("links: %w", err)
		}
		opened = append(opened, sock)
		lp.links = append(lp.links, &wanLink{cfg: nl, sock: sock})
		ch.LinksAdded = append(ch.LinksAdded, nl.Name)
	}
	if err := d.setMTULocked(next.Overlay.MTU); err != nil {
		for _, s := range opened {
			_ = s.Close()
		}
		return linkPlan{}, err
	}
	for _, l := range d.links {
		if !slices.Contains(lp.links, l) {
			lp.dropped[l] = true
		}
		if !used[l] {
			lp.closeSocks = append(lp.closeSocks, l.sock)
			ch.LinksRemoved = append(ch.LinksRemoved, l.cfg.Name)
		}
	}
	return lp, nil
}

// setMTULocked sets the overlay interface's MTU when it differs from the
// one in force (fixedFields checked that it can). d.mu must be held.
func (d *Dataplane) setMTULocked(mtu int) error {
	if mtu == d.cur.Overlay.MTU {
		return nil
	}
	if err := d.overlay.(MTUSetter).SetMTU(mtu); err != nil {
		return fmt.Errorf("overlay.mtu: %w", err)
	}
	return nil
}

// withoutLocked is the peers in force without those restarted, and
// without the paths that go: those over dropped links, and those to a
// peer's link that is gone from next or changed (endpoint, colour,
// relay; not a repointed peer's observed endpoint), which it returns.
// d.mu must be held.
func (d *Dataplane) withoutLocked(old, restarted map[uint16]*peer, repointed map[uint16]bool, dropped map[*wanLink]bool, next *config.Valid,
	ch *localapi.Changes) (map[uint16]*peer, []*Path) {
	nextPeer := map[uint16]config.ValidPeer{}
	for _, pc := range next.Peers {
		nextPeer[pc.ID] = pc
	}
	without := map[uint16]*peer{}
	var gone []*Path
	for id, p := range old {
		if restarted[id] != nil {
			continue
		}
		pc, stays := nextPeer[id]
		if stays && !slices.EqualFunc(p.cfg.Links, pc.Links, samePeerLink) {
			ch.PeerLinksChanged = append(ch.PeerLinksChanged, pc.Name)
		}
		np := &peer{cfg: p.cfg}
		for _, path := range p.paths {
			if dropped[path.link] || stays && !repointed[id] && !sameRemoteLink(p.cfg, pc, path.RemoteLink) {
				gone = append(gone, path)
			} else {
				np.paths = append(np.paths, path)
			}
		}
		without[id] = np
	}
	slices.Sort(ch.PeerLinksChanged)
	return without, gone
}

// sameRemoteLink reports whether the link name of peer a is in b, the
// same.
func sameRemoteLink(a, b config.ValidPeer, name string) bool {
	i := slices.IndexFunc(a.Links, func(l config.ValidPeerLink) bool { return l.Name == name })
	j := slices.IndexFunc(b.Links, func(l config.ValidPeerLink) bool { return l.Name == name })
	return i >= 0 && j >= 0 && samePeerLink(a.Links[i], b.Links[j])
}

// keepPeer is a peer whose paths stay, with cfg: its paths over links
// that stay, and new ones over the links that are new or changed. A path
// that fails to start is left out, its error added to errs.
func (d *Dataplane) keepPeer(had *peer, cfg config.ValidPeer, lp linkPlan, next *config.Valid, errs *[]error) *peer {
	reuse := map[string]*Path{}
	for _, p := range had.paths {
		reuse[p.ID] = p
	}
	p, err := d.buildPeer(cfg, lp.links, next, reuse)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("peer %s: %w", cfg.Name, err))
		return &peer{cfg: cfg, paths: had.paths}
	}
	return p
}

// fixedFields refuses changes to what the data plane cannot change while
// running: the site, its key, the overlay interface, a link's socket;
// and a new link or MTU that its boundaries cannot take (Deps.OpenLink,
// MTUSetter). key is the private key in force: cfg's, or the one a
// rotation (RotateKey) moved every path to.
func (d *Dataplane) fixedFields(cur *config.Valid, key *ecdh.PrivateKey, next *config.Valid) error {
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
	if _, ok := d.overlay.(MTUSetter); !ok && cur.Overlay.MTU != next.Overlay.MTU {
		es = append(es, fielderr.Error{Path: "overlay.mtu", Msg: "this overlay interface cannot change its MTU while the edge runs: restart it"})
	}
	had := map[string]config.ValidLink{}
	for _, l := range cur.Links {
		had[l.Name] = l
	}
	for i, l := range next.Links {
		ol, ok := had[l.Name]
		if !ok {
			if d.openLink == nil {
				es = append(es, fielderr.Error{Path: fmt.Sprintf("links[%d]", i), Msg: "this edge cannot open a new link while it runs: restart it"})
			}
			continue
		}
		path := fmt.Sprintf("links[%d].", i)
		const sock = "the link's socket cannot change while the edge runs: restart it, or remove the link and add it under another name"
		for _, f := range []struct {
			name    string
			changed bool
		}{{"interface", ol.Interface != l.Interface}, {"local_address", ol.LocalAddress != l.LocalAddress}, {"listen_port", ol.ListenPort != l.ListenPort}} {
			if f.changed {
				es = append(es, fielderr.Error{Path: path + f.name, Msg: sock})
			}
		}
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// planPeers sorts the peers of next into those whose paths stay (same
// name and key: of their paths, those to a remote link that changed are
// made anew, withoutLocked), those to start (new, or changed), and the
// running peers that are gone.
//
// A new relay address restarts every peer's paths (relayMoved).
func planPeers(old map[uint16]*peer, next *config.Valid, relayMoved bool) (keep, start []config.ValidPeer, gone []*peer) {
	inNext := map[uint16]bool{}
	for _, pc := range next.Peers {
		inNext[pc.ID] = true
		if op := old[pc.ID]; op != nil && samePeer(op.cfg, pc) && !relayMoved {
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

// samePeer: a peer that stays (its paths to remote links that changed are
// made anew, withoutLocked). A peer whose rotation the controller
// committed (b's key is a's next one) keeps its paths: followKeys moves
// those not on the new key yet.
func samePeer(a, b config.ValidPeer) bool {
	sameKey := a.PublicKey.Equal(b.PublicKey) || a.NextPublicKey != nil && a.NextPublicKey.Equal(b.PublicKey)
	return a.Name == b.Name && sameKey
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

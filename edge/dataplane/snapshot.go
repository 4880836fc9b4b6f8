package dataplane

import (
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/policy"
)

// snapshot is everything the forwarder, the path receivers and the
// control goroutines read of the data plane's configuration: peers,
// paths, routes, pins and the steering tables. It is built whole under
// d.mu and published with one atomic store (d.snap) only once every path
// in it is ready (its BFD key and prober written); nothing in it changes
// after. A reader loads the pointer once (the forwarder once per batch)
// and sees one consistent configuration.
type snapshot struct {
	peers  map[uint16]*peer
	paths  []*Path // steering's path handles: Choice.Path indexes it
	byNum  map[int]*Path
	routes *route.Table
	pins   []pinEntry // local pins first, then the controller's
	st     *policy.Compiled
	links  []*wanLink // the WAN links, as the configuration in force lists them
	mtu    int        // the overlay MTU in force: MSS clamping, duplicates
}

// path returns the path of handle h if it leads to site; nil otherwise.
// The check covers the instant between a new snapshot and the engine's
// new configuration, when a handle may index another path list.
func (s *snapshot) path(h int32, site uint16) *Path {
	if h < 0 || int(h) >= len(s.paths) {
		return nil
	}
	if p := s.paths[h]; p.site == site {
		return p
	}
	return nil
}

// publishLocked builds the snapshot of the state in force (d.peers,
// d.paths, d.routes, d.pinTable, d.st, d.links, d.cur's MTU) and publishes it. Every path must
// be ready (prepareControl ran). d.mu must be held.
func (d *Dataplane) publishLocked() {
	s := &snapshot{peers: d.peers, paths: d.paths, byNum: make(map[int]*Path, len(d.paths)),
		routes: d.routes, pins: d.pinTable, st: d.st, links: d.links}
	if d.cur != nil {
		s.mtu = d.cur.Overlay.MTU
	}
	for _, p := range d.paths {
		s.byNum[p.num] = p
	}
	d.snap.Store(s)
}

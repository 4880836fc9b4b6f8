package server

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/policy"
)

// snapshot is one network's configuration at one revision: everything
// an EdgeConfig is computed from.
type snapshot struct {
	Network  store.Network
	Sites    []store.Site // every site, revoked ones included
	Links    map[string][]store.Link
	Prefixes map[string][]netip.Prefix
	Policy   *pb.PolicySet          // never nil
	Pins     map[string][]store.Pin // by site, by ID; expired ones included
	// BGP are the sites' speakers by site name; Prefixes include the
	// prefixes the sites' routers announce (learned, see addLearned).
	BGP map[string]store.SiteBGP
	// NAT is what the sites' edges observed of their links, by site and
	// link (nat.go).
	NAT map[string]map[string]store.LinkNAT
	// Edge are the sites' edge settings by site name (edgesettings.go).
	Edge map[string]store.EdgeSettings
}

// snapshots caches the newest snapshot of each network, so that a
// revision is read from the store once however many streams watch it.
type snapshots struct {
	st store.Store

	obs  Observer
	mu   sync.Mutex
	nets map[string]*netSnap // mu
}

type netSnap struct {
	mu   sync.Mutex // held while loading: one load per revision
	snap *snapshot  // mu
}

func newSnapshots(st store.Store, obs Observer) *snapshots {
	return &snapshots{st: st, obs: obs, nets: map[string]*netSnap{}}
}

// maxSnapshotTries bounds the reloads when the revision moves during one.
const maxSnapshotTries = 5

// get returns a snapshot of the network at its current revision or newer.
func (ss *snapshots) get(ctx context.Context, network string) (*snapshot, error) {
	ss.mu.Lock()
	ns := ss.nets[network]
	if ns == nil {
		ns = &netSnap{}
		ss.nets[network] = ns
	}
	ss.mu.Unlock()
	n, err := ss.st.Network(ctx, network)
	if err != nil {
		return nil, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.snap != nil && ns.snap.Network.Revision >= n.Revision {
		return ns.snap, nil
	}
	for range maxSnapshotTries {
		start := time.Now()
		snap, err := loadSnapshot(ctx, ss.st, network)
		timed(ss.obs, OpLoadSnapshot, start, err)
		if err != nil {
			return nil, err
		}
		after, err := ss.st.Network(ctx, network)
		if err != nil {
			return nil, err
		}
		if after.Revision == snap.Network.Revision {
			ns.snap = snap
			return snap, nil
		}
	}
	return nil, fmt.Errorf("network %q changed during %d reads in a row", network, maxSnapshotTries)
}

// loadSnapshot reads a network's configuration. The reads are not one
// transaction: get checks that the revision did not move meanwhile.
func loadSnapshot(ctx context.Context, st store.Store, network string) (*snapshot, error) {
	n, err := st.Network(ctx, network)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{Network: n, Links: map[string][]store.Link{}, Prefixes: map[string][]netip.Prefix{}}
	if snap.Sites, err = st.Sites(ctx, network); err != nil {
		return nil, err
	}
	for _, s := range snap.Sites {
		if snap.Links[s.Name], err = st.Links(ctx, network, s.Name); err != nil {
			return nil, err
		}
	}
	ps, err := st.Prefixes(ctx, network)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		snap.Prefixes[p.Site] = append(snap.Prefixes[p.Site], p.Prefix)
	}
	if err := addLearned(ctx, st, snap); err != nil {
		return nil, err
	}
	if snap.BGP, err = st.BGPSites(ctx, network); err != nil {
		return nil, err
	}
	if snap.Edge, err = st.EdgeSettingsOf(ctx, network); err != nil {
		return nil, err
	}
	if err := loadNAT(ctx, st, snap); err != nil {
		return nil, err
	}
	pins, err := st.Pins(ctx, network, "")
	if err != nil {
		return nil, err
	}
	snap.Pins = map[string][]store.Pin{}
	for _, p := range pins {
		snap.Pins[p.Site] = append(snap.Pins[p.Site], p)
	}
	doc, err := st.PolicySet(ctx, network)
	if err != nil {
		return nil, err
	}
	if snap.Policy, err = policy.DecodeDocument(doc.Document); err != nil {
		return nil, fmt.Errorf("policy set of network %q: %w", network, err)
	}
	return snap, nil
}

// addLearned adds the prefixes learned over BGP to their sites' prefixes.
// One site per prefix: a configured prefix keeps its owner, and of two
// sites that learn one prefix the first by name has it (the edge's route
// table maps a prefix to one site).
func addLearned(ctx context.Context, st store.Store, snap *snapshot) error {
	learned, err := st.LearnedPrefixes(ctx, snap.Network.Name)
	if err != nil {
		return err
	}
	owned := map[netip.Prefix]bool{}
	for _, ps := range snap.Prefixes {
		for _, p := range ps {
			owned[p] = true
		}
	}
	for _, l := range learned {
		if !owned[l.Prefix] {
			owned[l.Prefix] = true
			snap.Prefixes[l.Site] = append(snap.Prefixes[l.Site], l.Prefix)
		}
	}
	return nil
}

package server

import (
	"context"
	"fmt"
	"github.com/gaissmai/bart"
	"log/slog"
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
	// prefixes the sites' routers announce (learned, see addLearned), but
	// not those listed in Unrouted.
	Unrouted []Unrouted
	BGP      map[string]store.SiteBGP
	// NAT is what the sites' edges observed of their links, by site and
	// link (nat.go).
	NAT map[string]map[string]store.LinkNAT
	// Edge are the sites' edge settings by site name (edgesettings.go).
	Edge map[string]store.EdgeSettings
}

// snapshots caches the newest snapshot of each network, so that a
// revision is read from the store once however many streams watch it.
type snapshots struct {
	st  store.Store
	log *slog.Logger

	obs  Observer
	mu   sync.Mutex
	nets map[string]*netSnap // mu
}

type netSnap struct {
	mu   sync.Mutex // held while loading: one load per revision
	snap *snapshot  // mu
}

func newSnapshots(st store.Store, obs Observer, log *slog.Logger) *snapshots {
	return &snapshots{st: st, obs: obs, log: log, nets: map[string]*netSnap{}}
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
			ss.logUnrouted(snap)
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
	if snap.BGP, err = st.BGPSites(ctx, network); err != nil {
		return nil, err
	}
	if snap.Edge, err = st.EdgeSettingsOf(ctx, network); err != nil {
		return nil, err
	}
	if err := loadNAT(ctx, st, snap); err != nil {
		return nil, err
	}
	if err := addLearned(ctx, st, snap); err != nil { // after the links' observed endpoints
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

// addLearned adds the prefixes learned over BGP to their sites' prefixes:
// those every edge can take (edge/config refuses a configuration that
// breaks either rule, so one router's announcement must not reach them).
//   - One site per address: a learned prefix that repeats or overlaps a
//     configured prefix (of any site) or one learned before it (sites by
//     name) is left out; of two sites that learn one prefix the first by
//     name has it.
//   - None covers a link's endpoint, configured or observed: a default
//     route a router announces would route into the overlay the WAN
//     traffic that carries it.
//
// What is left out is in snap.Unrouted, for the log and the API.
func addLearned(ctx context.Context, st store.Store, snap *snapshot) error {
	learned, err := st.LearnedPrefixes(ctx, snap.Network.Name)
	if err != nil || len(learned) == 0 {
		return err
	}
	var owned bart.Table[string]
	for site, ps := range snap.Prefixes {
		for _, p := range ps {
			owned.Insert(p, site)
		}
	}
	eps := snap.endpoints()
	for _, l := range learned {
		why := ""
		if owned.OverlapsPrefix(l.Prefix) {
			if site, ok := owned.Get(l.Prefix); ok && site == l.Site {
				continue // the site's own, configured too
			}
			why = "overlaps " + overlapOf(&owned, l.Prefix)
		} else if ep, ok := coversAny(l.Prefix, eps); ok {
			why = "covers the WAN endpoint " + ep.String()
		}
		if why != "" {
			snap.Unrouted = append(snap.Unrouted, Unrouted{Site: l.Site, Prefix: l.Prefix, Why: why})
			continue
		}
		owned.Insert(l.Prefix, l.Site)
		snap.Prefixes[l.Site] = append(snap.Prefixes[l.Site], l.Prefix)
	}
	return nil
}

// logUnrouted logs, once per revision, the learned prefixes the overlay
// does not route (the first few, and how many).
func (ss *snapshots) logUnrouted(snap *snapshot) {
	if len(snap.Unrouted) == 0 || ss.log == nil {
		return
	}
	u := snap.Unrouted
	ss.log.Warn("learned prefixes not routed in the overlay", "network", snap.Network.Name, "revision", snap.Network.Revision,
		"count", len(u), "first", fmt.Sprintf("%s of %s: %s", u[0].Prefix, u[0].Site, u[0].Why))
}

// Unrouted is a learned prefix the overlay does not route, and why.
type Unrouted struct {
	Site   string
	Prefix netip.Prefix
	Why    string
}

// endpoints are the addresses of every site's links as the edges reach
// them: configured and observed.
func (snap *snapshot) endpoints() []netip.Addr {
	var out []netip.Addr
	for _, ls := range snap.Links {
		for _, l := range ls {
			if ap, err := netip.ParseAddrPort(l.Endpoint); err == nil {
				out = append(out, ap.Addr().Unmap())
			}
		}
	}
	for _, ls := range snap.NAT {
		for _, n := range ls {
			if ap, err := netip.ParseAddrPort(n.ObservedEndpoint); err == nil {
				out = append(out, ap.Addr().Unmap())
			}
		}
	}
	return out
}

// overlapOf names a prefix of t that p overlaps, and its site.
func overlapOf(t *bart.Table[string], p netip.Prefix) string {
	if site, ok := t.Get(p); ok {
		return p.String() + " of " + site
	}
	for q, site := range t.Supernets(p) {
		return q.String() + " of " + site
	}
	for q, site := range t.Subnets(p) {
		return q.String() + " of " + site
	}
	return "a routed prefix"
}

func coversAny(p netip.Prefix, addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if p.Contains(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

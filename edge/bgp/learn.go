package bgp

import (
	"context"
	"net/netip"
	"slices"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// The learner's pacing (pace.go): a lone change is reported
// LearnCoalesce after it; a router's full announcement, which arrives as
// many UPDATEs with pauses between them, is reported in a few growing
// steps, each a revision of the network's configuration.
const (
	// LearnCoalesce is how long the learner waits after a change for the
	// next ones before it reports.
	LearnCoalesce = 50 * time.Millisecond
	// LearnBurstWindow: a change less than this after the last report
	// belongs to a burst.
	LearnBurstWindow = time.Second
	// LearnBurstQuiet is the shortest wait for the next change within a
	// burst (pacer.quiet).
	LearnBurstQuiet = 200 * time.Millisecond
	// LearnBurstDelay is the longest a burst's change waits for a report
	// at first; the wait doubles with each report of the burst, up to
	// LearnMaxDelay.
	LearnBurstDelay = time.Second
	LearnMaxDelay   = 16 * time.Second
	// LearnBurstMin is the smallest change (prefixes added and removed)
	// that counts towards a burst.
	LearnBurstMin = 32
)

// learner reports the prefixes the routers announce. It scans GoBGP's
// global table (routes that passed the import policy) after changes.
type learner struct {
	s      *Speaker
	kickc  chan struct{} // capacity 1
	done   chan struct{} // closed when run returns
	last   []netip.Prefix
	pace   pacer
	kernel *kernelRoutes // nil: routes not installed (Options.InstallRoutes)
}

func newLearner(s *Speaker) *learner {
	l := &learner{s: s, kickc: make(chan struct{}, 1), done: make(chan struct{})}
	if s.opts.InstallRoutes {
		l.kernel = &kernelRoutes{}
	}
	return l
}

// kick asks for a scan; it never blocks.
func (l *learner) kick() {
	select {
	case l.kickc <- struct{}{}:
	default:
	}
}

// bestPathChanged kicks the learner when a route from a neighbour
// changed: the overlay's own routes (100,000 when a site's routers
// announce that many) change nothing it learns, and each scan lists the
// whole table. Called by GoBGP's watch.
func (s *Speaker) bestPathChanged(paths []*apiutil.Path, _ time.Time) {
	for _, p := range paths {
		if p.PeerAddress.IsValid() && !p.PeerAddress.IsUnspecified() {
			s.learn.kick()
			return
		}
	}
}

// run scans after kicks until ctx ends, then removes its kernel routes.
func (l *learner) run(ctx context.Context) {
	defer close(l.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-ctx.Done():
			if l.kernel != nil {
				_ = l.kernel.sync(nil)
			}
			return
		case <-l.kickc:
			t.Reset(l.pace.kick(l.s.opts.Now()))
		case <-t.C:
			l.pace.scanned(l.s.opts.Now(), l.scan())
		}
	}
}

// scan reports the learned set when it changed, and returns by how many
// prefixes (added and removed; 0: not reported).
func (l *learner) scan() int {
	routes := l.s.learnedRoutes()
	if l.kernel != nil {
		if err := l.kernel.sync(routes); err != nil {
			l.s.log.Error("bgp: kernel routes to the learned prefixes", "err", err)
		}
	}
	got := sortedPrefixes(routes)
	changed := difference(l.last, got)
	if changed == 0 {
		return 0
	}
	l.last = got
	if f := l.s.opts.OnLearned; f != nil {
		f(slices.Clone(got))
	}
	return changed
}

// difference counts the prefixes in one sorted set and not the other.
func difference(a, b []netip.Prefix) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		switch c := comparePrefix(a[0], b[0]); {
		case c == 0:
			a, b = a[1:], b[1:]
		case c < 0:
			a, n = a[1:], n+1
		default:
			b, n = b[1:], n+1
		}
	}
	return n + len(a) + len(b)
}

// Learned is the set of prefixes the routers announce now, in order:
// those with a path from a neighbour in the global table, less the other
// sites' prefixes (the loop rule; the import policy already refused the
// routes with the overlay's site-of-origin).
func (s *Speaker) Learned() []netip.Prefix { return sortedPrefixes(s.learnedRoutes()) }

func sortedPrefixes(m map[netip.Prefix]netip.Addr) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

// learnedRoutes is Learned with the next hop of each prefix (its best
// path from a neighbour).
func (s *Speaker) learnedRoutes() map[netip.Prefix]netip.Addr {
	s.mu.Lock()
	remote := map[netip.Prefix]bool{}
	for _, st := range s.sites {
		for _, p := range st.Prefixes {
			remote[p] = true
		}
	}
	s.mu.Unlock()
	out := map[netip.Prefix]netip.Addr{}
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		req := apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}
		_ = s.srv.ListPath(req, func(n bgp.NLRI, paths []*apiutil.Path) {
			p, ok := prefixOf(n)
			if !ok || remote[p] {
				return
			}
			if nh, ok := fromNeighbor(paths); ok {
				out[p] = nh
			}
		})
	}
	return out
}

// fromNeighbor is the next hop of the best path from a neighbour (the
// first such path when none is best).
func fromNeighbor(paths []*apiutil.Path) (netip.Addr, bool) {
	var nh netip.Addr
	found := false
	for _, p := range paths {
		if !p.PeerAddress.IsValid() || p.PeerAddress.IsUnspecified() || p.Withdrawal || p.Filtered {
			continue
		}
		if !found || p.Best {
			nh, found = nextHop(p), true
		}
	}
	return nh, found
}

func nextHop(p *apiutil.Path) netip.Addr {
	for _, a := range p.Attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeNextHop:
			return a.Value
		case *bgp.PathAttributeMpReachNLRI:
			return a.Nexthop
		}
	}
	return p.PeerAddress
}

func prefixOf(n bgp.NLRI) (netip.Prefix, bool) {
	if x, ok := n.(*bgp.IPAddrPrefix); ok {
		return x.Prefix.Masked(), true
	}
	return netip.Prefix{}, false
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

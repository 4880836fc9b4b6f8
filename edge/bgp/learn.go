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

// LearnCoalesce is how long the learner waits after a change of the
// routing table for the next ones before it reports: a router's full
// announcement arrives as many UPDATEs.
const LearnCoalesce = 50 * time.Millisecond

// learner reports the prefixes the routers announce. It scans GoBGP's
// global table (routes that passed the import policy) after changes.
type learner struct {
	s     *Speaker
	kickc chan struct{} // capacity 1
	last  []netip.Prefix
}

func newLearner(s *Speaker) *learner {
	return &learner{s: s, kickc: make(chan struct{}, 1)}
}

// kick asks for a scan; it never blocks.
func (l *learner) kick() {
	select {
	case l.kickc <- struct{}{}:
	default:
	}
}

func (l *learner) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.kickc:
			t.Reset(LearnCoalesce)
		case <-t.C:
			l.scan()
		}
	}
}

// scan reports the learned set when it changed.
func (l *learner) scan() {
	got := l.s.Learned()
	if slices.Equal(got, l.last) {
		return
	}
	l.last = got
	if f := l.s.opts.OnLearned; f != nil {
		f(slices.Clone(got))
	}
}

// Learned is the set of prefixes the routers announce now, in order:
// those with a path from a neighbour in the global table, less the other
// sites' prefixes (the loop rule; the import policy already refused the
// routes with the overlay's site-of-origin).
func (s *Speaker) Learned() []netip.Prefix {
	s.mu.Lock()
	remote := map[netip.Prefix]bool{}
	for _, st := range s.sites {
		for _, p := range st.Prefixes {
			remote[p] = true
		}
	}
	s.mu.Unlock()
	var out []netip.Prefix
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		req := apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}
		_ = s.srv.ListPath(req, func(n bgp.NLRI, paths []*apiutil.Path) {
			p, ok := prefixOf(n)
			if ok && !remote[p] && fromNeighbor(paths) {
				out = append(out, p)
			}
		})
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

func fromNeighbor(paths []*apiutil.Path) bool {
	for _, p := range paths {
		if p.PeerAddress.IsValid() && !p.PeerAddress.IsUnspecified() && !p.Withdrawal && !p.Filtered {
			return true
		}
	}
	return false
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

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

// SetSites gives the speaker the other sites, their prefixes and the
// state of their best paths: the whole set each time. A site that went
// down is withdrawn before SetSites returns; one that came back is
// advertised after its hold-down (damper). The data plane calls it on
// every path state change.
func (s *Speaker) SetSites(sites []Site) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := s.opts.Now()
	keep := map[uint16]bool{}
	for _, st := range sites {
		s.damp.observe(st.ID, st.Up, now)
		keep[st.ID] = true
	}
	s.damp.forget(keep)
	moved := !samePrefixes(s.sites, sites)
	s.sites = append([]Site(nil), sites...)
	s.reconcileLocked()
	if moved {
		s.learn.kick() // the loop rule depends on the other sites' prefixes
	}
}

// samePrefixes reports whether two SetSites give every site the same
// prefixes: Follow calls SetSites every FollowInterval, and a scan of the
// learned routes lists GoBGP's whole table.
func samePrefixes(a, b []Site) bool {
	return slices.EqualFunc(a, b, func(x, y Site) bool { return x.ID == y.ID && slices.Equal(x.Prefixes, y.Prefixes) })
}

// reconcileLocked withdraws and advertises until what is advertised is
// what the sites and damping want, and sets the timer for the next
// hold-down's end. s.mu must be held.
func (s *Speaker) reconcileLocked() {
	want, wake := s.damp.desired(s.sites, s.opts.Now())
	var add, del []*apiutil.Path
	for p, a := range s.adv {
		if _, keep := want[p]; !keep {
			del = append(del, s.pathOf(p, a))
		}
	}
	for p, a := range want {
		if old, had := s.adv[p]; !had || old != a {
			add = append(add, s.pathOf(p, a))
		}
	}
	if len(del) > 0 {
		if err := s.srv.DeletePath(apiutil.DeletePathRequest{Paths: del}); err != nil {
			s.log.Error("bgp: withdraw", "prefixes", len(del), "err", err)
		}
	}
	if len(add) > 0 {
		if _, err := s.srv.AddPath(apiutil.AddPathRequest{Paths: add}); err != nil {
			s.log.Error("bgp: advertise", "prefixes", len(add), "err", err)
		}
	}
	if len(add)+len(del) > 0 {
		s.log.Info("bgp: overlay routes", "advertised", len(add), "withdrawn", len(del), "total", len(want))
	}
	s.adv = want
	s.armLocked(wake)
	s.resizeLimitsLocked()
}

// echoRoom is the allowance added to every neighbour's prefix limit for
// the overlay's own routes: many routers (FRR among them) send a route
// back to the peer it came from, where it is refused (AS path, the
// site-of-origin rule) but still counted by GoBGP's limit. It is the next
// power of two at or above the routes advertised, so that it changes
// seldom.
func echoRoom(advertised int) uint32 {
	if advertised == 0 {
		return 0
	}
	r := uint32(1)
	for r < uint32(advertised) {
		r <<= 1
	}
	return r
}

// resizeLimitsLocked updates the neighbours' prefix limits when the echo
// allowance changed. s.mu must be held.
func (s *Speaker) resizeLimitsLocked() {
	echo := echoRoom(len(s.adv))
	if echo <= s.echo {
		return // never shrunk: a router may still hold the routes
	}
	s.echo = echo
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for _, n := range s.cfg.Neighbors {
		if _, err := s.srv.UpdatePeer(ctx, &api.UpdatePeerRequest{Peer: peerOf(s.cfg, n, echo)}); err != nil {
			s.log.Error("bgp: prefix limit", "neighbor", n.Address, "err", err)
		}
	}
}

// armLocked makes reconcile run at wake (zero: never). s.mu must be held.
func (s *Speaker) armLocked(wake time.Time) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if wake.IsZero() {
		return
	}
	s.timer = time.AfterFunc(max(wake.Sub(s.opts.Now()), time.Millisecond), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			s.reconcileLocked()
		}
	})
}

// pathOf is the overlay route of prefix p: origin IGP, next hop this
// edge (GoBGP puts the session's local address for the unspecified
// one), the MED and the site-of-origin community.
func (s *Speaker) pathOf(p netip.Prefix, a advert) *apiutil.Path {
	nlri, _ := bgp.NewIPAddrPrefix(p) // p is a valid prefix
	soo := bgp.NewFourOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_ORIGIN, s.cfg.OverlayAS, a.site, true)
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	fam := bgp.RF_IPv4_UC
	if p.Addr().Is4() {
		nh, _ := bgp.NewPathAttributeNextHop(netip.IPv4Unspecified())
		attrs = append(attrs, nh)
	} else {
		fam = bgp.RF_IPv6_UC
		mp, _ := bgp.NewPathAttributeMpReachNLRI(fam, []bgp.PathNLRI{{NLRI: nlri}}, netip.IPv6Unspecified())
		attrs = append(attrs, mp)
	}
	attrs = append(attrs, bgp.NewPathAttributeMultiExitDisc(a.med),
		bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{soo}))
	return &apiutil.Path{Family: fam, Nlri: nlri, Attrs: attrs}
}

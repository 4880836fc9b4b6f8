package manage

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// BGPSite is a site's BGP speaker for the management API: its
// configuration (passwords left out: BGPNeighbor.Password is "" and
// PasswordSet tells), its edge's last report of the sessions, and the
// prefixes its routers announce.
type BGPSite struct {
	Site   string
	Config store.SiteBGP
	// PasswordSet tells, by neighbour address, which have a password.
	PasswordSet map[string]bool
	// Status is the edge's last report; nil: none yet.
	Status  *store.BGPStatus
	Learned []netip.Prefix
}

// BGP lists the BGP speakers of a network's sites (site "": all), by site
// name. A site with neither a speaker nor a report is left out.
func (s *Service) BGP(ctx context.Context, network, site string) ([]BGPSite, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if site != "" {
		if err := required("site", site); err != nil {
			return nil, err
		}
	}
	if _, err := s.cfg.Store.Network(ctx, network); err != nil {
		return nil, s.wrap("bgp", err)
	}
	cfgs, err := s.cfg.Store.BGPSites(ctx, network)
	if err != nil {
		return nil, s.wrap("bgp", err)
	}
	sts, err := s.cfg.Store.BGPStatuses(ctx, network)
	if err != nil {
		return nil, s.wrap("bgp", err)
	}
	learned, err := s.cfg.Store.LearnedPrefixes(ctx, network)
	if err != nil {
		return nil, s.wrap("bgp", err)
	}
	bySite := map[string]*BGPSite{}
	get := func(name string) *BGPSite {
		if bySite[name] == nil {
			bySite[name] = &BGPSite{Site: name, PasswordSet: map[string]bool{}}
		}
		return bySite[name]
	}
	for name, c := range cfgs {
		b := get(name)
		b.Config = c
		b.Config.Neighbors = slices.Clone(c.Neighbors)
		for i, n := range b.Config.Neighbors {
			b.PasswordSet[n.Address] = n.Password != ""
			b.Config.Neighbors[i].Password = ""
		}
	}
	for name, st := range sts {
		st := st
		get(name).Status = &st
	}
	for _, p := range learned {
		if b := bySite[p.Site]; b != nil {
			b.Learned = append(b.Learned, p.Prefix)
		}
	}
	out := make([]BGPSite, 0, len(bySite))
	for name, b := range bySite {
		if site == "" || name == site {
			out = append(out, *b)
		}
	}
	slices.SortFunc(out, func(a, b BGPSite) int { return strings.Compare(a.Site, b.Site) })
	return out, nil
}

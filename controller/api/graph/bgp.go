package graph

import (
	"context"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func (r *queryResolver) Bgp(ctx context.Context, network string, site *string) ([]*model.BgpSite, error) {
	sites, err := r.m.BGP(ctx, network, str(site))
	if err != nil {
		return nil, err
	}
	out := make([]*model.BgpSite, len(sites))
	for i, b := range sites {
		out[i] = bgpSiteModel(b)
	}
	return out, nil
}

func bgpSiteModel(b manage.BGPSite) *model.BgpSite {
	c := b.Config
	m := &model.BgpSite{Site: b.Site, LocalAs: int64(c.LocalAS), ListenPort: int64(c.ListenPort),
		GracefulRestart: c.GracefulRestart == nil || *c.GracefulRestart, Neighbors: []*model.BgpNeighbor{}, LearnedPrefixes: []string{}}
	if c.RouterID != "" {
		rid := c.RouterID
		m.RouterID = &rid
	}
	byAddr := map[string]*model.BgpNeighbor{}
	for _, n := range c.Neighbors {
		as := int64(n.RemoteAS)
		mn := &model.BgpNeighbor{Address: n.Address, RemoteAs: &as, PasswordSet: b.PasswordSet[n.Address], Bfd: n.BFD,
			MaxPrefixes: int64(n.MaxPrefixes)}
		byAddr[n.Address] = mn
		m.Neighbors = append(m.Neighbors, mn)
	}
	if st := b.Status; st != nil {
		m.ReportedAt = timePtr(st.At)
		for _, n := range st.Neighbors {
			mn := byAddr[n.Address]
			if mn == nil { // reported, no longer configured
				mn = &model.BgpNeighbor{Address: n.Address}
				m.Neighbors = append(m.Neighbors, mn)
			}
			reported(mn, n)
		}
	}
	for _, p := range b.Learned {
		m.LearnedPrefixes = append(m.LearnedPrefixes, p.String())
	}
	return m
}

// reported fills a neighbour's session from the edge's report.
func reported(mn *model.BgpNeighbor, n store.BGPNeighborStatus) {
	if s := model.BgpSessionState(strings.ToUpper(n.State)); s.IsValid() {
		mn.State = &s
	}
	rcv, acc, adv := int64(n.Received), int64(n.Accepted), int64(n.Advertised)
	mn.Received, mn.Accepted, mn.Advertised = &rcv, &acc, &adv
	if n.Reason != "" {
		reason := n.Reason
		mn.Reason = &reason
	}
	if n.BFDState != "" {
		bfd := n.BFDState
		mn.BfdState = &bfd
	}
}

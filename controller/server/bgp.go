package server

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// bgpProto is a site's speaker for its edge (passwords included) or, with
// forAdmin, for the admin API (passwords replaced by password_set).
func bgpProto(b store.SiteBGP, forAdmin bool) *pb.Bgp {
	if b.LocalAS == 0 {
		return nil
	}
	out := &pb.Bgp{LocalAs: b.LocalAS, RouterId: b.RouterID, ListenPort: b.ListenPort, GracefulRestart: b.GracefulRestart,
		ImportPolicy: policyProto(b.Import), ExportPolicy: policyProto(b.Export), OverlayAs: b.OverlayAS,
		ReadvertiseDelayMs: b.ReadvertiseDelayMS}
	for _, n := range b.Neighbors {
		pn := &pb.BgpNeighbor{Address: n.Address, RemoteAs: n.RemoteAS, Bfd: n.BFD, PasswordSet: n.Password != "", MaxPrefixes: n.MaxPrefixes,
			MaxPrefixesRestartSeconds: n.MaxPrefixesRestart}
		if !forAdmin {
			pn.Password = n.Password
		}
		out.Neighbors = append(out.Neighbors, pn)
	}
	return out
}

func (a *admin) siteBGP(ctx context.Context, network, site string) (*pb.SiteBgp, error) {
	b, err := a.s.cfg.Store.SiteBGP(ctx, network, site)
	if err != nil {
		return nil, storeStatus(err)
	}
	out := &pb.SiteBgp{Network: network, SiteName: site, Bgp: bgpProto(b, true)}
	sts, err := a.s.cfg.Store.BGPStatuses(ctx, network)
	if err != nil {
		return nil, storeStatus(err)
	}
	if st, ok := sts[site]; ok {
		out.Status, out.ReportedAt = statusProto(st), timestamppb.New(st.At)
	}
	learned, err := a.s.cfg.Store.LearnedPrefixes(ctx, network)
	if err != nil {
		return nil, storeStatus(err)
	}
	for _, p := range learned {
		if p.Site == site {
			out.LearnedPrefixes = append(out.LearnedPrefixes, p.Prefix.String())
		}
	}
	return out, nil
}

func requiredSite(network, site string) error {
	if err := required("network", network); err != nil {
		return err
	}
	return required("site_name", site)
}

// GetBgp returns a site's speaker.
func (a *admin) GetBgp(ctx context.Context, req *pb.GetBgpRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	return a.siteBGP(ctx, req.Network, req.SiteName)
}

// SetBgp sets the local AS and router ID; the revision moves and the
// site's edge gets them.
func (a *admin) SetBgp(ctx context.Context, req *pb.SetBgpRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	if req.LocalAs == 0 || req.LocalAs == 23456 {
		return nil, status.Errorf(codes.InvalidArgument, "local_as: %d is not an AS number 1..4294967295 (not 23456)", req.LocalAs)
	}
	if req.RouterId != "" {
		if ip, err := netip.ParseAddr(req.RouterId); err != nil || !ip.Is4() || ip.IsUnspecified() {
			return nil, status.Errorf(codes.InvalidArgument, "router_id: %q is not an IPv4 address", req.RouterId)
		}
	}
	return a.updateBGP(ctx, req.Network, req.SiteName, "bgp_set", func(b *store.SiteBGP) error {
		b.LocalAS, b.RouterID = req.LocalAs, req.RouterId
		return nil
	})
}

// AddBgpNeighbor adds or replaces a neighbour.
func (a *admin) AddBgpNeighbor(ctx context.Context, req *pb.AddBgpNeighborRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	n, err := neighborOf(req.Neighbor)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return a.updateBGP(ctx, req.Network, req.SiteName, "bgp_neighbor_added", func(b *store.SiteBGP) error {
		if b.LocalAS == 0 {
			return status.Errorf(codes.FailedPrecondition, "site %q has no BGP local AS: set it first (patronus ctl bgp set)", req.SiteName)
		}
		b.Neighbors = slices.DeleteFunc(b.Neighbors, func(x store.BGPNeighbor) bool { return x.Address == n.Address })
		b.Neighbors = append(b.Neighbors, n)
		return nil
	})
}

// RemoveBgpNeighbor removes a neighbour.
func (a *admin) RemoveBgpNeighbor(ctx context.Context, req *pb.RemoveBgpNeighborRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	addr, err := netip.ParseAddr(req.Address)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "address: %q is not an IP address", req.Address)
	}
	return a.updateBGP(ctx, req.Network, req.SiteName, "bgp_neighbor_removed", func(b *store.SiteBGP) error {
		before := len(b.Neighbors)
		b.Neighbors = slices.DeleteFunc(b.Neighbors, func(x store.BGPNeighbor) bool { return x.Address == addr.String() })
		if len(b.Neighbors) == before {
			return status.Errorf(codes.NotFound, "site %q has no BGP neighbour %s", req.SiteName, addr)
		}
		return nil
	})
}

// neighborOf validates a neighbour; errors name the field.
func neighborOf(n *pb.BgpNeighbor) (store.BGPNeighbor, error) {
	addr, err := netip.ParseAddr(n.GetAddress())
	if err != nil || addr.Zone() != "" || addr.IsUnspecified() || addr.IsMulticast() {
		return store.BGPNeighbor{}, fmt.Errorf("neighbor.address: %q is not a unicast IP address", n.GetAddress())
	}
	if n.GetRemoteAs() == 0 || n.GetRemoteAs() == 23456 {
		return store.BGPNeighbor{}, fmt.Errorf("neighbor.remote_as: %d is not an AS number 1..4294967295 (not 23456)", n.GetRemoteAs())
	}
	if n.GetPassword() != "" {
		if msg := config.CheckBGPPassword(n.GetPassword()); msg != "" {
			return store.BGPNeighbor{}, fmt.Errorf("neighbor.password: %s", msg)
		}
	}
	if n.GetMaxPrefixes() > 10_000_000 {
		return store.BGPNeighbor{}, fmt.Errorf("neighbor.max_prefixes: %d: at most 10000000", n.GetMaxPrefixes())
	}
	if n.GetMaxPrefixesRestartSeconds() > 86400 {
		return store.BGPNeighbor{}, fmt.Errorf("neighbor.max_prefixes_restart_seconds: %d: at most 86400 (a day)", n.GetMaxPrefixesRestartSeconds())
	}
	return store.BGPNeighbor{Address: addr.Unmap().String(), RemoteAS: n.GetRemoteAs(), Password: n.GetPassword(), BFD: n.GetBfd(),
		MaxPrefixes: n.GetMaxPrefixes(), MaxPrefixesRestart: n.GetMaxPrefixesRestartSeconds()}, nil
}

// updateBGP reads, changes and writes a site's speaker. Concurrent
// updates of one site are not merged: the last write wins.
func (a *admin) updateBGP(ctx context.Context, network, site, event string, change func(*store.SiteBGP) error) (*pb.SiteBgp, error) {
	b, err := a.s.cfg.Store.SiteBGP(ctx, network, site)
	if err != nil {
		return nil, storeStatus(err)
	}
	if err := change(&b); err != nil {
		return nil, err
	}
	if err := a.s.cfg.Store.PutSiteBGP(ctx, network, site, b); err != nil {
		return nil, storeStatus(err)
	}
	who := callerOf(ctx).ID.String()
	a.s.log.Info("bgp changed", "network", network, "site", site, "event", event, "by", who)
	a.s.event(ctx, network, site, event, "by "+who)
	return a.siteBGP(ctx, network, site)
}

// maxLearned bounds the prefixes one site may report (edge/config's
// limit per neighbour is 10,000,000; the edge's defaults keep far below).
const maxLearned = 1_000_000

// learned stores the prefixes a site's routers announce, when the batch
// carries them; a change moves the revision and every edge gets them.
func (s *Server) learned(ctx context.Context, network, site string, lp *pb.LearnedPrefixes) error {
	if lp == nil {
		return nil
	}
	if len(lp.Prefixes) > maxLearned {
		return status.Errorf(codes.InvalidArgument, "learned_prefixes: %d prefixes, at most %d", len(lp.Prefixes), maxLearned)
	}
	ps := make([]netip.Prefix, 0, len(lp.Prefixes))
	for i, text := range lp.Prefixes {
		p, err := netip.ParsePrefix(text)
		if err != nil || p != p.Masked() {
			return status.Errorf(codes.InvalidArgument, "learned_prefixes.prefixes[%d]: %q is not a canonical prefix", i, text)
		}
		ps = append(ps, p)
	}
	changed, err := s.cfg.Store.SetLearnedPrefixes(ctx, network, site, ps)
	if err != nil {
		return storeStatus(err)
	}
	if changed {
		s.log.Info("learned prefixes", "network", network, "site", site, "count", len(ps))
	}
	return nil
}

// bgpEvents records a site's BGP neighbour state changes as events
// (kind bgp_neighbor), beside the steering events.
func (s *Server) bgpEvents(ctx context.Context, network, site string, evs []*pb.BgpEvent) {
	if len(evs) == 0 {
		return
	}
	out := make([]store.Event, 0, len(evs))
	for _, e := range evs {
		reason := fmt.Sprintf("neighbour %s: %s -> %s", e.GetNeighbor(), e.GetFrom(), e.GetTo())
		if e.GetReason() != "" {
			reason += " (" + e.GetReason() + ")"
		}
		out = append(out, store.Event{TS: e.GetAt().AsTime(), Site: site, Kind: "bgp_neighbor", Reason: reason})
	}
	if err := s.cfg.Store.AddEvents(ctx, network, out); err != nil {
		s.log.Warn("record bgp events", "network", network, "site", site, "err", err)
	}
}

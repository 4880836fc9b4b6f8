package server

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// policyProto is a stored policy for the edge and the admin API; nil:
// none.
func policyProto(p *store.BGPPolicy) *pb.BgpPolicy {
	if p == nil {
		return nil
	}
	out := &pb.BgpPolicy{RejectAsPaths: p.RejectASPaths, RejectCommunities: p.RejectCommunities, AddCommunities: p.AddCommunities}
	for _, m := range p.Prefixes {
		out.Prefixes = append(out.Prefixes, &pb.BgpPrefixMatch{Prefix: m.Prefix, MaxLength: m.MaxLength})
	}
	return out
}

// configPolicy is a policy of the API in edge/config's terms (which the
// edge validates again when it applies it).
func configPolicy(p *pb.BgpPolicy) config.BGPPolicy {
	out := config.BGPPolicy{RejectASPaths: p.GetRejectAsPaths(), RejectCommunities: p.GetRejectCommunities(),
		AddCommunities: p.GetAddCommunities()}
	for _, m := range p.GetPrefixes() {
		out.Prefixes = append(out.Prefixes, config.BGPPrefix{Prefix: m.GetPrefix(), MaxLength: int(min(m.GetMaxLength(), 1<<16))})
	}
	return out
}

// storedPolicy validates a policy (errors name the fields under
// "policy.") and gives what the store keeps; nil for an empty policy.
func storedPolicy(p *pb.BgpPolicy) (*store.BGPPolicy, error) {
	if err := config.CheckBGPPolicy("policy", configPolicy(p)); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if len(p.GetPrefixes())+len(p.GetRejectAsPaths())+len(p.GetRejectCommunities())+len(p.GetAddCommunities()) == 0 {
		return nil, nil
	}
	out := &store.BGPPolicy{RejectASPaths: p.GetRejectAsPaths(), RejectCommunities: p.GetRejectCommunities(), AddCommunities: p.GetAddCommunities()}
	for _, m := range p.GetPrefixes() {
		out.Prefixes = append(out.Prefixes, store.BGPPrefixMatch{Prefix: m.GetPrefix(), MaxLength: m.GetMaxLength()})
	}
	return out, nil
}

// SetBgpOptions sets the listening port, graceful restart, overlay AS
// and damping delay; unset fields keep their values.
func (a *admin) SetBgpOptions(ctx context.Context, req *pb.SetBgpOptionsRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	if err := checkBGPOptions(req); err != nil {
		return nil, err
	}
	return a.updateBGP(ctx, req.Network, req.SiteName, "bgp_options_set", func(b *store.SiteBGP) error {
		if b.LocalAS == 0 {
			return status.Errorf(codes.FailedPrecondition, "site %q has no BGP local AS: set it first (patronus ctl bgp set)", req.SiteName)
		}
		if req.ListenPort != nil {
			b.ListenPort = req.GetListenPort()
		}
		if req.GracefulRestart != nil {
			gr := req.GetGracefulRestart()
			b.GracefulRestart = &gr
		}
		if req.OverlayAs != nil {
			b.OverlayAS = req.GetOverlayAs()
		}
		if req.ReadvertiseDelayMs != nil {
			d := req.GetReadvertiseDelayMs()
			b.ReadvertiseDelayMS = &d
		}
		return nil
	})
}

// maxReadvertiseDelayMS is edge/config's bound of bgp.readvertise_delay.
const maxReadvertiseDelayMS = 60_000

// checkBGPOptions refuses options the edge would refuse, naming the
// request's field.
func checkBGPOptions(req *pb.SetBgpOptionsRequest) error {
	if p := req.GetListenPort(); req.ListenPort != nil && (p < -1 || p > 65535) {
		return status.Errorf(codes.InvalidArgument, "listen_port: %d: must be 1..65535, 0 (179) or -1 (none)", p)
	}
	if as := req.GetOverlayAs(); req.OverlayAs != nil && as == 23456 {
		return status.Errorf(codes.InvalidArgument, "overlay_as: %d: must be an AS number 1..4294967295 (not 23456, AS_TRANS), or 0 for the default", as)
	}
	if d := req.GetReadvertiseDelayMs(); req.ReadvertiseDelayMs != nil && d > maxReadvertiseDelayMS {
		return status.Errorf(codes.InvalidArgument, "readvertise_delay_ms: %d: must be 0..%d", d, maxReadvertiseDelayMS)
	}
	return nil
}

// SetBgpPolicy replaces the import or export policy.
func (a *admin) SetBgpPolicy(ctx context.Context, req *pb.SetBgpPolicyRequest) (*pb.SiteBgp, error) {
	if err := requiredSite(req.Network, req.SiteName); err != nil {
		return nil, err
	}
	if req.Direction != "import" && req.Direction != "export" {
		return nil, status.Errorf(codes.InvalidArgument, "direction: %q: want import or export", req.Direction)
	}
	p, err := storedPolicy(req.Policy)
	if err != nil {
		return nil, err
	}
	return a.updateBGP(ctx, req.Network, req.SiteName, "bgp_policy_set", func(b *store.SiteBGP) error {
		if b.LocalAS == 0 {
			return status.Errorf(codes.FailedPrecondition, "site %q has no BGP local AS: set it first (patronus ctl bgp set)", req.SiteName)
		}
		if req.Direction == "import" {
			b.Import = p
		} else {
			b.Export = p
		}
		return nil
	})
}

// maxBGPNeighbors bounds the neighbours of one status report.
const maxBGPNeighbors = 1000

// bgpStatus stores the speaker's neighbours a batch carries, with the time
// the controller saw it.
func (s *Server) bgpStatus(ctx context.Context, network, site string, st *pb.BgpStatus, at time.Time) error {
	if st == nil {
		return nil
	}
	if len(st.Neighbors) > maxBGPNeighbors {
		return status.Errorf(codes.InvalidArgument, "bgp_status.neighbors: %d, at most %d", len(st.Neighbors), maxBGPNeighbors)
	}
	out := store.BGPStatus{At: at, LocalAS: st.LocalAs, RouterID: st.RouterId, Neighbors: make([]store.BGPNeighborStatus, 0, len(st.Neighbors))}
	for _, n := range st.Neighbors {
		out.Neighbors = append(out.Neighbors, store.BGPNeighborStatus{Address: n.Address, RemoteAS: n.RemoteAs, State: n.State,
			Reason: n.Reason, Received: n.Received, Accepted: n.Accepted, Advertised: n.Advertised, BFDState: n.BfdState,
			MaxPrefixes: n.MaxPrefixes})
	}
	if err := s.cfg.Store.SetBGPStatus(ctx, network, site, out); err != nil {
		return storeStatus(err)
	}
	return nil
}

// statusProto is a stored status for the admin API.
func statusProto(st store.BGPStatus) *pb.BgpStatus {
	out := &pb.BgpStatus{LocalAs: st.LocalAS, RouterId: st.RouterID}
	for _, n := range st.Neighbors {
		out.Neighbors = append(out.Neighbors, &pb.BgpNeighborStatus{Address: n.Address, RemoteAs: n.RemoteAS, State: n.State,
			Reason: n.Reason, Received: n.Received, Accepted: n.Accepted, Advertised: n.Advertised, BfdState: n.BFDState,
			MaxPrefixes: n.MaxPrefixes})
	}
	return out
}

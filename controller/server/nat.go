package server

import (
	"context"
	"net/netip"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// NATConfig is endpoint discovery as the edges are told it
// (EdgeConfig.nat_traversal, docs/NAT.md).
type NATConfig struct {
	// STUNServer is the STUN responder's primary address the edges send
	// to (internal/stun, served by the controller daemon); invalid: the
	// edges are told nothing and do no discovery.
	STUNServer netip.AddrPort
	// Refresh is how often an edge asks its links' mappings again; 0:
	// the edge's default.
	Refresh time.Duration
}

// natTraversal is the EdgeConfig section of c; nil when off.
func (c NATConfig) natTraversal() *pb.NatTraversal {
	if !c.STUNServer.IsValid() {
		return nil
	}
	return &pb.NatTraversal{StunServer: c.STUNServer.String(), RefreshSeconds: uint32(c.Refresh / time.Second)}
}

// natBehaviourNames are the store's names of the proto's behaviours
// (edge/natdisc Behaviour.String, same order).
var natBehaviourNames = map[pb.NatBehaviour]string{
	pb.NatBehaviour_NAT_BEHAVIOUR_UNSPECIFIED:                "unknown",
	pb.NatBehaviour_NAT_BEHAVIOUR_NONE:                       "none",
	pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT:       "endpoint-independent",
	pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_DEPENDENT:          "address-dependent",
	pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT: "address-and-port-dependent",
}

func natBehaviour(name string) pb.NatBehaviour {
	for b, n := range natBehaviourNames {
		if n == name {
			return b
		}
	}
	return pb.NatBehaviour_NAT_BEHAVIOUR_UNSPECIFIED
}

// maxNATLinks bounds the observations of one batch (edge/config allows
// far fewer links).
const maxNATLinks = 64

// natObserved stores a site's links' observed endpoints and NAT kinds,
// when the batch carries them (the edge sends the whole set when it
// changes); a change moves the revision and the peers get them.
func (s *Server) natObserved(ctx context.Context, network, site string, obs []*pb.NatObservation) error {
	if len(obs) == 0 {
		return nil
	}
	if len(obs) > maxNATLinks {
		return status.Errorf(codes.InvalidArgument, "nat_observations: %d, at most %d", len(obs), maxNATLinks)
	}
	links := make([]store.LinkNAT, 0, len(obs))
	for i, o := range obs {
		n := store.LinkNAT{Link: o.GetLink(), ObservedEndpoint: o.GetObservedEndpoint(),
			Mapping: natBehaviourNames[o.GetNat().GetMapping()], Filtering: natBehaviourNames[o.GetNat().GetFiltering()]}
		if n.Mapping == "" || n.Filtering == "" {
			return status.Errorf(codes.InvalidArgument, "nat_observations[%d].nat: unknown behaviour", i)
		}
		if err := n.Validate(); err != nil {
			return status.Errorf(codes.InvalidArgument, "nat_observations[%d]: %v", i, err)
		}
		links = append(links, n)
	}
	changed, err := s.cfg.Store.SetLinkNAT(ctx, network, site, links)
	if err != nil {
		return storeStatus(err)
	}
	if changed {
		for _, n := range links {
			s.log.Info("link nat", "network", network, "site", site, "link", n.Link, "observed_endpoint", n.ObservedEndpoint,
				"mapping", n.Mapping, "filtering", n.Filtering)
		}
	}
	return nil
}

// PunchLead is how long after the later of the two ends' last NAT
// change the paths between them start punching (PeerLink.punch_at): time
// for the configuration that names the change to reach both edges.
const PunchLead = 200 * time.Millisecond

// addNAT gives each peer link what its site's edge observed, and when
// to punch towards it: PunchLead after the later of its own last change
// and the last change of the receiving site's links behind NAT (own).
// Both ends of a path between two links behind NAT get the same time:
// the later of the same two changes.
func addNAT(links []*pb.PeerLink, nat, own map[string]store.LinkNAT) {
	var ownChanged time.Time
	for _, n := range own {
		if n.ObservedEndpoint != "" && n.ChangedAt.After(ownChanged) {
			ownChanged = n.ChangedAt
		}
	}
	for _, l := range links {
		n, ok := nat[l.Name]
		if !ok {
			continue
		}
		l.ObservedEndpoint = n.ObservedEndpoint
		l.Nat = &pb.NatKind{Mapping: natBehaviour(n.Mapping), Filtering: natBehaviour(n.Filtering)}
		if n.ObservedEndpoint != "" && !n.ChangedAt.IsZero() {
			l.PunchAt = timestamppb.New(laterOf(n.ChangedAt, ownChanged).Add(PunchLead))
		}
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// loadNAT reads the network's LinkNATs into snap.NAT, by site and link.
func loadNAT(ctx context.Context, st store.Store, snap *snapshot) error {
	all, err := st.LinkNATs(ctx, snap.Network.Name)
	if err != nil {
		return err
	}
	snap.NAT = map[string]map[string]store.LinkNAT{}
	for _, n := range all {
		if snap.NAT[n.Site] == nil {
			snap.NAT[n.Site] = map[string]store.LinkNAT{}
		}
		snap.NAT[n.Site][n.Link] = n
	}
	return nil
}

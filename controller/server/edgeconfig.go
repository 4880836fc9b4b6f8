package server

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/policy"
)

// edgeConfig computes the whole configuration of site id from a snapshot
// of its network; ok is false when the site is not (or no longer) an
// enrolled site of it. The id, not the name, identifies the site: a name
// deleted and enrolled again is another site.
//
// Peers: in a full mesh every other enrolled site; a hub has every other
// enrolled site; a spoke has the hubs only. A spoke reaches the other
// spokes through the first hub by name, whose prefixes then include
// theirs (one site per prefix: the edge's route table maps a prefix to
// one site).
func edgeConfig(snap *snapshot, id int64, now time.Time) (*pb.EdgeConfig, bool) {
	var self *store.Site
	var hubs, others []store.Site
	for i := range snap.Sites {
		s := &snap.Sites[i]
		if s.State != store.Enrolled {
			continue
		}
		if s.ID == id {
			self = s
			continue
		}
		others = append(others, *s)
		if s.Role == store.Hub {
			hubs = append(hubs, *s)
		}
	}
	if self == nil {
		return nil, false
	}
	role := pb.TopologyRole_TOPOLOGY_ROLE_MESH
	peers := others
	if snap.Network.Topology == store.HubAndSpoke {
		role = pb.TopologyRole_TOPOLOGY_ROLE_HUB
		if self.Role == store.Spoke {
			role, peers = pb.TopologyRole_TOPOLOGY_ROLE_SPOKE, hubs
		}
	}
	cfg := &pb.EdgeConfig{
		Revision:    uint64(snap.Network.Revision),
		CreatedAt:   timestamppb.New(now),
		Site:        &pb.Site{Name: self.Name, Id: uint32(self.ID)},
		Role:        role,
		LanPrefixes: prefixStrings(snap.Prefixes[self.Name]),
		Links:       localLinks(snap.Links[self.Name]),
	}
	for i, p := range peers {
		peer := &pb.Peer{
			Site:     &pb.Site{Name: p.Name, Id: uint32(p.ID)},
			Prefixes: prefixStrings(snap.Prefixes[p.Name]),
			Links:    peerLinks(snap.Links[p.Name]),
		}
		addNAT(peer.Links, snap.NAT[p.Name], snap.NAT[self.Name])
		peer.PublicKey, _ = base64.StdEncoding.DecodeString(p.PublicKey) // the store checked it
		peer.NextPublicKey, _ = base64.StdEncoding.DecodeString(p.NextPublicKey)
		if role == pb.TopologyRole_TOPOLOGY_ROLE_SPOKE && i == 0 {
			for _, o := range others {
				if o.Role == store.Spoke {
					peer.Prefixes = append(peer.Prefixes, prefixStrings(snap.Prefixes[o.Name])...)
				}
			}
		}
		cfg.Peers = append(cfg.Peers, peer)
	}
	policy.CopyToEdgeConfig(snap.Policy, cfg)
	cfg.Pins = edgePins(snap.Pins[self.Name], now)
	cfg.Bgp = bgpProto(snap.BGP[self.Name], false)
	cfg.KeyRotation = keyRotation(self)
	addEdgeSettings(cfg, snap.Edge[self.Name], snap.Links[self.Name])
	return cfg, true
}

// edgePins are a site's pins in force at now, by ID. An expired pin is
// left out here and deleted by the server's expiry loop (expiry.go),
// whose revision bump sends every edge concerned a configuration
// without it.
func edgePins(pins []store.Pin, now time.Time) []*pb.PathPin {
	var out []*pb.PathPin
	for _, p := range pins {
		if !p.Active(now) {
			continue
		}
		out = append(out, &pb.PathPin{Id: p.ID, Match: pinMatchProto(p.Match), PathId: p.Path, ExpiresAt: ts(p.ExpiresAt)})
	}
	return out
}

func pinMatchProto(m store.PinMatch) *pb.PinMatch {
	return &pb.PinMatch{Protocol: uint32(m.Protocol), SourcePrefix: prefixOrEmpty(m.Src), DestinationPrefix: prefixOrEmpty(m.Dst),
		SourcePort: uint32(m.SrcPort), DestinationPort: uint32(m.DstPort)}
}

func prefixOrEmpty(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}

// sameConfig reports whether two configurations differ only in revision,
// creation time and trace context.
func sameConfig(a, b *pb.EdgeConfig) bool {
	if a == nil || b == nil {
		return a == b
	}
	ac, bc := proto.Clone(a).(*pb.EdgeConfig), proto.Clone(b).(*pb.EdgeConfig)
	ac.Revision, bc.Revision, ac.CreatedAt, bc.CreatedAt = 0, 0, nil, nil
	ac.TraceParent, bc.TraceParent = "", ""
	ac.ControllerTime, bc.ControllerTime = nil, nil
	return proto.Equal(ac, bc)
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return out
}

func localLinks(ls []store.Link) []*pb.Link {
	var out []*pb.Link
	for _, l := range ls {
		port := uint32(l.ListenPort)
		if port == 0 {
			port = endpointPort(l.Endpoint)
		}
		out = append(out, &pb.Link{
			Name: l.Name, Interface: l.Interface, LocalAddress: l.LocalAddress, ListenPort: port,
			Color: l.Colour, Cost: uint32(l.Cost), BandwidthBps: uint64(l.BandwidthKbps) * 1000,
		})
	}
	return out
}

func peerLinks(ls []store.Link) []*pb.PeerLink {
	var out []*pb.PeerLink
	for _, l := range ls {
		out = append(out, &pb.PeerLink{Name: l.Name, Endpoint: l.Endpoint, Color: l.Colour})
	}
	return out
}

// endpointPort is the port of "addr:port", 0 when there is none.
func endpointPort(ep string) uint32 {
	ap, err := netip.ParseAddrPort(ep)
	if err != nil {
		return 0
	}
	return uint32(ap.Port())
}

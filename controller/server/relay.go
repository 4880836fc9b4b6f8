package server

import (
	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/relay/wire"
)

// Relay is the relay the edges' paths take when their direct way does
// not open (package relay, docs/NAT.md): the endpoint edges reach it at
// and the key its tokens are made with. Zero: no path is relayed.
type Relay struct {
	Endpoint string
	Key      []byte
}

// addRelay gives cfg the relay and, on every peer link, this edge's
// allocation for each path to it: one per local link. Sessions and
// tokens are keyed hashes of the path's ends (relay/wire), so the same
// network gives the same configuration, and the relay keeps no list.
// own holds the NAT kinds this edge's links reported (by link name): a
// path with a link behind a NAT that maps per destination at either end
// starts relayed (hardNAT).
func addRelay(cfg *pb.EdgeConfig, r Relay, own map[string]store.LinkNAT) {
	if r.Endpoint == "" || len(r.Key) < wire.KeyLen {
		return
	}
	self := cfg.GetSite().GetName()
	cfg.Relay = &pb.RelayService{Endpoint: r.Endpoint}
	for _, p := range cfg.GetPeers() {
		for _, pl := range p.GetLinks() {
			for _, ll := range cfg.GetLinks() {
				session, side := wire.Session(r.Key, wire.End{Site: self, Link: ll.GetName()}, wire.End{Site: p.GetSite().GetName(), Link: pl.GetName()})
				tok := wire.Token(r.Key, session, side, self)
				pl.Relay = append(pl.Relay, &pb.RelayAllocation{LocalLink: ll.GetName(), Session: session, Side: uint32(side), Token: tok[:],
					StartRelayed: hardNAT(natBehaviour(own[ll.GetName()].Mapping)) || hardNAT(pl.GetNat().GetMapping())})
			}
		}
	}
}

// hardNAT reports whether a NAT of mapping m gives each destination a
// mapping of its own (RFC 4787 address- or address-and-port-dependent):
// a peer cannot reach it at the endpoint the STUN responder saw, and
// what it sends to a peer comes from a port the peer does not know (a
// path takes only what comes from its peer's endpoint). A path with such
// a link at either end cannot open directly (docs/NAT.md; in the lab none
// ever did, BENCHMARKS.md): it starts relayed, and its probes still try
// the direct way. Unknown is not hard: the path tries direct first, and
// moves to the relay after DirectTimeout if it does not open.
func hardNAT(m pb.NatBehaviour) bool {
	return m == pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_DEPENDENT || m == pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT
}

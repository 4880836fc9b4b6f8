package bgp

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Neighbor is one neighbour as patronus bgp show prints it.
type Neighbor struct {
	Address  string `json:"address"`
	RemoteAS uint32 `json:"remote_as"`
	// State is the session's state in BGP's names, lower case (idle,
	// connect, active, opensent, openconfirm, established).
	State string `json:"state"`
	// Reason is why the session is down, when known: "prefix limit",
	// "bfd down", "shut down", the last notification; while it connects
	// again, why it last closed.
	Reason string `json:"reason,omitempty"`
	// Received, Accepted (after the import policy) and Advertised
	// prefixes, IPv4 and IPv6 together.
	Received   uint64 `json:"received"`
	Accepted   uint64 `json:"accepted"`
	Advertised uint64 `json:"advertised"`
	// BFDState is the neighbour's BFD session (up, down, init,
	// admin_down); "" without BFD.
	BFDState    string `json:"bfd_state"`
	MaxPrefixes uint32 `json:"max_prefixes"`
}

// Status is what patronus bgp show --json prints.
type Status struct {
	LocalAS   uint32     `json:"local_as"`
	RouterID  string     `json:"router_id"`
	OverlayAS uint32     `json:"overlay_as"`
	Neighbors []Neighbor `json:"neighbors"`
	// Advertised: the other sites' prefixes advertised now; Learned: the
	// prefixes learned from the routers.
	Advertised    int     `json:"advertised"`
	Learned       int     `json:"learned"`
	Events        []Event `json:"events"`
	EventsDropped uint64  `json:"events_dropped"`
}

// Status is a snapshot of the speaker.
func (s *Speaker) Status() Status {
	s.mu.Lock()
	cfg := s.cfg
	adv := len(s.adv)
	s.mu.Unlock()
	st := Status{LocalAS: cfg.LocalAS, OverlayAS: cfg.OverlayAS, Neighbors: []Neighbor{}, Advertised: adv}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if g, err := s.srv.GetBgp(ctx, &api.GetBgpRequest{}); err == nil {
		st.RouterID = g.Global.RouterId
	}
	limits := map[string]uint32{}
	for _, n := range cfg.Neighbors {
		limits[n.Address.String()] = n.MaxPrefixes
	}
	_ = s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
		st.Neighbors = append(st.Neighbors, s.neighborOf(p, limits))
	})
	slices.SortFunc(st.Neighbors, func(a, b Neighbor) int { return strings.Compare(a.Address, b.Address) })
	st.Learned = len(s.Learned())
	st.Events, st.EventsDropped = s.Events()
	return st
}

func (s *Speaker) neighborOf(p *api.Peer, limits map[string]uint32) Neighbor {
	ps := p.GetState()
	n := Neighbor{Address: p.GetConf().GetNeighborAddress(), RemoteAS: p.GetConf().GetPeerAsn(),
		State: strings.ToLower(strings.TrimPrefix(ps.GetSessionState().String(), "SESSION_STATE_"))}
	n.MaxPrefixes = limits[n.Address]
	for _, af := range p.GetAfiSafis() {
		n.Received += af.GetState().GetReceived()
		n.Accepted += af.GetState().GetAccepted()
		n.Advertised += af.GetState().GetAdvertised()
	}
	if a, err := netip.ParseAddr(n.Address); err == nil {
		var bfdDown bool
		n.BFDState, bfdDown = s.bfd.state(a)
		if n.State != "established" {
			n.Reason = reasonOf(ps.GetAdminState(), bfdDown, ps.GetDisconnectMessage())
			if n.Reason == "" { // reconnecting: why it closed (a prefix limit's restart, say)
				n.Reason = s.events.closedReason(n.Address)
			}
		}
	}
	return n
}

// reasonPrefixLimit is the reason of a session closed by its prefix limit.
const reasonPrefixLimit = "prefix limit"

// reasonOf names why a session is not established.
func reasonOf(admin api.PeerState_AdminState, bfdDown bool, msg string) string {
	switch {
	case admin == api.PeerState_ADMIN_STATE_PFX_CT:
		return reasonPrefixLimit
	case bfdDown:
		return "bfd down"
	case admin == api.PeerState_ADMIN_STATE_DOWN:
		return "shut down"
	}
	return msg
}

// downReason is reasonOf for a peer event.
func (s *Speaker) downReason(st apiutil.PeerState) string {
	_, bfdDown := s.bfd.state(st.NeighborAddress)
	return reasonOf(st.AdminState, bfdDown, st.DisconnectMessage)
}

// Route is one route of the speaker's table, as patronus bgp routes
// prints it.
type Route struct {
	Prefix  string `json:"prefix"`
	NextHop string `json:"next_hop"`
	// From: the neighbour's address, or "overlay" for another site's
	// prefix that this edge advertises.
	From        string   `json:"from"`
	Best        bool     `json:"best"`
	ASPath      string   `json:"as_path"`
	MED         *uint32  `json:"med,omitempty"`
	Communities []string `json:"communities"`
}

// Routes is the speaker's table (IPv4 then IPv6 unicast), every path of
// every prefix.
func (s *Speaker) Routes() []Route {
	out := []Route{}
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		req := apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}
		_ = s.srv.ListPath(req, func(n bgp.NLRI, paths []*apiutil.Path) {
			for _, p := range paths {
				out = append(out, routeOf(n, p))
			}
		})
	}
	return out
}

func routeOf(n bgp.NLRI, p *apiutil.Path) Route {
	r := Route{Prefix: n.String(), From: "overlay", Best: p.Best, Communities: []string{}}
	if p.PeerAddress.IsValid() && !p.PeerAddress.IsUnspecified() {
		r.From = p.PeerAddress.String()
	}
	for _, a := range p.Attrs {
		switch a := a.(type) {
		case *bgp.PathAttributeNextHop:
			r.NextHop = a.Value.String()
		case *bgp.PathAttributeMpReachNLRI:
			r.NextHop = a.Nexthop.String()
		case *bgp.PathAttributeAsPath:
			r.ASPath = a.String()
		case *bgp.PathAttributeMultiExitDisc:
			med := a.Value
			r.MED = &med
		case *bgp.PathAttributeCommunities:
			for _, c := range a.Value {
				r.Communities = append(r.Communities, communityText(c))
			}
		case *bgp.PathAttributeExtendedCommunities:
			for _, c := range a.Value {
				r.Communities = append(r.Communities, extText(c))
			}
		case *bgp.PathAttributeLargeCommunities:
			for _, c := range a.Values {
				r.Communities = append(r.Communities, c.String())
			}
		}
	}
	return r
}

func communityText(c uint32) string {
	return strings.Join([]string{itoa(c >> 16), itoa(c & 0xffff)}, ":")
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func extText(c bgp.ExtendedCommunityInterface) string {
	_, sub := c.GetTypes()
	if sub == bgp.EC_SUBTYPE_ROUTE_ORIGIN {
		return "soo:" + c.String()
	}
	return c.String()
}

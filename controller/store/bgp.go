package store

import (
	"fmt"
	"net/netip"
	"time"
)

// SiteBGP is a site's BGP speaker towards its routers, as the controller
// keeps and pushes it (edge/config's bgp section). Passwords are TCP MD5
// keys (RFC 2385): they are stored, and sent to the site's edge only.
type SiteBGP struct {
	LocalAS   uint32        `json:"local_as"`
	RouterID  string        `json:"router_id,omitempty"`
	Neighbors []BGPNeighbor `json:"neighbors,omitempty"`
	// ListenPort: 0 is 179, -1 none.
	ListenPort int32 `json:"listen_port,omitempty"`
	// GracefulRestart: nil is the edge's default (on).
	GracefulRestart *bool `json:"graceful_restart,omitempty"`
	// Import and Export are the policies; nil: none.
	Import *BGPPolicy `json:"import,omitempty"`
	Export *BGPPolicy `json:"export,omitempty"`
	// OverlayAS administers the overlay's site-of-origin community; 0:
	// the edge's default.
	OverlayAS uint32 `json:"overlay_as,omitempty"`
	// ReadvertiseDelayMS is the first damping hold-down; nil: the edge's
	// default.
	ReadvertiseDelayMS *uint32 `json:"readvertise_delay_ms,omitempty"`
}

// BGPPolicy is edge/config's bgp.import or bgp.export, validated by the
// API layer.
type BGPPolicy struct {
	Prefixes          []BGPPrefixMatch `json:"prefixes,omitempty"`
	RejectASPaths     []string         `json:"reject_as_paths,omitempty"`
	RejectCommunities []string         `json:"reject_communities,omitempty"`
	AddCommunities    []string         `json:"add_communities,omitempty"`
}

// BGPPrefixMatch matches Prefix and, up to MaxLength, the longer prefixes
// inside it (0: the prefix only).
type BGPPrefixMatch struct {
	Prefix    string `json:"prefix"`
	MaxLength uint32 `json:"max_length,omitempty"`
}

// BGPNeighbor is one router of a site.
type BGPNeighbor struct {
	Address  string `json:"address"`
	RemoteAS uint32 `json:"remote_as"`
	Password string `json:"password,omitempty"`
	BFD      bool   `json:"bfd,omitempty"`
	// MaxPrefixes: 0 is the edge's default.
	MaxPrefixes uint32 `json:"max_prefixes,omitempty"`
	// MaxPrefixesRestart is in seconds; 0 is the edge's default.
	MaxPrefixesRestart uint32 `json:"max_prefixes_restart,omitempty"`
}

// Validate checks what the store relies on; the edge validates the rest
// (edge/config) and the API layer names the fields for the operator.
func (b SiteBGP) Validate() error {
	if b.RouterID != "" {
		if a, err := netip.ParseAddr(b.RouterID); err != nil || !a.Is4() {
			return &Error{Kind: ErrInvalid, Entity: "bgp", Field: "router_id", Msg: fmt.Sprintf("%q is not an IPv4 address", b.RouterID)}
		}
	}
	if b.ListenPort < -1 || b.ListenPort > 65535 {
		return &Error{Kind: ErrInvalid, Entity: "bgp", Field: "listen_port", Msg: fmt.Sprintf("%d: must be 0..65535 or -1", b.ListenPort)}
	}
	seen := map[netip.Addr]bool{}
	for _, n := range b.Neighbors {
		a, err := netip.ParseAddr(n.Address)
		if err != nil || a.Zone() != "" {
			return &Error{Kind: ErrInvalid, Entity: "bgp", Field: "neighbors.address", Msg: fmt.Sprintf("%q is not an IP address", n.Address)}
		}
		if n.RemoteAS == 0 {
			return &Error{Kind: ErrInvalid, Entity: "bgp", Field: "neighbors.remote_as", Msg: "must be 1..4294967295"}
		}
		if seen[a] {
			return &Error{Kind: ErrConflict, Entity: "bgp", Field: "neighbors.address", Msg: fmt.Sprintf("neighbour %s is given twice", a)}
		}
		seen[a] = true
	}
	return nil
}

// BGPStatus is a site's speaker as its edge last reported it
// (Telemetry.bgp_status).
type BGPStatus struct {
	At        time.Time           `json:"at"`
	LocalAS   uint32              `json:"local_as"`
	RouterID  string              `json:"router_id,omitempty"`
	Neighbors []BGPNeighborStatus `json:"neighbors"`
}

// BGPNeighborStatus is one neighbour's session as the edge reported it.
type BGPNeighborStatus struct {
	Address  string `json:"address"`
	RemoteAS uint32 `json:"remote_as"`
	// State is BGP's name of the session state, lower case.
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	Received    uint64 `json:"received"`
	Accepted    uint64 `json:"accepted"`
	Advertised  uint64 `json:"advertised"`
	BFDState    string `json:"bfd_state,omitempty"`
	MaxPrefixes uint32 `json:"max_prefixes,omitempty"`
}

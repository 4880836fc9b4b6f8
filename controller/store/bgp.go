package store

import (
	"fmt"
	"net/netip"
)

// SiteBGP is a site's BGP speaker towards its routers, as the controller
// keeps and pushes it (edge/config's bgp section). Passwords are TCP MD5
// keys (RFC 2385): they are stored, and sent to the site's edge only.
type SiteBGP struct {
	LocalAS   uint32        `json:"local_as"`
	RouterID  string        `json:"router_id,omitempty"`
	Neighbors []BGPNeighbor `json:"neighbors,omitempty"`
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

package dataplane

import (
	"net/netip"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/wgbind"
)

// The data plane's boundaries, injected (Deps), so that it runs on the
// kernel (Start: edge/overlay, edge/wgbind) or in memory
// (edge/dataplane/dptest) alike. They are batch-shaped and small, like
// wireguard-go's tun.Device and conn.Bind, which they are built on.

// Link is one WAN link's socket, shared by the paths over it
// (edge/wgbind.Link).
type Link interface {
	// Bind registers the path to remote over the link and returns the
	// conn.Bind of its WireGuard device. One path per remote endpoint.
	Bind(remote netip.AddrPort) (conn.Bind, error)
	// Release unregisters a path's Bind; what its remote sends is then
	// dropped.
	Release(conn.Bind)
	// Port is the link's UDP port.
	Port() uint16
	// Counters are the link's counters, by name, for Status.
	Counters() map[string]uint64
	// Close closes the socket: every Bind's receive functions return.
	Close() error
}

// RelayLink is a Link that can give a path a second way, through a relay
// (edge/wgbind.Link.RelayedPath); on a Link without it every path is
// direct. remote is invalid when the peer's link has no endpoint.
type RelayLink interface {
	BindRelayed(remote netip.AddrPort, r wgbind.Relay) (conn.Bind, error)
}

// MTUSetter is an overlay whose MTU can change while it runs
// (edge/overlay.Interface: netlink). Reconfigure looks for it on
// Deps.Routes; without it an overlay.mtu change is refused.
type MTUSetter interface {
	SetMTU(mtu int) error
}

// RouteProgrammer routes peer prefixes into the overlay interface
// (edge/overlay.Interface).
type RouteProgrammer interface {
	// AddRoutes routes pfxs into the overlay; a route that exists is
	// replaced.
	AddRoutes(pfxs []netip.Prefix) error
	// DelRoutes removes routes; a route already gone is no error.
	DelRoutes(pfxs []netip.Prefix) error
}

// Deps are what a data plane is built on. It owns them from New on:
// Close closes the TUN and the links.
type Deps struct {
	// TUN is the overlay interface's device: packets from the LAN are
	// read from it, packets from the peers written to it.
	TUN tun.Device
	// Links are the WAN links' sockets, one per configured link, in
	// configuration order.
	Links []Link
	// Routes programs the overlay's routes.
	Routes RouteProgrammer
	// OpenLink opens the socket of a link added while the data plane
	// runs (Reconfigure); the data plane owns it from then on. nil: a new
	// link is refused.
	OpenLink func(config.ValidLink) (Link, error)
}

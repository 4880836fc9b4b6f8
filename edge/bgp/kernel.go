package bgp

import (
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// RouteProtocol marks the kernel routes the speaker installs (RTPROT_BGP,
// as FRR's zebra and BIRD mark theirs), so that it finds and removes its
// own and no other.
const RouteProtocol = unix.RTPROT_BGP

// kernelRoutes keeps the main routing table's routes to the learned
// prefixes pointing at the routers that announce them: packets from the
// overlay to a learned prefix leave the edge towards its router. Used by
// the learner's goroutine only.
type kernelRoutes struct {
	installed map[netip.Prefix]netip.Addr
}

// sync installs want (prefix → next hop) and removes what is no longer
// wanted; it returns the first error and carries on.
func (k *kernelRoutes) sync(want map[netip.Prefix]netip.Addr) error {
	if k.installed == nil {
		k.installed = map[netip.Prefix]netip.Addr{}
	}
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	for p, nh := range k.installed {
		if w, ok := want[p]; !ok || w != nh {
			if err := netlink.RouteDel(kernelRoute(p, nh)); err != nil && ok {
				keep(err)
			}
			delete(k.installed, p)
		}
	}
	for p, nh := range want {
		if _, ok := k.installed[p]; ok {
			continue
		}
		if err := netlink.RouteReplace(kernelRoute(p, nh)); err != nil {
			keep(err)
			continue
		}
		k.installed[p] = nh
	}
	return first
}

func kernelRoute(p netip.Prefix, nh netip.Addr) *netlink.Route {
	return &netlink.Route{Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())},
		Gw: nh.AsSlice(), Protocol: RouteProtocol}
}

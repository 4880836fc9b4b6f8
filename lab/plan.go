// Package lab builds a whole SD-WAN on one machine: N sites with M WAN
// links each, in network namespaces, with a real `patronus edge` per site,
// a LAN host behind every edge, and an underlay between the sites' links
// where each link can be impaired on its own (down, loss, delay, jitter,
// rate).
//
// The layout of a lab named NAME:
//
//	pl-NAME-hostS ──lan── pl-NAME-siteS ══ link L ══╗
//	 (LAN host)            (patronus edge)          ║  pl-NAME-wan
//	                                                ║  (underlay router)
//	pl-NAME-hostT ──lan── pl-NAME-siteT ══ link L ══╝
//
// Each link is a wire of its own inside the wan namespace: the edge's
// interface, a veth into the wan namespace (sSlLe), a kernel bridge to a
// second veth pair (sSlLr ↔ sSlLg) whose far end sSlLg holds the link's
// gateway address and is routed. Impairments live on that wire: loss and
// down in an nftables table of the wan namespace (both directions, on
// sSlLg), rate in tbf qdiscs on sSlLe and sSlLr (one per direction),
// delay and jitter in the lab's userspace WAN emulator (lab/wanem),
// which takes the bridge's place between sSlLe and sSlLr while it runs.
//
// Everything a lab creates lives in its namespaces, so deleting them
// removes every link, qdisc and nftables table; what runs in them is
// killed first. The state directory (/run/patronus/lab/NAME) keeps keys,
// configurations, logs, sockets and state.json; Down works from the
// namespace names alone when state is lost.
package lab

import (
	"fmt"
	"net/netip"
	"regexp"
)

// Limits of the address plan.
const (
	MaxSites = 64
	MaxLinks = 8
	// ListenPort is the WireGuard port of every WAN link (each link has
	// an address of its own).
	ListenPort = 51820
	// OverlayMTU leaves room for WireGuard over IPv6 (80 bytes) on a
	// 1500-byte underlay.
	OverlayMTU = 1420
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,9}$`)

// CheckName refuses lab names that would not make clear namespace names.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("--name %q: want a lower-case letter then up to 9 letters or digits", name)
	}
	return nil
}

// linkNames are the first links' names (and colours): the usual three
// transports of a branch office.
var linkNames = []string{"inet", "lte", "mpls"}

// LinkName is the name and colour of link l (1-based) of every site.
func LinkName(l int) string {
	if l <= len(linkNames) {
		return linkNames[l-1]
	}
	return fmt.Sprintf("wan%d", l)
}

// linkCost orders links: inet (10) before lte (20) before mpls (30)...
func linkCost(l int) int { return 10 * l }

// Namespace names of a lab.
func nsSite(lab string, s int) string { return fmt.Sprintf("pl-%s-site%d", lab, s) }
func nsHost(lab string, s int) string { return fmt.Sprintf("pl-%s-host%d", lab, s) }
func nsWAN(lab string) string         { return fmt.Sprintf("pl-%s-wan", lab) }

// nsPattern matches the namespaces of lab name and nothing else.
func nsPattern(lab string) *regexp.Regexp {
	return regexp.MustCompile(`^pl-` + regexp.QuoteMeta(lab) + `-(site[0-9]+|host[0-9]+|wan|ctl|nat[0-9]+-[0-9]+)$`)
}

// Interface names in the wan namespace for link l of site s.
func ifEdgeSide(s, l int) string   { return fmt.Sprintf("s%dl%de", s, l) }
func ifRouterSide(s, l int) string { return fmt.Sprintf("s%dl%dr", s, l) }
func ifGateway(s, l int) string    { return fmt.Sprintf("s%dl%dg", s, l) }
func ifBridge(s, l int) string     { return fmt.Sprintf("s%dl%db", s, l) }

// The address plan. Group digits in IPv6 addresses are the decimal
// numbers written as they are (fd10:0:12:: is site 12), for people.

// LANv4 is site s's LAN: 10.S.0.0/24, the edge .1, the host .2.
func LANv4(s int) netip.Prefix { return netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/24", s)) }

// LANv6 is site s's LAN: fd10:0:S::/64, the edge ::1, the host ::2.
func LANv6(s int) netip.Prefix { return netip.MustParsePrefix(fmt.Sprintf("fd10:0:%d::/64", s)) }

func lanAddr(p netip.Prefix, host byte) netip.Addr {
	a := p.Addr().AsSlice()
	a[len(a)-1] = host
	addr, _ := netip.AddrFromSlice(a)
	return addr
}

// HostV4 and HostV6 are the LAN host's addresses.
func HostV4(s int) netip.Addr { return lanAddr(LANv4(s), 2) }
func HostV6(s int) netip.Addr { return lanAddr(LANv6(s), 2) }

// WANv4 is link l of site s: 172.(15+L).S.0/24, the gateway .1, the edge .2.
func WANv4(s, l int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("172.%d.%d.0/24", 15+l, s))
}

// WANv6 is link l of site s: fd20:L:S::/64, the gateway ::1, the edge ::2.
func WANv6(s, l int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("fd20:%d:%d::/64", l, s))
}

// The underlay's aggregates, routed by every edge through each link.
var (
	wanAggV4 = netip.MustParsePrefix("172.16.0.0/12")
	wanAggV6 = netip.MustParsePrefix("fd20::/16")
)

package lab

// NAT on lab links (--nat SITE:LINK=cone|symmetric, docs/NAT.md): the
// link reaches the underlay through a NAT router of its own, a namespace
// pl-NAME-natS-L between the edge and the link's wire:
//
//	edge ns: <link> 100.(64+L).S.2 ══veth══ "in" 100.(64+L).S.1  NAT ns  "out" 172.(15+L).S.2 ══veth══ sSlLe (wan, as any link)
//
// The edge's side is private (RFC 6598 shared address space, as behind a
// carrier-grade NAT); the NAT's outside holds the address the link would
// have had without NAT, so the underlay does not change. The link has no
// public endpoint: the controller is given it without one, and peers
// learn its observed one (STUN) and punch. One router per link, because
// two NATs in one namespace cannot carry traffic between each other's
// public addresses (both would be local to it).
//
// What each kind is, in RFC 4787 terms:
//
//   - cone: the link's WireGuard port (UDP 51820) is mapped to one public
//     port for every destination (endpoint-independent mapping): the port
//     itself (51820) at first, 40000+N after the Nth rebind. Filtering is
//     conntrack's, address-and-port-dependent: a packet gets in only as
//     the reply to one the link sent to that address and port (a "port
//     restricted cone"). nftables cannot filter endpoint-independently
//     without a static port forward, which would no longer be a NAT that
//     peers have to learn. The rest of the link's traffic (the control
//     channel's TCP) is masqueraded.
//   - symmetric: every new flow gets a random public port (snat ...
//     random): address-and-port-dependent mapping and filtering. A peer
//     cannot learn the port a flow to it will get: such a link needs a
//     relay.
//
// A rebind (lab impair --rebind SITE:LINK) empties the NAT's conntrack
// table and, for cone, moves its public port: the next packet of every
// flow gets a new mapping, as when a NAT reboots.

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NAT kinds of --nat.
const (
	NATCone      = "cone"
	NATSymmetric = "symmetric"
)

// NATSpec is one --nat SITE:LINK=KIND.
type NATSpec struct {
	Site, Link, Kind string
}

// ParseNAT reads SITE:LINK=KIND (site1:lte=cone).
func ParseNAT(s string) (NATSpec, error) {
	sl, kind, ok := strings.Cut(s, "=")
	site, link, ok2 := strings.Cut(sl, ":")
	if !ok || !ok2 || site == "" || link == "" {
		return NATSpec{}, fmt.Errorf("--nat %q: want SITE:LINK=cone|symmetric (e.g. site1:lte=cone)", s)
	}
	if kind != NATCone && kind != NATSymmetric {
		return NATSpec{}, fmt.Errorf("--nat %q: kind %q: want cone or symmetric", s, kind)
	}
	return NATSpec{Site: site, Link: link, Kind: kind}, nil
}

// hasNAT reports whether a link of the lab is behind NAT.
func (st *State) hasNAT() bool {
	for _, s := range st.Sites {
		for _, l := range s.Links {
			if l.NAT != "" {
				return true
			}
		}
	}
	return false
}

// natTable is the lab's NAT table in the wan namespace.
const natTable = "patronus_lab_nat"

// checkNAT checks --nat against the lab's options.
func (o *Options) checkNAT() error {
	if o.NATTimeout != 0 && (len(o.NAT) == 0 || o.NATTimeout < time.Second || o.NATTimeout%time.Second != 0) {
		return fmt.Errorf("--nat-timeout %v: want whole seconds, 1s or more, with --nat", o.NATTimeout)
	}
	seen := map[string]bool{}
	for _, n := range o.NAT {
		if o.Static {
			return fmt.Errorf("--nat %s:%s: needs the controller (not --static): peers learn the link's endpoint from it", n.Site, n.Link)
		}
		if o.WAN != "ipv4" {
			return fmt.Errorf("--nat %s:%s: needs --wan ipv4 (the lab's NAT is IPv4)", n.Site, n.Link)
		}
		key := n.Site + ":" + n.Link
		if seen[key] {
			return fmt.Errorf("--nat %s: given twice", key)
		}
		seen[key] = true
	}
	return nil
}

// natRebindPortBase is a cone link's public port after its first rebind
// (+1 per rebind).
const natRebindPortBase = 40000

// nsNAT is the NAT router of link l of site s.
func nsNAT(lab string, s, l int) string { return fmt.Sprintf("pl-%s-nat%d-%d", lab, s, l) }

// natInside is the private subnet between a NAT'd link and its NAT:
// 100.(64+L).S.0/24, the NAT .1, the edge .2.
func natInside(s, l int) netip.Prefix {
	return netip.MustParsePrefix(fmt.Sprintf("100.%d.%d.0/24", 64+l, s))
}

// planNAT puts links behind NAT: a private address, no endpoint, no
// IPv6, a NAT namespace.
func (st *State) planNAT(specs []NATSpec, timeout time.Duration) error {
	for _, n := range specs {
		s, err := st.site(n.Site)
		if err != nil {
			return fmt.Errorf("--nat: %w", err)
		}
		i, l, err := s.link(n.Link)
		if err != nil {
			return fmt.Errorf("--nat: %w", err)
		}
		l.NAT, l.NATAddress, l.NATTimeout = n.Kind, l.IPv4, int(timeout/time.Second)
		l.IPv4, l.IPv6, l.Endpoint = lanAddr(natInside(s.ID, i), 2).String(), "", ""
		st.Namespace = append(st.Namespace, nsNAT(st.Name, s.ID, i))
	}
	return nil
}

// natRuleset is the nft script of a NAT router.
func natRuleset(l Link) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %s\ndelete table ip %s\ntable ip %s {\n", natTable, natTable, natTable)
	if l.NATTimeout > 0 {
		// The idle timeout of every UDP flow through the NAT (--nat-timeout),
		// attached to a flow's conntrack entry while it is new: after
		// conntrack (priority filter), before it is confirmed.
		fmt.Fprintf(&b, "  ct timeout udp_idle {\n    protocol udp; l3proto ip;\n    policy = { unreplied: %d, replied: %d }\n  }\n", l.NATTimeout, l.NATTimeout)
		b.WriteString("  chain udp_idle_set {\n    type filter hook prerouting priority filter; policy accept;\n")
		b.WriteString("    iifname \"in\" meta l4proto udp ct timeout set \"udp_idle\"\n  }\n")
	}
	b.WriteString("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n")
	switch l.NAT {
	case NATCone:
		to := l.NATAddress
		if l.NATGeneration > 0 {
			to = fmt.Sprintf("%s:%d", l.NATAddress, natRebindPortBase+l.NATGeneration)
		}
		fmt.Fprintf(&b, "    oifname \"out\" udp sport %d counter snat to %s\n", ListenPort, to)
		fmt.Fprintf(&b, "    oifname \"out\" counter snat to %s\n", l.NATAddress)
	case NATSymmetric:
		fmt.Fprintf(&b, "    oifname \"out\" counter snat to %s random\n", l.NATAddress)
	}
	// Unsolicited packets are dropped before conntrack keeps them: an
	// entry for a peer's punch that came first would take the public port
	// the link's own packets to that peer need, and the NAT would give
	// those another (conntrack's clash resolution), breaking the mapping.
	b.WriteString("  }\n  chain prerouting {\n    type filter hook prerouting priority mangle; policy accept;\n")
	b.WriteString("    iifname \"out\" ct state new counter drop comment \"no public endpoint\"\n  }\n}\n")
	return b.String()
}

// siteNATCmds are the edge side's commands of a link behind NAT (the
// veth into the NAT namespace, the private address, the underlay's route
// through the NAT).
func (st *State) siteNATCmds(s Site, n int, l Link) []string {
	gw := lanAddr(natInside(s.ID, n), 1)
	return []string{
		fmt.Sprintf("link add %s type veth peer name in netns %s", l.Name, nsNAT(st.Name, s.ID, n)),
		"link set " + l.Name + " up",
		"addr add " + l.IPv4 + "/24 dev " + l.Name,
		fmt.Sprintf("route add %s via %s dev %s metric %d", wanAggV4, gw, l.Name, l.Cost),
	}
}

// buildNATRouter makes link n's NAT router once the edge's side exists:
// its outside on the link's wire (sSlLe, bridged in the wan namespace by
// build), its addresses, route and rules.
func (st *State) buildNATRouter(s Site, n int, l Link) error {
	ns := nsNAT(st.Name, s.ID, n)
	gw := lanAddr(WANv4(s.ID, n), 1)
	if err := ipBatch(ns, []string{"link set lo up", "link set in up",
		"addr add " + lanAddr(natInside(s.ID, n), 1).String() + "/24 dev in",
		fmt.Sprintf("link add out type veth peer name %s netns %s", ifEdgeSide(s.ID, n), nsWAN(st.Name)),
		"link set out up", "addr add " + l.NATAddress + "/24 dev out",
		"route add default via " + gw.String(),
	}); err != nil {
		return fmt.Errorf("nat router of %s %s: %w", s.Name, l.Name, err)
	}
	return st.applyNAT(s, n, l)
}

// applyNAT replaces a NAT router's table, atomically.
func (st *State) applyNAT(s Site, n int, l Link) error {
	if _, err := output([]byte(natRuleset(l)), "ip", "netns", "exec", nsNAT(st.Name, s.ID, n), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("nat rules of %s %s: %w", s.Name, l.Name, err)
	}
	return nil
}

// Rebind makes the NAT of one link forget its mappings (and, for cone,
// move its public port): the next packet of every flow gets a new one.
func Rebind(root, name, site, link string) (string, *Link, error) {
	st, err := Load(root, name)
	if err != nil {
		return "", nil, err
	}
	s, err := st.site(site)
	if err != nil {
		return "", nil, err
	}
	n, l, err := s.link(link)
	if err != nil {
		return "", nil, err
	}
	if l.NAT == "" {
		return "", nil, fmt.Errorf("--rebind %s:%s: the link is not behind NAT (lab up --nat)", s.Name, l.Name)
	}
	l.NATGeneration++
	if err := st.applyNAT(*s, n, *l); err != nil {
		return "", nil, err
	}
	if err := flushConntrack(nsNAT(st.Name, s.ID, n)); err != nil {
		return "", nil, err
	}
	return s.Name, l, st.save()
}

// flushConntrack empties a namespace's conntrack table.
func flushConntrack(nsName string) error {
	ns, err := netns.GetFromName(nsName)
	if err != nil {
		return fmt.Errorf("rebind: %w", err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("rebind: %w", err)
	}
	defer h.Close()
	if err := h.ConntrackTableFlush(netlink.ConntrackTable); err != nil {
		return fmt.Errorf("rebind: flushing conntrack: %w", err)
	}
	return nil
}

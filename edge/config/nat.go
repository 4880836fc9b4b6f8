package config

import (
	"net/netip"
	"time"
)

// NATTraversal is endpoint discovery (edge/natdisc, docs/NAT.md): the
// STUN responder each link asks for its public endpoint and NAT kind.
type NATTraversal struct {
	// STUNServer is "ADDRESS:PORT"; empty: no discovery.
	STUNServer string `yaml:"stun_server"`
	// Refresh is how often a link's mapping is asked again (a Go
	// duration, 1s or more); empty: DefaultNATRefresh.
	Refresh string `yaml:"refresh"`
}

// DefaultNATRefresh is how often a link's mapping is asked again. Far
// below the UDP mapping timeouts of NATs (RFC 4787 REQ-5: at least 2
// minutes; Linux conntrack's 30 s for a flow seen one way, 120 s once
// answered), so the mapping towards the responder stays, and a NAT that
// rebinds without a path noticing is seen within it.
const DefaultNATRefresh = 15 * time.Second

// ValidNAT is a validated NATTraversal.
type ValidNAT struct {
	STUNServer netip.AddrPort // invalid: no discovery
	Refresh    time.Duration
}

func checkNAT(e *errs, n NATTraversal) ValidNAT {
	v := ValidNAT{Refresh: DefaultNATRefresh}
	if n.STUNServer != "" {
		ap, err := netip.ParseAddrPort(n.STUNServer)
		if err != nil || ap.Port() == 0 {
			e.add("nat_traversal.stun_server", "%q is not ADDRESS:PORT", n.STUNServer)
		}
		v.STUNServer = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if n.Refresh != "" {
		d, err := time.ParseDuration(n.Refresh)
		if err != nil || d < time.Second {
			e.add("nat_traversal.refresh", "%q is not a duration of 1s or more", n.Refresh)
		}
		v.Refresh = d
	}
	return v
}

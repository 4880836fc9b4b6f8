// Package natdisc learns, for one WAN link's WireGuard socket, the public
// address and port the outside sees (its NAT mapping) and how the NAT
// behind it maps and filters, in RFC 4787's terms, by RFC 5780's tests
// against a STUN responder with a second port (and, where it has one, a
// second address): internal/stun's, served by the controller.
//
// The exchange runs on the link's own socket (edge/wgbind demultiplexes
// STUN from WireGuard), because the UDP mapping WireGuard's packets get is
// the one that matters; the control channel's TCP mapping says nothing
// about it.
package natdisc

// Behaviour is a NAT's mapping or filtering behaviour (RFC 4787 §4.1,
// §5): on what the mapping of an internal endpoint, or the letting in of
// an external one, depends.
type Behaviour uint8

const (
	// Unknown: not measured, or the responder could not tell (no
	// OTHER-ADDRESS).
	Unknown Behaviour = iota
	// NoNAT: the link's address is public: the mapped endpoint is the
	// socket's own.
	NoNAT
	// EndpointIndependent: one mapping (or filter) for every remote.
	EndpointIndependent
	// AddressDependent: a mapping (filter) per remote address.
	AddressDependent
	// AddressAndPortDependent: a mapping (filter) per remote address and
	// port; as a mapping, the "symmetric NAT" of RFC 3489.
	AddressAndPortDependent
)

var behaviourNames = [...]string{"unknown", "none", "endpoint-independent", "address-dependent", "address-and-port-dependent"}

// String is the name used in configuration, status and the API.
func (b Behaviour) String() string {
	if int(b) < len(behaviourNames) {
		return behaviourNames[b]
	}
	return "unknown"
}

// ParseBehaviour is String's inverse; anything else is Unknown, false.
func ParseBehaviour(s string) (Behaviour, bool) {
	for i, n := range behaviourNames {
		if n == s {
			return Behaviour(i), true
		}
	}
	return Unknown, false
}

// NATKind is what a link's NAT does.
type NATKind struct {
	Mapping   Behaviour
	Filtering Behaviour
}

// Behind reports whether the link is behind a NAT (or its kind is not
// known, which is treated alike).
func (k NATKind) Behind() bool { return k.Mapping != NoNAT }

// Punchable reports whether a peer can reach the link at its observed
// endpoint, directly or by hole punching: the mapping is the same for
// every remote (or there is no NAT). An address(-and-port)-dependent
// mapping gives the peer a port it cannot learn: such a link needs a
// relay unless the other end is public.
func (k NATKind) Punchable() bool {
	return k.Mapping == NoNAT || k.Mapping == EndpointIndependent
}

// String is "MAPPING/FILTERING".
func (k NATKind) String() string { return k.Mapping.String() + "/" + k.Filtering.String() }

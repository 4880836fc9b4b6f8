package config

import (
	"encoding/base64"
	"fmt"
	"net/netip"

	"github.com/patronus-sdwan/patronus/relay/wire"
)

// Relay is the relay section: the relay that carries the paths whose
// direct way does not open (docs/NAT.md, Relay).
type Relay struct {
	Endpoint string `yaml:"endpoint"`
}

// RelayAllocation is this edge's side of the relay session of the path
// from its link LocalLink to the peer link that holds it (relay/wire).
// The controller issues it; in a file, the relay's operator does.
type RelayAllocation struct {
	LocalLink string `yaml:"local_link"`
	Session   uint64 `yaml:"session"`
	Side      int    `yaml:"side"`
	// Token is base64 of 32 bytes, a secret.
	Token string `yaml:"token"`
	// StartRelayed: the direct way is known not to open; the path
	// starts relayed (it still probes the direct way).
	StartRelayed bool `yaml:"start_relayed"`
}

// ValidRelay is a validated relay allocation of one path.
type ValidRelay struct {
	Session      uint64
	Side         uint8
	Token        [wire.TokenLen]byte `json:"-"`
	StartRelayed bool
}

// checkRelay validates the relay section and every peer link's
// allocations, which name local links. A peer link may leave its
// endpoint out only when it has allocations (checkPeerLinks).
func checkRelay(e *errs, c *Config, v *Valid) {
	if c.Relay.Endpoint != "" {
		ap, err := netip.ParseAddrPort(c.Relay.Endpoint)
		if err != nil || ap.Port() == 0 {
			e.add("relay.endpoint", "%q is not ADDRESS:PORT (e.g. 198.51.100.1:3478)", c.Relay.Endpoint)
		} else {
			v.Relay = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	local := map[string]bool{}
	for _, l := range c.Links {
		local[l.Name] = true
	}
	for i, p := range c.Peers {
		for j, l := range p.Links {
			at := fmt.Sprintf("peers[%d].links[%d].relay", i, j)
			if len(l.Relay) > 0 && c.Relay.Endpoint == "" {
				e.add(at, "relay allocations need relay.endpoint")
			}
			allocs := checkAllocations(e, at, l.Relay, local)
			if i < len(v.Peers) && j < len(v.Peers[i].Links) {
				v.Peers[i].Links[j].Relay = allocs
			}
		}
	}
	checkRelayMTU(e, c, v)
}

// RelayIPv6MaxMTU is the largest overlay MTU whose relayed datagrams fit
// a 1,500-byte path to a relay reached over IPv6: 40 bytes of IPv6, 8 of
// UDP, 32 of WireGuard and the relay's Data header (12) around each
// packet. Over IPv4 the default (1420) fits: 20 + 8 + 32 + 12 = 72 ≤ 80.
const RelayIPv6MaxMTU = 1500 - 40 - 8 - 32 - wire.DataHeaderLen

// checkRelayMTU fits the overlay MTU to a relay reached over IPv6: an
// overlay.mtu left out becomes RelayIPv6MaxMTU, a larger one set is
// refused. overlay.mtu must have been checked (v.Overlay).
func checkRelayMTU(e *errs, c *Config, v *Valid) {
	if !v.Relay.IsValid() || !v.Relay.Addr().Is6() {
		return
	}
	switch {
	case c.Overlay.MTU == 0:
		v.Overlay.MTU = RelayIPv6MaxMTU
	case c.Overlay.MTU > RelayIPv6MaxMTU:
		e.add("overlay.mtu", "%d is too large for a relay reached over IPv6 (relay.endpoint %s): relayed datagrams would exceed 1,500 bytes (IPv6 40 + UDP 8 + WireGuard 32 + relay header %d); at most %d, or leave it out",
			c.Overlay.MTU, v.Relay, wire.DataHeaderLen, RelayIPv6MaxMTU)
	}
}

// checkAllocations validates one peer link's allocations, by local link.
func checkAllocations(e *errs, at string, in []RelayAllocation, local map[string]bool) map[string]ValidRelay {
	if len(in) == 0 {
		return nil
	}
	out := map[string]ValidRelay{}
	for k, a := range in {
		p := fmt.Sprintf("%s[%d]", at, k)
		if !local[a.LocalLink] {
			e.add(p+".local_link", "%q is not one of this site's links", a.LocalLink)
		} else if _, dup := out[a.LocalLink]; dup {
			e.add(p+".local_link", "%q has a second allocation", a.LocalLink)
		}
		if a.Side != 0 && a.Side != 1 {
			e.add(p+".side", "%d: must be 0 or 1", a.Side)
		}
		tok, err := base64.StdEncoding.DecodeString(a.Token)
		if err != nil || len(tok) != wire.TokenLen {
			e.add(p+".token", "must be base64 of %d bytes", wire.TokenLen) // the value is a secret: not repeated
		}
		vr := ValidRelay{Session: a.Session, Side: uint8(a.Side), StartRelayed: a.StartRelayed}
		copy(vr.Token[:], tok)
		out[a.LocalLink] = vr
	}
	return out
}

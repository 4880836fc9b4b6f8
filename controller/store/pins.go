package store

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
)

// PinMatch selects the packets a pin sends over its path: the shape of
// an edge's pin (edge/dataplane FlowSpec). Zero fields match anything;
// ports need protocol 6 (TCP) or 17 (UDP).
type PinMatch struct {
	Protocol         uint8        // IP protocol number; 0: any
	Src, Dst         netip.Prefix // without host bits; invalid (zero): any
	SrcPort, DstPort uint16       // 0: any
}

// PinSpec is what an operator says about a pin.
type PinSpec struct {
	// Site is the site whose edge applies the pin.
	Site  string
	Match PinMatch
	// Path is an edge path ID, "site/link->peer/link". Either end may be
	// written first; Site must be one of them, and the stored pin has it
	// first (the pinning edge's own ID of the path).
	Path string
	// ExpiresAt is when the pin stops; zero: never. It must be later
	// than the store's clock when the pin is set.
	ExpiresAt time.Time
	// CreatedBy names who set the pin (a user, API key or certificate).
	CreatedBy string
}

// Pin is a stored pin. Setting a pin with the same site and match again
// replaces it: it keeps its ID and gets the new path, expiry, author and
// time.
type Pin struct {
	ID      int64
	Network string
	PinSpec
	CreatedAt time.Time // when it was last set
}

// Active reports whether the pin is in force at now (not expired).
func (p Pin) Active(now time.Time) bool {
	return p.ExpiresAt.IsZero() || now.Before(p.ExpiresAt)
}

// PinPath is a parsed path ID: link Link of Site to link PeerLink of Peer.
type PinPath struct {
	Site, Link, Peer, PeerLink string
}

// String is the edge's path ID, "site/link->peer/link".
func (p PinPath) String() string { return p.Site + "/" + p.Link + "->" + p.Peer + "/" + p.PeerLink }

// Reverse is the same path seen from the other end.
func (p PinPath) Reverse() PinPath { return PinPath{p.Peer, p.PeerLink, p.Site, p.Link} }

// ParsePinPath parses and checks "site/link->peer/link": four valid
// names, two different sites.
func ParsePinPath(id string) (PinPath, error) {
	local, remote, ok := strings.Cut(id, "->")
	var p PinPath
	var ok1, ok2 bool
	p.Site, p.Link, ok1 = strings.Cut(local, "/")
	p.Peer, p.PeerLink, ok2 = strings.Cut(remote, "/")
	if !ok || !ok1 || !ok2 {
		return p, invalid("pin", "path", "%q is not SITE/LINK->SITE/LINK", id)
	}
	for _, n := range []string{p.Site, p.Link, p.Peer, p.PeerLink} {
		if ValidateName("pin", "path", n) != nil {
			return p, invalid("pin", "path", "%q is not SITE/LINK->SITE/LINK of site and link names", id)
		}
	}
	if p.Site == p.Peer {
		return p, invalid("pin", "path", "%q: both ends are site %q", id, p.Site)
	}
	return p, nil
}

// maxActorLen bounds PinSpec.CreatedBy.
const maxActorLen = 256

// Validate checks a pin match.
func (m PinMatch) Validate() error {
	if (m.SrcPort != 0 || m.DstPort != 0) && m.Protocol != 6 && m.Protocol != 17 {
		return invalid("pin", "match.protocol", "ports need protocol 6 (tcp) or 17 (udp), not %d", m.Protocol)
	}
	for _, f := range []struct {
		name string
		p    netip.Prefix
	}{{"match.src", m.Src}, {"match.dst", m.Dst}} {
		if f.p.IsValid() && f.p != f.p.Masked() {
			return invalid("pin", f.name, "%s has host bits set (use %s)", f.p, f.p.Masked())
		}
		if f.p.Addr().Zone() != "" {
			return invalid("pin", f.name, "%s has a zone", f.p)
		}
	}
	return nil
}

// Validate checks a pin spec against the time it is set, and returns
// its path with Site first. Whether the path's sites and links exist is
// the store's check.
func (s PinSpec) Validate(now time.Time) (PinPath, error) {
	if err := ValidateName("pin", "site", s.Site); err != nil {
		return PinPath{}, err
	}
	if err := s.Match.Validate(); err != nil {
		return PinPath{}, err
	}
	p, err := ParsePinPath(s.Path)
	if err != nil {
		return p, err
	}
	switch s.Site {
	case p.Site:
	case p.Peer:
		p = p.Reverse()
	default:
		return p, invalid("pin", "path", "%q does not end at site %q, the site that applies the pin", s.Path, s.Site)
	}
	if !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(now) {
		return p, invalid("pin", "expires_at", "%s is not in the future", s.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if s.CreatedBy == "" || len(s.CreatedBy) > maxActorLen || strings.IndexFunc(s.CreatedBy, unicode.IsControl) >= 0 {
		return p, invalid("pin", "created_by", "must be 1 to %d characters without control characters", maxActorLen)
	}
	return p, nil
}

// String shows a match for people: "tcp 10.1.0.0/24:0 -> 10.2.0.0/24:443"
// style, "any" for what is not given.
func (m PinMatch) String() string {
	proto := "any"
	switch m.Protocol {
	case 0:
	case 6:
		proto = "tcp"
	case 17:
		proto = "udp"
	default:
		proto = fmt.Sprint(m.Protocol)
	}
	end := func(p netip.Prefix, port uint16) string {
		s := "any"
		if p.IsValid() {
			s = p.String()
		}
		if port != 0 {
			s += fmt.Sprintf(" port %d", port)
		}
		return s
	}
	return fmt.Sprintf("%s from %s to %s", proto, end(m.Src, m.SrcPort), end(m.Dst, m.DstPort))
}

// Package route is the edge's forwarding table: longest-prefix match of a
// packet's destination to the site that serves it. A Table is built whole
// from a configuration and never changes after: the data plane puts it in
// its forwarding snapshot, so lookups take no lock and never see half a
// change.
package route

import (
	"fmt"
	"net/netip"

	"github.com/gaissmai/bart"
)

// Dest is what a prefix routes to.
type Dest struct {
	Site  uint16 // site ID
	Local bool   // this site's own LAN: deliver locally, never into a tunnel
}

// Route is one prefix and its destination.
type Route struct {
	Prefix netip.Prefix
	Dest   Dest
}

// Table is a set of routes; it does not change once built.
type Table struct {
	t *bart.Table[Dest]
}

// New returns an empty Table.
func New() *Table { return &Table{t: new(bart.Table[Dest])} }

// Build makes a Table of routes. A prefix given twice, or one with host
// bits set, is refused.
func Build(routes []Route) (*Table, error) {
	next := new(bart.Table[Dest])
	for _, r := range routes {
		if !r.Prefix.IsValid() || r.Prefix != r.Prefix.Masked() {
			return nil, fmt.Errorf("route: %v is not a canonical prefix", r.Prefix)
		}
		if d, dup := next.Get(r.Prefix); dup {
			return nil, fmt.Errorf("route: %v is routed to site %d and to site %d", r.Prefix, d.Site, r.Dest.Site)
		}
		next.Insert(r.Prefix, r.Dest)
	}
	return &Table{t: next}, nil
}

// Lookup returns the destination of the longest prefix containing ip.
// It takes no lock and does not allocate.
func (t *Table) Lookup(ip netip.Addr) (Dest, bool) { return t.t.Lookup(ip) }

// Len is the number of routes.
func (t *Table) Len() int { return t.t.Size() }

// Package route is the edge's forwarding table: longest-prefix match of a
// packet's destination to the site that serves it. A Table is built whole
// from a configuration and swapped in atomically, so lookups on the
// forwarding path take no lock and never see half a change.
package route

import (
	"fmt"
	"net/netip"
	"sync/atomic"

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

// Table holds the current set of routes.
type Table struct {
	cur atomic.Pointer[bart.Table[Dest]]
}

// New returns an empty Table.
func New() *Table {
	t := &Table{}
	t.cur.Store(new(bart.Table[Dest]))
	return t
}

// Replace makes routes the whole content of the table. A prefix given
// twice is refused and the table is left as it was.
func (t *Table) Replace(routes []Route) error {
	next := new(bart.Table[Dest])
	for _, r := range routes {
		if !r.Prefix.IsValid() || r.Prefix != r.Prefix.Masked() {
			return fmt.Errorf("route: %v is not a canonical prefix", r.Prefix)
		}
		if d, dup := next.Get(r.Prefix); dup {
			return fmt.Errorf("route: %v is routed to site %d and to site %d", r.Prefix, d.Site, r.Dest.Site)
		}
		next.Insert(r.Prefix, r.Dest)
	}
	t.cur.Store(next)
	return nil
}

// Lookup returns the destination of the longest prefix containing ip.
// It takes no lock and does not allocate.
func (t *Table) Lookup(ip netip.Addr) (Dest, bool) {
	return t.cur.Load().Lookup(ip)
}

// Len is the number of routes.
func (t *Table) Len() int { return t.cur.Load().Size() }

// Package bgp is the edge's BGP speaker towards the routers of its site:
// an embedded GoBGP server (github.com/osrg/gobgp/v4, no gobgpd process)
// configured from the edge configuration's bgp section (edge/config
// ValidBGP), whole state at a time.
//
// What it says to the routers: the prefixes of the other sites
// (SetSites), each with
//   - the site-of-origin extended community (RFC 4360, 4-octet-AS
//     specific, subtype 0x03) OverlayAS:SITE_ID, e.g. soo:64086.59904:2 for
//     site 2 under the default overlay AS 4200000000;
//   - a MED that reflects the health of the best path to the site:
//     MED = 100 − score of the best path, rounded down to a multiple of
//     10 (MEDStep), so 0 for a perfect path and 100 for a dead one; an
//     operator who gives an MPLS backup a MED of 50 makes the routers
//     prefer it once the overlay's best path scores under 50.
//
// A site whose every path is down is withdrawn at once: the data plane's
// path state change (the one that moves the flows) calls SetSites. When a
// path returns the prefixes come back after a hold-down that grows with
// the site's flapping (damper: ReadvertiseDelay doubled per recent
// withdrawal, the penalty halving every DampingHalfLife, at most
// MaxHoldDown).
//
// What it learns: the prefixes the routers announce that pass the import
// policy (Learned), to be distributed to the other sites. Loop rule: a
// route carrying any site-of-origin community of the overlay (OverlayAS)
// is refused at import, and a prefix that another site originates (one
// given to SetSites) is never reported as learned; the export policy
// sends the routers only the overlay's routes (those with the overlay's
// site-of-origin), so the edge is never a transit between two routers.
//
// BFD (RFC 5882): a neighbour with bfd on gets a single-hop BFD session
// (RFC 5881) of the project's engine (package bfd), 300 ms × 3; when the
// session goes Down after being Up the BGP session is taken down at once
// (GoBGP DisablePeer) and enabled again when BFD is back Up. GoBGP's own
// BFD stays off.
//
// Locking: Speaker.mu guards the configuration, the advertised routes
// and the damping state; it is never held across a call that waits for
// the network. GoBGP's calls are safe from any goroutine.
package bgp

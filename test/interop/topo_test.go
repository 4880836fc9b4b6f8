//go:build interop

package interop

import (
	"testing"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// Addresses of the test topologies, from 198.18.0.0/15 (RFC 2544) and fd00::/8.
const (
	addrA  = "198.18.0.1"
	addrB  = "198.18.0.2"
	addr6A = "fd00::1"
	addr6B = "fd00::2"

	// The multihop chain A — R — B.
	hopA  = "198.18.1.1"
	hopRA = "198.18.1.254"
	hopRB = "198.18.2.254"
	hopB  = "198.18.2.2"
)

// pair is two hosts on one link: A (198.18.0.1, fd00::1) and B (198.18.0.2,
// fd00::2).
type pair struct {
	a, b     *netns.NS
	ifA, ifB string
}

func newPair(t *testing.T) *pair {
	t.Helper()
	p := &pair{a: netns.New(t), b: netns.New(t)}
	p.ifA, p.ifB = netns.Connect(p.a, p.b)
	p.a.AddAddr(p.ifA, addrA+"/24")
	p.b.AddAddr(p.ifB, addrB+"/24")
	p.a.AddAddr(p.ifA, addr6A+"/64")
	p.b.AddAddr(p.ifB, addr6B+"/64")
	return p
}

// chain is A — R — B: A (198.18.1.1) and B (198.18.2.2) are two hops apart,
// R forwards between them.
type chain struct {
	a, r, b *netns.NS
}

func newChain(t *testing.T) *chain {
	t.Helper()
	c := &chain{a: netns.New(t), r: netns.New(t), b: netns.New(t)}
	ifA, ifRA := netns.Connect(c.a, c.r)
	ifRB, ifB := netns.Connect(c.r, c.b)
	c.a.AddAddr(ifA, hopA+"/24")
	c.r.AddAddr(ifRA, hopRA+"/24")
	c.r.AddAddr(ifRB, hopRB+"/24")
	c.b.AddAddr(ifB, hopB+"/24")
	c.r.EnableForwarding()
	c.a.AddRoute("198.18.2.0/24", hopRA)
	c.b.AddRoute("198.18.1.0/24", hopRB)
	return c
}

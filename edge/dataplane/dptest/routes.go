package dptest

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

// Routes records the routes a data plane programs.
type Routes struct {
	mu  sync.Mutex
	set map[netip.Prefix]bool
	mtu int
}

// SetMTU records the overlay MTU the data plane set
// (dataplane.MTUSetter).
func (r *Routes) SetMTU(mtu int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mtu = mtu
	return nil
}

// MTU is the MTU last set; 0: none.
func (r *Routes) MTU() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mtu
}

// AddRoutes records pfxs.
func (r *Routes) AddRoutes(pfxs []netip.Prefix) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set == nil {
		r.set = map[netip.Prefix]bool{}
	}
	for _, p := range pfxs {
		r.set[p] = true
	}
	return nil
}

// DelRoutes forgets pfxs.
func (r *Routes) DelRoutes(pfxs []netip.Prefix) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pfxs {
		delete(r.set, p)
	}
	return nil
}

// Prefixes returns the routes in force, sorted.
func (r *Routes) Prefixes() []netip.Prefix {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]netip.Prefix, 0, len(r.set))
	for p := range r.set {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out
}

var (
	_ dataplane.RouteProgrammer = (*Routes)(nil)
	_ dataplane.MTUSetter       = (*Routes)(nil)
)

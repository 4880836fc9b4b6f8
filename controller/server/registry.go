package server

import (
	"context"
	"math/big"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// siteEntry is what the server keeps in memory about a site: enough to
// decide a handshake and find the site's network.
type siteEntry struct {
	ID      int64
	NetID   int64
	Network string
	Name    string
	Revoked bool
}

// registry is the in-memory table of sites, refreshed from the store at
// every revision, and the WatchConfig streams to wake per network.
type registry struct {
	st  store.Store
	obs Observer

	mu    sync.RWMutex
	sites map[int64]siteEntry              // by site ID; mu
	nets  map[int64]string                 // network name by ID; mu
	subs  map[int64]map[chan struct{}]bool // streams by network ID; mu
}

func newRegistry(st store.Store, obs Observer) *registry {
	return &registry{st: st, obs: obs, sites: map[int64]siteEntry{}, nets: map[int64]string{}, subs: map[int64]map[chan struct{}]bool{}}
}

// loadAll reads every network and its sites.
func (r *registry) loadAll(ctx context.Context) error {
	nets, err := r.st.Networks(ctx)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if err := r.loadNetwork(ctx, n.ID, n.Name); err != nil {
			return err
		}
	}
	return nil
}

// refresh reloads the sites of one network (all networks when it is new).
func (r *registry) refresh(ctx context.Context, netID int64) error {
	r.mu.RLock()
	name, ok := r.nets[netID]
	r.mu.RUnlock()
	if !ok {
		return r.loadAll(ctx)
	}
	return r.loadNetwork(ctx, netID, name)
}

func (r *registry) loadNetwork(ctx context.Context, netID int64, name string) error {
	start := time.Now()
	sites, err := r.st.Sites(ctx, name)
	timed(r.obs, OpLoadSites, start, err)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nets[netID] = name
	for id, e := range r.sites {
		if e.NetID == netID {
			delete(r.sites, id)
		}
	}
	for _, st := range sites {
		r.sites[st.ID] = siteEntry{ID: st.ID, NetID: netID, Network: name, Name: st.Name, Revoked: st.State != store.Enrolled}
	}
	return nil
}

// networkName returns the name of a network by ID.
func (r *registry) networkName(netID int64) (string, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	name, ok := r.nets[netID]
	return name, ok
}

// site returns a site by ID; a site the table does not know yet (enrolled
// through another replica a moment ago) is looked up in the store.
func (r *registry) site(ctx context.Context, id int64) (siteEntry, bool) {
	r.mu.RLock()
	e, ok := r.sites[id]
	r.mu.RUnlock()
	if ok {
		return e, true
	}
	if err := r.loadAll(ctx); err != nil {
		return siteEntry{}, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok = r.sites[id]
	return e, ok
}

// revoked is the TLS handshake's revocation check: a revoked site and a
// site the store does not know are refused, and an operator certificate
// the store has revoked (by serial; one not recorded is not revoked).
func (r *registry) revoked(id pki.Identity, serial *big.Int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if id.Kind == pki.KindAdmin {
		return r.operatorRevoked(ctx, serial)
	}
	if id.Kind != pki.KindSite {
		return false
	}
	e, ok := r.site(ctx, id.SiteID)
	return !ok || e.Revoked || e.Name != id.SiteName
}

// operatorRevoked asks the store, every time: operators are few and their
// calls rare, and every replica then sees a revocation at once. A store
// that does not answer refuses the operator.
func (r *registry) operatorRevoked(ctx context.Context, serial *big.Int) bool {
	if serial == nil {
		return true
	}
	revoked, err := r.st.OperatorCertRevoked(ctx, serial.String())
	return err != nil || revoked
}

// lookupTimeout bounds the store lookup of a site the table does not know
// during a handshake; a store that does not answer refuses the site.
const lookupTimeout = 5 * time.Second

// subscribe returns a channel that receives a token at every revision of
// the network (coalesced), and its cancel function.
func (r *registry) subscribe(netID int64) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	r.mu.Lock()
	if r.subs[netID] == nil {
		r.subs[netID] = map[chan struct{}]bool{}
	}
	r.subs[netID][c] = true
	r.mu.Unlock()
	return c, func() {
		r.mu.Lock()
		delete(r.subs[netID], c)
		r.mu.Unlock()
	}
}

func (r *registry) wake(netID int64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for c := range r.subs[netID] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

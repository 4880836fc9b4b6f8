package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// SiteLister lists networks and sites (store.Store implements it).
type SiteLister interface {
	Networks(ctx context.Context) ([]store.Network, error)
	Sites(ctx context.Context, network string) ([]store.Site, error)
}

// Bounds of the fleet's state.
const (
	// PathStaleAfter: a path without a report for this long has no series
	// (edges report every second).
	PathStaleAfter = 2 * time.Minute
	// MaxPaths bounds the paths remembered (each end's report of a path
	// counts once); reports of further paths are ignored until stale ones
	// are dropped.
	MaxPaths = 1 << 16
	// listTimeout bounds the store reads of one scrape.
	listTimeout = 5 * time.Second
	// busBuffer is the fleet's subscription buffer: a second of 1,000
	// edges' path reports.
	busBuffer = 8192
	// failoverReason is the reason of a steering decision that moved flows
	// off a path that went down (edge/dataplane counts the same).
	failoverReason = "path down"
)

// Fleet remembers, from the live event bus, whether each site has a
// control stream open (online), the certificate it presented, and the
// newest report of every path from each of its ends, with the failovers
// off it counted since the controller started. Its Collect emits them.
//
// Locking: mu guards sites and paths; Collect copies under mu and emits
// after.
type Fleet struct {
	sites SiteLister
	certs func() []Certificate
	now   func() time.Time
	log   *slog.Logger
	// storeCall reports the store reads of a scrape (Metrics.StoreCall).
	storeCall func(op string, d time.Duration, err error)

	mu    sync.Mutex
	site  map[siteKey]*siteState // mu
	paths map[pathKey]*pathState // mu
	full  bool                   // MaxPaths reached and logged; mu
}

type siteKey struct{ network, site string }

type siteState struct {
	online   bool
	notAfter time.Time // of the certificate its last stream presented; zero: none
}

// pathKey is a path as one end reports it: network, reporting site,
// directional path ID ("a/inet->b/lte").
type pathKey struct{ network, site, id string }

type pathState struct {
	report    events.PathChange
	at        time.Time // of the newest report
	failovers uint64
}

func newFleet(cfg Config) *Fleet {
	return &Fleet{sites: cfg.Sites, certs: cfg.Certificates, now: cfg.Now, log: cfg.Logger,
		site: map[siteKey]*siteState{}, paths: map[pathKey]*pathState{}}
}

// Run feeds f from bus until ctx ends or the bus closes, subscribing
// again when the bus ends the subscription for falling behind.
func (f *Fleet) Run(ctx context.Context, bus *events.Bus) {
	kinds := events.Filter{Kinds: []events.Kind{events.KindPath, events.KindSite, events.KindSteering}}
	for ctx.Err() == nil {
		sub := bus.Subscribe(ctx, kinds, busBuffer)
		for e := range sub.C {
			f.Observe(e)
		}
		if errors.Is(sub.Err(), events.ErrClosed) {
			return
		}
		if ctx.Err() == nil {
			f.log.Warn("metrics: fell behind the live events; some were lost", "err", sub.Err())
		}
	}
}

// Observe remembers what an event says.
func (f *Fleet) Observe(e *events.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case e.Kind == events.KindPath && e.Path != nil:
		if p := f.pathLocked(pathKey{e.Network, e.Site, e.Path.PathID}); p != nil && !p.at.After(e.At) {
			p.report, p.at = *e.Path, e.At
		}
	case e.Kind == events.KindSite && e.SiteState != nil:
		f.siteLocked(siteKey{e.Network, e.Site}).online = e.SiteState.Online
	case e.Kind == events.KindSteering && e.Steering != nil:
		f.steeringLocked(e)
	}
}

// steeringLocked counts a failover off each path the decision moved
// flows from (paths not reported yet are not counted). f.mu must be held.
func (f *Fleet) steeringLocked(e *events.Event) {
	s := e.Steering
	if s.Kind != "decision" || s.FlowsMoved == 0 || s.Reason != failoverReason {
		return
	}
	from := s.From
	if len(from) == 0 && s.PathID != "" {
		from = []string{s.PathID}
	}
	for _, id := range from {
		// Only paths the site has reported: the IDs of a steering event
		// are the edge's word, not checked by the ingest, and must not
		// make entries.
		if p := f.paths[pathKey{e.Network, e.Site, id}]; p != nil {
			p.failovers++
		}
	}
}

// pathLocked returns the path's state, made when new; nil when MaxPaths
// are remembered. f.mu must be held.
func (f *Fleet) pathLocked(k pathKey) *pathState {
	if p := f.paths[k]; p != nil {
		return p
	}
	if len(f.paths) >= MaxPaths {
		if !f.full {
			f.full = true
			f.log.Warn("metrics: too many paths; reports of further paths are left out", "max_paths", MaxPaths)
		}
		return nil
	}
	p := &pathState{}
	f.paths[k] = p
	return p
}

// siteLocked returns the site's state, made when new. f.mu must be held.
func (f *Fleet) siteLocked(k siteKey) *siteState {
	s := f.site[k]
	if s == nil {
		s = &siteState{}
		f.site[k] = s
	}
	return s
}

func (f *Fleet) edgeCertificate(network, site string, notAfter time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.siteLocked(siteKey{network, site}).notAfter = notAfter
}

// enrolled lists the enrolled sites of every network, by key.
func (f *Fleet) enrolled() (out map[siteKey]store.Site, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	start := time.Now()
	defer func() { f.storeCall(OpListSites, time.Since(start), err) }()
	nets, err := f.sites.Networks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	out = map[siteKey]store.Site{}
	for _, n := range nets {
		sites, err := f.sites.Sites(ctx, n.Name)
		if err != nil {
			return nil, fmt.Errorf("list sites of %s: %w", n.Name, err)
		}
		for _, s := range sites {
			if s.State == store.Enrolled {
				out[siteKey{n.Name, s.Name}] = s
			}
		}
	}
	return out, nil
}

// fleetCopy is what one scrape emits.
type fleetCopy struct {
	sites map[siteKey]siteState
	paths map[pathKey]pathState
}

// snapshot copies the state of the enrolled sites and their fresh paths,
// and forgets what is no longer enrolled or fresh.
func (f *Fleet) snapshot(enrolled map[siteKey]store.Site) fleetCopy {
	stale := f.now().Add(-PathStaleAfter)
	c := fleetCopy{sites: map[siteKey]siteState{}, paths: map[pathKey]pathState{}}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, s := range f.site {
		if _, ok := enrolled[k]; !ok {
			delete(f.site, k)
			continue
		}
		c.sites[k] = *s
	}
	for k, p := range f.paths {
		_, ok := enrolled[siteKey{k.network, k.site}]
		if !ok || p.at.Before(stale) {
			delete(f.paths, k)
			continue
		}
		c.paths[k] = *p
	}
	if len(f.paths) < MaxPaths {
		f.full = false
	}
	return c
}

// pathEnds splits "a/l1->b/l2" into the peer site, local and remote
// link; ok false when it is not of that form.
func pathEnds(id string) (peer, local, remote string, ok bool) {
	l, r, ok1 := strings.Cut(id, "->")
	_, local, ok2 := strings.Cut(l, "/")
	peer, remote, ok3 := strings.Cut(r, "/")
	return peer, local, remote, ok1 && ok2 && ok3
}

// unix is t in Unix seconds, with its fraction.
func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

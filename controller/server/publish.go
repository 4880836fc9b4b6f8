package server

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/events"
)

// maxPathStates bounds the path states remembered per network; a path
// beyond it is reported with StateChanged set every time.
const maxPathStates = 1 << 16

// publisher turns what the server learns into live events
// (controller/events): each path sample and steering event of a stored
// telemetry batch, sites going online and offline, configuration
// revisions. With no bus it does nothing. It never blocks: Bus.Publish
// does not.
type publisher struct {
	bus *events.Bus // nil: nothing is published
	log *slog.Logger

	mu      sync.Mutex
	paths   map[string]map[pathKey]string // network → path → last state; mu
	full    map[string]bool               // networks whose path map is full (logged once); mu
	streams map[int64]int                 // open control streams by site ID; mu
	revs    map[string]int64              // the last revision published by network; mu
}

// pathKey is a path as one end reports it.
type pathKey struct {
	site string // the reporting site
	path string // its directional ID, "site/link->site/link"
}

func newPublisher(bus *events.Bus, log *slog.Logger) *publisher {
	return &publisher{bus: bus, log: log, paths: map[string]map[pathKey]string{}, full: map[string]bool{},
		streams: map[int64]int{}, revs: map[string]int64{}}
}

// telemetry publishes a stored batch's path samples, steering events and
// current flows.
func (p *publisher) telemetry(site siteEntry, t *pb.Telemetry, now time.Time) {
	if p.bus == nil {
		return
	}
	counters := make(map[string]*pb.PathCounters, len(t.PathCounters))
	for _, pc := range t.PathCounters {
		counters[pc.PathId] = pc
	}
	for _, ps := range t.PathSamples {
		c := pathChange(ps)
		if pc := counters[ps.PathId]; pc != nil {
			c.Counters, c.TxBytes, c.RxBytes = true, pc.TxBytes, pc.RxBytes
		}
		c.StateChanged = p.stateChanged(site, ps.PathId, c.State)
		p.bus.Publish(&events.Event{Kind: events.KindPath, Network: site.Network, Site: site.Name,
			At: timeOr(ps.MeasuredAt, now), Path: c})
	}
	for _, ev := range t.SteeringEvents {
		p.bus.Publish(&events.Event{Kind: events.KindSteering, Network: site.Network, Site: site.Name,
			At: timeOr(ev.At, now), Steering: &events.Steering{PathID: ev.PathId, Kind: eventKinds[ev.Kind],
				Reason: ev.Reason, Policy: ev.Policy, FlowsMoved: ev.FlowsMoved, From: ev.FromPathIds, To: ev.ToPathIds}})
	}
	p.currentFlows(site, t, now)
}

func pathChange(ps *pb.PathSample) *events.PathChange {
	c := &events.PathChange{PathID: ps.PathId, State: apiPathStates[ps.State], BFDState: apiBFDStates[ps.BfdState],
		MetricsValid: ps.MetricsValid, Score: ps.Score, Suppressed: ps.Suppressed, ActiveFlows: ps.ActiveFlows,
		Transport: apiTransports[ps.Transport]}
	if ps.MetricsValid {
		c.LatencyMs, c.JitterMs, c.LossPct = ps.LatencyMs, ps.JitterMs, ps.LossPct
	}
	return c
}

var (
	apiTransports = map[pb.PathTransport]string{pb.PathTransport_PATH_TRANSPORT_DIRECT: "direct",
		pb.PathTransport_PATH_TRANSPORT_RELAYED: "relayed"}
	apiPathStates = map[pb.PathState]string{pb.PathState_PATH_STATE_UP: events.PathUp,
		pb.PathState_PATH_STATE_DEGRADED: events.PathDegraded, pb.PathState_PATH_STATE_DOWN: events.PathDown}
	apiBFDStates = map[pb.BfdState]string{pb.BfdState_BFD_STATE_UP: "UP", pb.BfdState_BFD_STATE_INIT: "INIT",
		pb.BfdState_BFD_STATE_DOWN: "DOWN", pb.BfdState_BFD_STATE_ADMIN_DOWN: "ADMIN_DOWN"}
)

// stateChanged remembers a path's state and reports whether it differs
// from the last one (true for a path not seen before).
func (p *publisher) stateChanged(site siteEntry, path, state string) bool {
	k := pathKey{site: site.Name, path: path}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.paths[site.Network]
	if m == nil {
		m = map[pathKey]string{}
		p.paths[site.Network] = m
	}
	last, ok := m[k]
	switch {
	case ok:
		m[k] = state
	case len(m) < maxPathStates:
		m[k] = state
	case !p.full[site.Network]:
		p.full[site.Network] = true
		p.log.Warn("live events: too many paths to remember their states; new ones are reported as changed at every sample",
			"network", site.Network, "paths", len(m))
	}
	return !ok || last != state
}

// streamOpened publishes a site online when its first control stream
// opens; the function it returns, called when that stream ends,
// publishes it offline when it was the last.
func (p *publisher) streamOpened(site siteEntry) (closed func()) {
	if p.bus == nil {
		return func() {}
	}
	p.mu.Lock()
	p.streams[site.ID]++
	first := p.streams[site.ID] == 1
	p.mu.Unlock()
	if first {
		p.siteEvent(site, true)
	}
	return func() {
		p.mu.Lock()
		p.streams[site.ID]--
		last := p.streams[site.ID] == 0
		if last {
			delete(p.streams, site.ID)
		}
		p.mu.Unlock()
		if last {
			p.siteEvent(site, false)
		}
	}
}

func (p *publisher) siteEvent(site siteEntry, online bool) {
	p.bus.Publish(&events.Event{Kind: events.KindSite, Network: site.Network, Site: site.Name, At: time.Now(),
		SiteState: &events.SiteChange{Online: online}})
}

// revision publishes a configuration revision of network, once per
// revision number, to this replica's subscribers only: every replica's
// watch loop sees the revision itself. It then forgets the states of
// paths whose ends are no longer in the configuration.
func (p *publisher) revision(ctx context.Context, snaps *snapshots, network string, number int64) {
	if p.bus == nil {
		return
	}
	p.mu.Lock()
	newer := number > p.revs[network]
	if newer {
		p.revs[network] = number
	}
	p.mu.Unlock()
	if !newer {
		return
	}
	p.bus.Deliver(&events.Event{Kind: events.KindConfig, Network: network, At: time.Now(),
		Config: &events.Config{Revision: number}})
	snap, err := snaps.get(ctx, network)
	if err != nil {
		return // kept until the next revision
	}
	p.forget(network, snap)
}

// forget drops the remembered states of paths of network with an end
// (site and link) that snap no longer has.
func (p *publisher) forget(network string, snap *snapshot) {
	ends := map[string]bool{}
	for site, links := range snap.Links {
		for _, l := range links {
			ends[site+"/"+l.Name] = true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.paths[network]
	for k := range m {
		local, remote, _ := strings.Cut(k.path, "->")
		if !ends[local] || !ends[remote] {
			delete(m, k)
		}
	}
	if len(m) < maxPathStates {
		delete(p.full, network)
	}
}

package manage

import (
	"cmp"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// Current flows are not history: Live keeps only the newest report of
// each path end (an edge sends its busiest flows per path every 10 s,
// agent.DefaultCurrentFlowsWindow), in memory, and a path query shows
// the reports younger than flowsMaxAge. After a controller start a
// path's flows are unknown until its edges next report. Across replicas
// the reports travel as events (events.KindFlows), like path reports.

// flowsMaxAge is how old a flows report may be and still show: a few
// windows, so that an edge that stopped reporting shows no flows soon.
const flowsMaxAge = time.Minute

// maxLiveFlowPaths bounds the path ends whose flows Live keeps (each up
// to 20 flows, a few kB): when full, reports older than flowsMaxAge are
// dropped first; a new path end beyond it is not remembered.
const maxLiveFlowPaths = 1 << 14

// LiveFlows is the newest flows report of one path end.
type LiveFlows struct {
	Site        string // the reporting site
	PathID      string // as the site reports it
	WindowStart time.Time
	At          time.Time // the window's end, on the edge's clock
	Heard       time.Time // when this controller received it
	TotalFlows  int       // flows with traffic in the window, those not listed included
	Flows       []events.Flow
}

// observeFlows remembers a flows event; events are shared, so Flows is
// kept as it is and never modified.
func (l *Live) observeFlows(e *events.Event) {
	if e.Flows == nil {
		return
	}
	name, err := ParsePathID("", e.Flows.PathID)
	if err != nil {
		return
	}
	k := livePathKey{e.Network, name, e.Site}
	v := LiveFlows{Site: e.Site, PathID: e.Flows.PathID, WindowStart: e.Flows.WindowStart, At: e.At, Heard: l.now(),
		TotalFlows: int(e.Flows.TotalFlows), Flows: e.Flows.Flows}
	l.mu.Lock()
	defer l.mu.Unlock()
	old, ok := l.flows[k]
	if ok && old.At.After(v.At) {
		return
	}
	if !ok && len(l.flows) >= maxLiveFlowPaths {
		l.dropStaleFlowsLocked(v.Heard)
		if len(l.flows) >= maxLiveFlowPaths {
			return
		}
	}
	l.flows[k] = v
}

// flowsSweepEvery spaces the sweeps of a full flows table, so that a
// full table of fresh reports does not cost a sweep per event.
const flowsSweepEvery = 10 * time.Second

// dropStaleFlowsLocked forgets the flows reports heard more than
// flowsMaxAge before now (they no longer show), at most once per
// flowsSweepEvery. l.mu must be held.
func (l *Live) dropStaleFlowsLocked(now time.Time) {
	if now.Sub(l.flowsSwept) < flowsSweepEvery {
		return
	}
	l.flowsSwept = now
	for k, v := range l.flows {
		if now.Sub(v.Heard) > flowsMaxAge {
			delete(l.flows, k)
		}
	}
}

// pathFlows returns the newest flows report of each end of a path that
// was heard within maxAge, the path's first site's first.
func (l *Live) pathFlows(network, name string, now time.Time, maxAge time.Duration) []LiveFlows {
	if l == nil {
		return nil
	}
	a, b := pathSites(name)
	var out []LiveFlows
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, site := range []string{a, b} {
		if v, ok := l.flows[livePathKey{network, name, site}]; ok && now.Sub(v.Heard) <= maxAge {
			out = append(out, v)
		}
	}
	return out
}

// CurrentFlow is a flow of a path and the end that reported it.
type CurrentFlow struct {
	events.Flow
	Site        string    // the reporting site
	WindowStart time.Time // of the report
	At          time.Time // the report's window end
}

// CurrentFlows are the flows of a path's reports (Path.Flows), busiest
// first (bytes sent and received in the window).
func (p Path) CurrentFlows() []CurrentFlow {
	var out []CurrentFlow
	for _, r := range p.Flows {
		for _, f := range r.Flows {
			out = append(out, CurrentFlow{Flow: f, Site: r.Site, WindowStart: r.WindowStart, At: r.At})
		}
	}
	slices.SortStableFunc(out, func(x, y CurrentFlow) int {
		return cmp.Compare(y.TxBytes+y.RxBytes, x.TxBytes+x.RxBytes)
	})
	return out
}

package steer

// Demand is what the flows towards a site ask of its paths' failure
// detection: the edge runs BFD and probes fast on the paths of sites
// with real-time flows and slowly on those of sites without flows
// (edge/dataplane, docs/BFD.md "Adaptive BFD").
type Demand uint8

// Demands, from the least to the most.
const (
	// DemandIdle: no flow towards the site was active for
	// Timers.FlowIdle.
	DemandIdle Demand = iota
	// DemandActive: flows are active, none of a real-time policy.
	DemandActive
	// DemandRealtime: flows of a policy whose SLA class limits jitter
	// (voice and video of the built-in classes) are active.
	DemandRealtime
)

var demandNames = [...]string{"idle", "active", "realtime"}

// String returns the lower-case name.
func (d Demand) String() string {
	if int(d) < len(demandNames) {
		return demandNames[d]
	}
	return "unknown"
}

// Demand returns what the flows towards site ask for, as of the engine's
// clock (set by Tick and the other control calls; coarse seconds). It
// takes no lock and reads one word per policy, so it may be called for
// every site at every steering tick.
func (e *Engine) Demand(site uint16) Demand {
	ts := e.tables.Load()
	if ts == nil {
		return DemandIdle
	}
	now := e.clock.Load()
	d := DemandIdle
	for i, s := range ts.sites[site] {
		t := s.last.Load()
		if t == 0 || now-t > ts.idle {
			continue
		}
		if ts.realtime[i] {
			return DemandRealtime
		}
		d = DemandActive
	}
	return d
}

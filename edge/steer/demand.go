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

// Touch marks the flows of policy class (an index into Config.Policies)
// towards site active for Demand, as Lookup does, for a packet that
// steering did not route: a flow sent by a pin (edge/dataplane pin.go)
// skips Lookup, yet it needs its site's paths watched at its rate (a
// pinned voice flow at the real-time interval). Buckets are not marked:
// steering does not move a pinned flow, so it is not one of the flows its
// decisions count. It takes no lock and does not allocate.
func (e *Engine) Touch(site uint16, class int) {
	ts := e.tables.Load()
	if ts == nil {
		return
	}
	slots := ts.sites[site]
	if class < 0 || class >= len(slots) {
		return
	}
	if now, s := e.clock.Load(), slots[class]; s.last.Load() != now {
		s.last.Store(now)
	}
}

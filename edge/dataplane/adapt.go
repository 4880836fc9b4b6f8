package dataplane

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// Adaptive BFD and probes (docs/BFD.md "Adaptive BFD", issue 11). An
// idle path costs what its control packets cost: at 100 ms BFD and
// probes, ~55 packets a second, each through its WireGuard device's
// goroutines. A hub has thousands of paths and few of them carry flows
// at any time. So every steerTick the control loop asks steering what
// the flows towards each site demand (steer.Engine.Demand: idle, active,
// real-time) and puts it in force on the site's paths:
//
//   - BFD timers from config.Valid.PathBFDFor: the rate the peer sends at
//     follows this end's demand (one packet every idle_rx_interval, 300
//     ms by default, on an idle path; the real-time interval for voice
//     and video), changed with a Poll Sequence (RFC 5880 §6.8.3);
//   - probes every idleProbeInterval on idle paths, every
//     probe.DefaultInterval otherwise.
//
// All the paths to a site take its demand, not only the one its flows
// use: a failover goes to one of the others, and it must be known to be
// up as fast as the one it replaces. An edge with BGP neighbours never
// goes below active (config.Valid.MinDemand): its routers must see a dead
// site's prefixes withdrawn within the configured detection time.

// idleProbeInterval is the time between probes on a path to a site
// without flows: 5 in the default 5 s loss window.
const idleProbeInterval = time.Second

// probeInterval is the probe interval of a path under cfg for demand
// (never below cfg.MinDemand: an edge with BGP neighbours probes every
// path as if flows went to its site).
func probeInterval(cfg *config.Valid, demand steer.Demand) time.Duration {
	if cfg.Adaptive.On && max(demand, cfg.MinDemand()) == steer.DemandIdle {
		return idleProbeInterval
	}
	return probe.DefaultInterval
}

// adapt puts the demand of each site's flows in force on the site's
// paths. Most ticks change nothing and take no lock; a change is made
// under d.mu, so that it and Reconfigure (syncSteeringLocked) never
// undo each other's BFD timers.
func (d *Dataplane) adapt(v *snapshot, now time.Time) {
	var changed []*Path
	for _, p := range v.paths {
		if steer.Demand(p.demand.Load()) != d.engine.Demand(p.site) {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	for _, p := range changed {
		dem := d.engine.Demand(p.site)
		p.demand.Store(uint32(dem))
		if p.prober != nil {
			_ = p.prober.SetInterval(probeInterval(d.cur, dem), now) // both intervals are valid with the default probe settings
			p.probeNext = now
		}
		_ = d.bfd.Update(bfd.SessionConfig{Key: p.bfdKey, Config: d.cur.PathBFDFor(p.color, dem)}) // a path gone since is no matter
		d.log.Debug("path demand", "path", p.ID, "demand", dem.String())
	}
}

package config

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/internal/bfdcfg"
)

// The steering part of a configuration (SLA classes, applications,
// policies, steering timers, quality model) is a policy.Set, embedded in
// Config and compiled by policy.Set.Compile; this file holds the BFD
// timers of the paths.

// Defaults of BFD inside a path tunnel: the 100 ms × 3 (a path
// dead for 300 ms loses its flows). The link socket is the only thing
// between the sessions, so these are cheap: 10 packets/s each way.
const (
	DefaultPathBFDInterval   = 100 * time.Millisecond
	DefaultPathBFDMultiplier = 3
)

// Defaults of adaptive BFD (docs/BFD.md): a path to a site without
// flows asks its peer for a packet every 300 ms (900 ms to detect a
// failure at the multiplier of 3); a path to a site with real-time flows
// for one every 100 ms by default, as defaults.bfd (300 ms to detect).
// A faster real-time interval is an operator's choice
// (bfd_adaptive.realtime_interval, e.g. 40 ms: a voice stream's failover
// gap under 150 ms): it is not the default because a path detected down
// in 120 ms goes down on a latency step of 150 ms, which LTE and a
// rerouted WAN produce (TestLabSLASteering's 150 ms delay took a 40 ms ×
// 3 path down and moved the bulk class with it).
const (
	DefaultBFDIdleRx   = 300 * time.Millisecond
	DefaultBFDRealtime = 100 * time.Millisecond
)

// AdaptiveBFD is defaults.bfd_adaptive, validated.
type AdaptiveBFD struct {
	On       bool
	IdleRx   time.Duration // RequiredMinRx of paths to sites without flows
	Realtime time.Duration // both intervals of paths to sites with real-time flows
}

func checkAdaptive(e *errs, a BFDAdaptive) AdaptiveBFD {
	at := "defaults.bfd_adaptive"
	v := AdaptiveBFD{On: checkSwitch(e, at+".enabled", a.Enabled, true)}
	var err error
	if v.IdleRx, err = bfdcfg.ParseInterval(at+".idle_rx_interval", a.IdleRxInterval, DefaultBFDIdleRx); err != nil {
		e.list = append(e.list, splitField(err))
	}
	if v.Realtime, err = bfdcfg.ParseInterval(at+".realtime_interval", a.RealtimeInterval, DefaultBFDRealtime); err != nil {
		e.list = append(e.list, splitField(err))
	}
	return v
}

// checkPathBFD validates the BFD timers of the paths: defaults.bfd, with
// defaults.bfd_by_color overriding them for paths whose local link has
// that colour.
func checkPathBFD(e *errs, c *Config, links []ValidLink) (session.Config, map[string]session.Config) {
	def := checkBFDTimers(e, "defaults.bfd", c.Defaults.BFD, session.Config{
		DesiredMinTx: DefaultPathBFDInterval, RequiredMinRx: DefaultPathBFDInterval, DetectMult: DefaultPathBFDMultiplier})
	colors := map[string]bool{}
	for _, l := range links {
		colors[l.Color] = true
	}
	var by map[string]session.Config
	for col, b := range c.Defaults.BFDByColor {
		at := "defaults.bfd_by_color." + col
		if !colors[col] {
			e.add(at, "no link of this site has colour %q", col)
			continue
		}
		if by == nil {
			by = map[string]session.Config{}
		}
		by[col] = checkBFDTimers(e, at, b, def)
	}
	return def, by
}

// PathBFD returns the BFD timers of paths over a local link of colour.
func (v *Valid) PathBFD(color string) session.Config {
	if c, ok := v.BFDByColor[color]; ok {
		return c
	}
	return v.BFD
}

// PathBFDFor returns the BFD timers of paths over a local link of colour
// towards a site whose flows ask for demand (edge/steer Demand). Without
// adaptive BFD they are PathBFD's. With it, every path offers to send as
// fast as the real-time interval (DesiredMinTx), and each end sets the
// rate it receives at, which is what its own flows need: the real-time
// interval, PathBFD's rx_interval for other flows, the idle interval
// (never faster than rx_interval) without flows. The peer sends at the
// rate this end asks for, and this end at the rate the peer asks for
// (RFC 5880 §6.8.2): neither has to follow the other's flows, and an end
// whose flows stop slows its peer down with a Poll Sequence.
//
// The demand is never taken below MinDemand.
func (v *Valid) PathBFDFor(color string, demand steer.Demand) session.Config {
	c := v.PathBFD(color)
	if !v.Adaptive.On {
		return c
	}
	demand = max(demand, v.MinDemand())
	c.DesiredMinTx = min(c.DesiredMinTx, v.Adaptive.Realtime)
	switch demand {
	case steer.DemandRealtime:
		c.RequiredMinRx = v.Adaptive.Realtime
	case steer.DemandIdle:
		c.RequiredMinRx = max(c.RequiredMinRx, v.Adaptive.IdleRx)
	}
	return c
}

// MinDemand is the least demand adaptive BFD (and the edge's probes) put
// in force on a path: active when the edge has BGP neighbours, idle
// otherwise. The prefixes the edge advertises to its routers for a site
// are withdrawn when the last path to it goes down (docs/BGP.md), and
// the routers must see that within the configured detection time
// (defaults.bfd), whether or not flows go to the site: at the idle rate
// they would keep routing into a dead site for the idle detection time.
func (v *Valid) MinDemand() steer.Demand {
	if v.BGP != nil && len(v.BGP.Neighbors) > 0 {
		return steer.DemandActive
	}
	return steer.DemandIdle
}

// ValidateEdgeSettings checks the settings a controller keeps for a
// site's edge by the rules of a file, with its field paths: defaults
// (compression, bfd, bfd_by_color — of any colour: the controller sends
// only the colours the site's links have — and bfd_adaptive) and
// overlay.mtu (0: the default).
func ValidateEdgeSettings(d Defaults, mtu int) error {
	var e errs
	checkSwitch(&e, "defaults.compression", d.Compression, false)
	var links []ValidLink
	for col := range d.BFDByColor {
		links = append(links, ValidLink{Color: col})
	}
	checkPathBFD(&e, &Config{Defaults: d}, links)
	checkAdaptive(&e, d.BFDAdaptive)
	checkOverlay(&e, &Overlay{MTU: mtu})
	return e.err()
}

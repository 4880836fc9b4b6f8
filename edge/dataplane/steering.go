package dataplane

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"
)

// steerConfig is the engine's configuration for paths under st.
func (d *Dataplane) steerConfig(paths []*Path, st *policy.Compiled) steer.Config {
	sc := steer.Config{Classes: st.Classes, Policies: st.Policies, Timers: st.Timers, Model: st.Model}
	for _, p := range paths {
		l := p.link.cfg
		sc.Paths = append(sc.Paths, steer.Path{ID: p.ID, Site: p.site, Color: l.Color, Bandwidth: l.Bandwidth, Cost: l.Cost,
			Link: p.LocalLink, RemoteLink: p.RemoteLink})
	}
	return sc
}

// syncSteeringLocked puts the paths in force (d.paths) and st under
// steering and publishes them: the engine's configuration, then each new
// path's prober and BFD key, then the snapshot, and only then a BFD
// session for every new path and new timers for the others, so that no
// goroutine sees a path before it is ready. d.mu must be held.
func (d *Dataplane) syncSteeringLocked(st *policy.Compiled, cur *config.Valid) error {
	now := time.Now()
	if err := d.engine.Set(d.steerConfig(d.paths, st), now); err != nil {
		return fmt.Errorf("steering: %w", err) // cannot happen: st is valid and path IDs are unique
	}
	var fresh []*Path
	var errs []error
	for _, p := range d.paths {
		if p.prober != nil {
			continue
		}
		if err := d.prepareControl(p, cur); err != nil {
			errs = append(errs, fmt.Errorf("path %s: probes: %w", p.ID, err))
			continue
		}
		fresh = append(fresh, p)
	}
	d.st = st
	d.publishLocked()
	for _, p := range d.paths {
		cfg := bfd.SessionConfig{Key: p.bfdKey, Config: cur.PathBFDFor(p.color, steer.Demand(p.demand.Load()))}
		if slices.Contains(fresh, p) {
			if _, err := d.bfd.Add(cfg, pathSender{d, p}); err != nil {
				errs = append(errs, fmt.Errorf("path %s: bfd: %w", p.ID, err))
			}
			continue
		}
		if iv := probeInterval(cur, steer.Demand(p.demand.Load())); p.prober.Config().Interval != iv {
			_ = p.prober.SetInterval(iv, now) // valid with the default probe settings
		}
		if info, ok := d.bfd.Session(p.bfdKey); ok && (info.Session.AdvertisedTx != cfg.DesiredMinTx ||
			info.Session.AdvertisedRx != cfg.RequiredMinRx) {
			_ = d.bfd.Update(cfg)
		}
		// The session may have come up before the engine knew the path.
		ev, _ := d.engine.SetBFD(p.ID, d.bfdState(p), now)
		d.logEvents(ev)
	}
	return errors.Join(errs...)
}

// logEvents logs what steering decided: path state changes and the
// decisions that moved flows (the others are in the event log). Never
// per packet: events are bounded by the damping and flap rules.
func (d *Dataplane) logEvents(evs []steer.Event) {
	for _, e := range evs {
		if int(e.Kind) < len(d.Stats.Events) {
			d.Stats.Events[e.Kind].Add(1)
		}
		d.Stats.FlowsMoved.Add(uint64(e.FlowsMoved))
		if e.Kind == steer.Decision && e.FlowsMoved > 0 && e.Reason == "path down" {
			d.Stats.Failovers.Add(1)
		}
		if e.Kind == steer.PathState {
			d.stateChanged()
		}
		if e.Kind == steer.Decision && e.FlowsMoved == 0 {
			continue
		}
		d.log.Info("steering", "kind", e.Kind.String(), "path", e.PathID, "reason", e.Reason,
			"flows_moved", e.FlowsMoved, "policy", e.Policy, "from", e.From, "to", e.To)
	}
}

// OnStateChange makes the data plane call f whenever a path's state (up,
// degraded, down) changes (steering's path state events, which BFD
// drives; a BFD transition that leaves the path's state as it was, such
// as Down to Init, is reported at the next periodic batch), so that the controller can
// be told at once (edge/agent Options.Urgent) rather than at the next
// telemetry batch. f is called from the data plane's control goroutines
// and must not block; nil stops the calls.
func (d *Dataplane) OnStateChange(f func()) {
	if f == nil {
		d.onChange.Store(nil)
		return
	}
	d.onChange.Store(&f)
}

func (d *Dataplane) stateChanged() {
	if f := d.onChange.Load(); f != nil {
		(*f)()
	}
}

// windowOf returns the duplicate filter of a peer site, shared by the
// shim endpoints of its paths.
func (d *Dataplane) windowOf(site uint16) *shim.Window {
	if w, ok := d.windows.Load(site); ok {
		return w.(*shim.Window)
	}
	w, _ := d.windows.LoadOrStore(site, new(shim.Window))
	return w.(*shim.Window)
}

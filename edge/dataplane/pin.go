package dataplane

import (
	"fmt"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/edge/localapi"
)

type pinEntry struct {
	flow    localapi.FlowSpec
	path    *Path
	expires time.Time // zero: never
}

// pins are the pins as set and reported; the entries the forwarder
// matches are in the snapshot (d.pinTable, then snapshot.pins).
type pins struct {
	mu  sync.Mutex
	cfg []localapi.Pin // guarded by mu: the local pins
	// ctl are the controller's pins in force or ignored, with the reason
	// (Pin.Ignored); reported: the IDs whose state was last logged, with
	// it. Guarded by mu.
	ctl      []localapi.Pin
	reported map[int64]string
}

// SetPins replaces every local pin. A pin naming an unknown path is
// refused and nothing changes. The controller's pins stay.
func (d *Dataplane) SetPins(ps []localapi.Pin) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.setPinsLocked(ps); err != nil {
		return err
	}
	d.publishLocked()
	return nil
}

// setPinsLocked sets the local pins ps and the controller's pins of the
// configuration in force, against the paths in force, for the next
// snapshot; d.mu must be held.
func (d *Dataplane) setPinsLocked(ps []localapi.Pin) error {
	byID := make(map[string]*Path, len(d.paths))
	for _, p := range d.paths {
		byID[p.ID] = p
	}
	next := make([]pinEntry, 0, len(ps))
	local := make([]localapi.Pin, 0, len(ps))
	for i, p := range ps {
		path := byID[p.Path]
		if path == nil {
			return fmt.Errorf("pins[%d].path: no path %q", i, p.Path)
		}
		if err := p.Flow.Validate(); err != nil {
			return fmt.Errorf("pins[%d].flow: %w", i, err)
		}
		next = append(next, pinEntry{flow: p.Flow, path: path})
		local = append(local, localapi.Pin{Flow: p.Flow, Path: p.Path, Origin: localapi.OriginLocal})
	}
	var ctl []localapi.Pin
	if d.cur != nil {
		next, ctl = controllerPins(d.cur.Pins, byID, next)
	}
	d.pinTable = next
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	d.pins.cfg, d.pins.ctl = local, ctl
	return nil
}

// controllerPins appends the entries of the controller's pins whose path
// exists to next, and returns them all as Pins, the others Ignored.
func controllerPins(cps []config.ValidPin, byID map[string]*Path, next []pinEntry) ([]pinEntry, []localapi.Pin) {
	out := make([]localapi.Pin, 0, len(cps))
	for _, cp := range cps {
		p := localapi.Pin{Flow: localapi.FlowSpec{Proto: cp.Protocol, Src: cp.Src, Dst: cp.Dst, SrcPort: cp.SrcPort, DstPort: cp.DstPort},
			Path: cp.Path, Origin: localapi.OriginController, ID: cp.ID}
		if !cp.Expires.IsZero() {
			p.Expires = &cp.Expires
		}
		path := byID[cp.Path]
		if path == nil {
			p.Ignored = "no path " + cp.Path + " on this edge"
		} else {
			next = append(next, pinEntry{flow: p.Flow, path: path, expires: cp.Expires})
		}
		out = append(out, p)
	}
	return next, out
}

// reportPinsLocked logs the controller pins that became ignored or in
// force since the last report; d.mu must be held.
func (d *Dataplane) reportPinsLocked() {
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	now := map[int64]string{}
	for _, p := range d.pins.ctl {
		now[p.ID] = p.Ignored
		was, seen := d.pins.reported[p.ID]
		switch {
		case d.log == nil || (seen && was == p.Ignored):
		case p.Ignored != "":
			d.log.Warn("controller pin ignored", "pin", p.ID, "path", p.Path, "reason", p.Ignored)
		default:
			d.log.Info("controller pin in force", "pin", p.ID, "path", p.Path)
		}
	}
	d.pins.reported = now
}

// Pins returns the local pins, then the controller's (those ignored
// included, with the reason; expired ones say so).
func (d *Dataplane) Pins() []localapi.Pin {
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	out := append([]localapi.Pin{}, d.pins.cfg...)
	now := time.Now()
	for _, p := range d.pins.ctl {
		if p.Ignored == "" && p.Expires != nil && !now.Before(*p.Expires) {
			p.Ignored = "expired"
		}
		out = append(out, p)
	}
	return out
}

// LocalPins returns the local pins only.
func (d *Dataplane) LocalPins() []localapi.Pin {
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	return append([]localapi.Pin{}, d.pins.cfg...)
}

// pinned returns the path a pin of s chooses for the packet ip towards
// site, or nil.
func (s *snapshot) pinned(ip *ippkt.Packet, site uint16) *Path {
	var now time.Time // read once, only for a pin that expires
	for i := range s.pins {
		e := &s.pins[i]
		if e.path.site != site || !matches(&e.flow, &ip.Flow) {
			continue
		}
		if !e.expires.IsZero() {
			if now.IsZero() {
				now = time.Now()
			}
			if !now.Before(e.expires) {
				continue
			}
		}
		return e.path
	}
	return nil
}

// matches reports whether f selects the flow t.
func matches(f *localapi.FlowSpec, t *ippkt.Flow) bool {
	return (f.Proto == 0 || f.Proto == t.Proto) &&
		(!f.Src.IsValid() || f.Src.Contains(t.Src)) &&
		(!f.Dst.IsValid() || f.Dst.Contains(t.Dst)) &&
		(f.SrcPort == 0 || f.SrcPort == t.SrcPort) &&
		(f.DstPort == 0 || f.DstPort == t.DstPort)
}

package steer

import (
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

// PathStatus is what the engine knows of a path, for status output.
type PathStatus struct {
	ID         string
	Site       uint16
	State      quality.State
	BFD        packet.State
	Score      float64
	Metrics    quality.Metrics
	Suppressed bool    // for flapping
	Penalty    float64 // flap penalty at now
	// ActiveFlows counts the active flow buckets (see Event.FlowsMoved)
	// whose packets this path carries, over every policy.
	ActiveFlows int
}

// Paths returns the status of every path, in Config.Paths order.
func (e *Engine) Paths(now time.Time) []PathStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.setClock(now)
	flows := make([]int, len(e.paths))
	clock := e.clock.Load()
	for _, s := range e.sites {
		for _, c := range s.classes {
			d := c.slot.dec.Load()
			if d == nil {
				continue
			}
			for b := range Buckets {
				if !e.active(c.slot, b, clock) {
					continue
				}
				if h := d.pathOf(b); h >= 0 {
					flows[h]++
				}
				if d.secondary >= 0 {
					flows[d.secondary]++
				}
			}
		}
	}
	out := make([]PathStatus, len(e.paths))
	for i, p := range e.paths {
		out[i] = PathStatus{ID: p.ID, Site: p.Site, State: p.a.State, BFD: p.bfd, Score: p.a.Score,
			Metrics: p.metrics, Suppressed: p.suppressed, Penalty: e.penaltyAt(p, now), ActiveFlows: flows[i]}
	}
	return out
}

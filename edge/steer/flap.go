package steer

import (
	"fmt"
	"math"
	"time"
)

// Flap damping after RFC 2439, reduced to what a path needs: one
// penalty per path, grown by FlapPenalty each time the path goes down
// (the analogue of a route withdrawal), decaying exponentially with
// half-life FlapHalfLife, capped at FlapMax; suppressed from FlapSuppress
// until it decays below FlapReuse.

// penaltyAt is p's penalty decayed to now, without changing p.
func (e *Engine) penaltyAt(p *pathRT, now time.Time) float64 {
	if p.penalty == 0 || !now.After(p.penaltyAt) {
		return p.penalty
	}
	return p.penalty * math.Exp2(-now.Sub(p.penaltyAt).Seconds()/e.cfg.Timers.FlapHalfLife.Seconds())
}

// decayLocked brings p's penalty to now and lifts a suppression whose
// penalty has decayed below FlapReuse.
func (e *Engine) decayLocked(p *pathRT, now time.Time) {
	if now.After(p.penaltyAt) {
		p.penalty, p.penaltyAt = e.penaltyAt(p, now), now
	}
	if p.suppressed && p.penalty < e.cfg.Timers.FlapReuse {
		p.suppressed = false
		e.emit(Event{Time: now, PathID: p.ID, Kind: FlapReused, Site: p.Site,
			Reason: fmt.Sprintf("flap penalty %.0f below %.0f", p.penalty, e.cfg.Timers.FlapReuse)})
	}
}

// penalizeLocked adds one flap to p's penalty; p.penaltyAt is now.
func (e *Engine) penalizeLocked(p *pathRT, now time.Time) {
	t := e.cfg.Timers
	e.decayLocked(p, now)
	p.penalty = min(p.penalty+t.FlapPenalty, t.FlapMax)
	if !p.suppressed && p.penalty >= t.FlapSuppress {
		p.suppressed = true
		e.emit(Event{Time: now, PathID: p.ID, Kind: FlapSuppressed, Site: p.Site,
			Reason: fmt.Sprintf("flap penalty %.0f reached %.0f", p.penalty, t.FlapSuppress)})
	}
}

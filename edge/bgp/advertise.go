package bgp

import (
	"math"
	"net/netip"
	"sort"
	"time"
)

// Site is another site as the data plane sees it: its prefixes and the
// state of the best path to it.
type Site struct {
	ID       uint16
	Name     string
	Prefixes []netip.Prefix
	// Up: at least one path to the site is up or degraded. Score is the
	// best path's score (0–100, edge/quality).
	Up    bool
	Score float64
}

// Damping and MED constants (doc.go).
const (
	// MEDStep is the MED's granularity: score changes smaller than this
	// do not make the routers recompute.
	MEDStep = 10
	// MEDHysteresis is how far (in score points) a site's score must
	// leave its MED's step before the MED changes: a new MED re-advertises
	// every prefix of the site (100,000 when its routers announce that
	// many), and a score hovering at a step's edge would do that every
	// FollowInterval.
	MEDHysteresis = 3
	// DampingHalfLife is how fast a site's flap penalty decays.
	DampingHalfLife = 30 * time.Second
	// MaxHoldDown bounds the hold-down of a flapping site.
	MaxHoldDown = 30 * time.Second
)

// MED maps the best path's score to the advertised MED: 100 − score,
// rounded down to a multiple of MEDStep.
func MED(score float64) uint32 {
	s := math.Max(0, math.Min(100, score))
	return uint32(math.Floor((100-s)/MEDStep) * MEDStep)
}

// advert is one prefix as the speaker advertises it.
type advert struct {
	site uint16
	med  uint32
}

// damper holds back a site's prefixes after its paths came back, longer
// the more it flapped (RFC 2439 in spirit: a penalty per withdrawal that
// decays exponentially). It is not safe for concurrent use.
type damper struct {
	delay time.Duration // the first hold-down (config ReadvertiseDelay)
	sites map[uint16]*siteDamp
}

type siteDamp struct {
	up        bool
	penalty   float64   // at penaltyAt
	penaltyAt time.Time //
	holdUntil time.Time // advertise from then on, if up
	med       uint32    // the MED last given (damper.med), if medSet
	medSet    bool
}

func newDamper(delay time.Duration) *damper {
	return &damper{delay: delay, sites: map[uint16]*siteDamp{}}
}

// decayed is the penalty at now.
func (s *siteDamp) decayed(now time.Time) float64 {
	age := now.Sub(s.penaltyAt)
	if age <= 0 {
		return s.penalty
	}
	return s.penalty * math.Exp2(-float64(age)/float64(DampingHalfLife))
}

// observe takes a site's state; a change from up to down adds a penalty,
// from down to up starts the hold-down.
func (d *damper) observe(id uint16, up bool, now time.Time) {
	s, seen := d.sites[id]
	if !seen {
		d.sites[id] = &siteDamp{up: up, penaltyAt: now, holdUntil: now}
		return
	}
	switch {
	case s.up && !up:
		s.penalty, s.penaltyAt = s.decayed(now)+1, now
	case !s.up && up:
		s.holdUntil = now.Add(d.hold(s.decayed(now)))
	}
	s.up = up
}

// hold is the hold-down for a penalty: none without one, else the delay
// doubled per penalty point beyond the first, at most MaxHoldDown.
func (d *damper) hold(penalty float64) time.Duration {
	if penalty < 0.5 || d.delay <= 0 {
		return 0
	}
	h := float64(d.delay) * math.Exp2(penalty-1)
	return time.Duration(math.Min(h, float64(max(MaxHoldDown, d.delay))))
}

// ready reports whether the site may be advertised at now and, if it is
// up but held down, when it may.
func (d *damper) ready(id uint16, now time.Time) (ok bool, at time.Time) {
	s := d.sites[id]
	if s == nil || !s.up {
		return false, time.Time{}
	}
	if now.Before(s.holdUntil) {
		return false, s.holdUntil
	}
	return true, time.Time{}
}

// forget drops the sites not in keep.
func (d *damper) forget(keep map[uint16]bool) {
	for id := range d.sites {
		if !keep[id] {
			delete(d.sites, id)
		}
	}
}

// desired is what to advertise at now: every prefix of every site that
// is up and not held down (the first site in ID order wins a prefix two
// sites claim), and the earliest time a held-down site becomes ready.
func (d *damper) desired(sites []Site, now time.Time) (map[netip.Prefix]advert, time.Time) {
	sorted := append([]Site(nil), sites...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	out := map[netip.Prefix]advert{}
	var wake time.Time
	for _, s := range sorted {
		ok, at := d.ready(s.ID, now)
		if !ok {
			if !at.IsZero() && (wake.IsZero() || at.Before(wake)) {
				wake = at
			}
			continue
		}
		med := d.med(s.ID, s.Score)
		for _, p := range s.Prefixes {
			if _, taken := out[p]; !taken {
				out[p] = advert{site: s.ID, med: med}
			}
		}
	}
	return out, wake
}

// med is site id's MED for score: MED(score), unless the MED it had is
// within MEDHysteresis of the score's; it remembers the answer.
func (d *damper) med(id uint16, score float64) uint32 {
	m := MED(score)
	s := d.sites[id]
	if s == nil {
		return m
	}
	if s.medSet && m != s.med {
		raw := 100 - math.Max(0, math.Min(100, score))
		if raw >= float64(s.med)-MEDHysteresis && raw < float64(s.med)+MEDStep+MEDHysteresis {
			m = s.med
		}
	}
	s.med, s.medSet = m, true
	return m
}

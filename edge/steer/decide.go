package steer

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

// move says why a decision changed and which path caused it.
type move struct {
	reason string
	cause  *pathRT
}

func (e *Engine) evaluateSiteLocked(s *siteRT, now time.Time) {
	for _, c := range s.classes {
		e.evaluateLocked(c, now)
	}
}

// evaluateLocked applies the steering rules to one policy towards one
// site and publishes the decision if it changed.
func (e *Engine) evaluateLocked(c *classRT, now time.Time) {
	e.refreshTimers(c, now)
	var next []int
	var why move
	switch c.pol.Mode {
	case LoadBalance:
		next, why = e.balanceLocked(c, now)
	case Duplicate:
		next, why = e.slotsLocked(c, now, 2)
	default:
		next, why = e.slotsLocked(c, now, 1)
	}
	prev := c.cur
	c.cur = next
	old := c.slot.dec.Load()
	if c.decided && old != nil && slices.Equal(prev, next) {
		return // same paths: same decision (spreading buckets is not free)
	}
	c.decided = true
	d := e.decide(c, next)
	if old != nil && old.equal(d) {
		return
	}
	moved := e.moved(c.slot, old, d)
	c.slot.dec.Store(d)
	if old == nil && d.primary < 0 {
		return // nothing chosen before, nothing now
	}
	ev := Event{Time: now, Kind: Decision, FlowsMoved: moved, Site: c.site.id, Policy: c.pol.Name,
		From: c.ids(prev), To: c.ids(next), Reason: why.reason}
	if why.cause != nil {
		ev.PathID = why.cause.ID
	}
	if c.removed {
		ev.Reason, ev.PathID, c.removed = "a chosen path was removed from the configuration", "", false
	}
	if ev.Reason == "" {
		ev.Reason = "no usable path"
	}
	e.emit(ev)
}

func (c *classRT) ids(l []int) string {
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = c.site.paths[x].ID
	}
	return strings.Join(s, ",")
}

// good: the path is up and meets the policy's SLA.
//
// A class with limits judges a path by them: a path the scoring model
// calls degraded (a low score) still serves a class whose limits it meets,
// so 5 % of loss moves voice but not bulk. A class without limits takes
// the model's judgement: the path must be up. Either way BFD must be Up.
func (c *classRT) good(i int) bool {
	p := c.site.paths[i]
	if p.bfd != packet.StateUp || p.a.State == quality.Down {
		return false
	}
	if c.pol.sla.MaxLatency == 0 && c.pol.sla.MaxJitter == 0 && c.pol.sla.MaxLossPct == 0 {
		return p.a.State == quality.Up
	}
	ok, _ := quality.Meets(c.pol.sla, p.metrics)
	return ok
}

func (e *Engine) refreshTimers(c *classRT, now time.Time) {
	for i := range c.site.paths {
		if c.good(i) {
			c.badSince[i] = time.Time{}
			if c.goodSince[i].IsZero() {
				c.goodSince[i] = now
			}
			continue
		}
		if !c.goodSince[i].IsZero() {
			c.wasBad[i] = true
		}
		c.goodSince[i] = time.Time{}
		if c.badSince[i].IsZero() {
			c.badSince[i] = now
		}
	}
}

// confirmedBad: the path has not been good for the damping time.
func (e *Engine) confirmedBad(c *classRT, i int, now time.Time) bool {
	return !c.badSince[i].IsZero() && now.Sub(c.badSince[i]) >= e.cfg.Timers.Damping
}

// heldGood: the path has been good for the hold-down time, or has been
// good ever since it first was (a path that comes up after another at
// start has proven nothing wrong, and the flows should not wait for the
// hold-down to take the path the operator prefers).
func (e *Engine) heldGood(c *classRT, i int, now time.Time) bool {
	return !c.goodSince[i].IsZero() && (!c.wasBad[i] || now.Sub(c.goodSince[i]) >= e.cfg.Timers.HoldDown)
}

// candidates are the site-local indices of the paths flows may use: not
// down and not suppressed for flapping, or, if there is none, not down.
func (e *Engine) candidates(c *classRT) []int {
	var out, suppressed []int
	for i, p := range c.site.paths {
		switch {
		case p.a.State == quality.Down:
		case p.suppressed:
			suppressed = append(suppressed, i)
		default:
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return suppressed
	}
	return out
}

// less ranks paths for a policy. Good paths come first, ordered by the
// operator's preference: colour, then cost, then score. Paths that are
// not good are ordered by score first: when no path meets the SLA, the
// best one is used.
func (e *Engine) less(c *classRT, a, b int) bool {
	pa, pb := c.site.paths[a], c.site.paths[b]
	ga, gb := c.good(a), c.good(b)
	if ga != gb {
		return ga
	}
	if !ga && pa.a.Score != pb.a.Score {
		return pa.a.Score > pb.a.Score
	}
	if ra, rb := c.pol.rank(pa.Color), c.pol.rank(pb.Color); ra != rb {
		return ra < rb
	}
	if pa.Cost != pb.Cost {
		return pa.Cost < pb.Cost
	}
	if pa.a.Score != pb.a.Score {
		return pa.a.Score > pb.a.Score
	}
	return pa.handle < pb.handle
}

// best returns the best-ranked path of pool that passes ok, or -1.
func (e *Engine) best(c *classRT, pool []int, ok func(int) bool) int {
	b := -1
	for _, i := range pool {
		if ok(i) && (b < 0 || e.less(c, i, b)) {
			b = i
		}
	}
	return b
}

func anyPath(int) bool { return true }

// slotsLocked chooses k paths (best-path: 1, duplicate: 2), each slot
// sticky to its current path under the rules of pickLocked.
func (e *Engine) slotsLocked(c *classRT, now time.Time, k int) ([]int, move) {
	cands := e.candidates(c)
	var picked []int
	var why move
	for j := range k {
		cur := -1
		if j < len(c.cur) {
			cur = c.cur[j]
		}
		pool := slices.DeleteFunc(slices.Clone(cands), func(i int) bool { return slices.Contains(picked, i) })
		if len(picked) > 0 {
			pool = e.diverse(c, pool, picked)
		}
		p, w := e.pickLocked(c, cur, pool, now)
		if why.reason == "" {
			why = w
		}
		if p < 0 {
			break
		}
		picked = append(picked, p)
	}
	return picked, why
}

// diverse narrows pool to the paths that share no WAN link with the
// picked ones, else to those on another local link, else leaves it: the
// copies of a duplicate policy should not die with one link.
func (e *Engine) diverse(c *classRT, pool, picked []int) []int {
	for _, both := range []bool{true, false} {
		out := slices.DeleteFunc(slices.Clone(pool), func(i int) bool {
			pi := c.site.paths[i]
			for _, j := range picked {
				pj := c.site.paths[j]
				if pi.Link != "" && pi.Link == pj.Link || both && pi.RemoteLink != "" && pi.RemoteLink == pj.RemoteLink {
					return true
				}
			}
			return false
		})
		if len(out) > 0 {
			return out
		}
	}
	return pool
}

// pickLocked is the rule of one slot whose current path is cur (-1:
// none) among pool:
//   - no current path, or it left the pool (down, suppressed): the best
//     path, at once;
//   - the current path has not been good for the damping time: the best
//     good path; if none is good, the path of the highest score if it is
//     better by the margin (when no path meets the SLA, the best one is
//     used, with hysteresis);
//   - the current path is good: a path good for the hold-down time that
//     the operator prefers (a more preferred colour, or the same and a
//     lower cost); a better score alone does not move flows that meet
//     their SLA;
//   - otherwise the current path stays.
func (e *Engine) pickLocked(c *classRT, cur int, pool []int, now time.Time) (int, move) {
	if len(pool) == 0 {
		if cur >= 0 {
			return -1, move{e.goneReason(c, cur), c.site.paths[cur]}
		}
		return -1, move{}
	}
	best := e.best(c, pool, anyPath)
	switch {
	case cur < 0:
		return best, move{"initial choice", c.site.paths[best]}
	case !slices.Contains(pool, cur):
		return best, move{e.goneReason(c, cur), c.site.paths[cur]}
	case e.confirmedBad(c, cur, now):
		if g := e.best(c, pool, c.good); g >= 0 {
			if g == cur {
				return cur, move{}
			}
			return g, move{e.badReason(c, cur), c.site.paths[cur]}
		}
		ps, pc := c.site.paths[best], c.site.paths[cur]
		if best != cur && ps.a.Score >= pc.a.Score+e.cfg.Timers.Margin {
			return best, move{fmt.Sprintf("no path meets sla %s: best score %.1f over %.1f (%s)",
				c.pol.sla.Name, ps.a.Score, pc.a.Score, e.badReason(c, cur)), pc}
		}
	case c.good(cur):
		h := e.best(c, pool, func(i int) bool { return c.good(i) && e.heldGood(c, i, now) })
		if h >= 0 && h != cur {
			if r := e.betterReason(c, h, cur); r != "" {
				return h, move{r, c.site.paths[h]}
			}
		}
	}
	return cur, move{}
}

// betterReason says why good path h should take cur's flows, or "".
func (e *Engine) betterReason(c *classRT, h, cur int) string {
	ph, pc := c.site.paths[h], c.site.paths[cur]
	rh, rc := c.pol.rank(ph.Color), c.pol.rank(pc.Color)
	switch {
	case rh < rc:
		return fmt.Sprintf("failback to preferred colour %s after hold-down", ph.Color)
	case rh == rc && ph.Cost < pc.Cost:
		return fmt.Sprintf("failback to cheaper link (cost %d < %d) after hold-down", ph.Cost, pc.Cost)
	}
	return ""
}

func (e *Engine) goneReason(c *classRT, i int) string {
	p := c.site.paths[i]
	switch {
	case p.a.State == quality.Down:
		return "path down"
	case p.suppressed:
		return fmt.Sprintf("path suppressed for flapping (penalty %.0f)", p.penalty)
	}
	return "path taken by the first slot"
}

func (e *Engine) badReason(c *classRT, i int) string {
	p := c.site.paths[i]
	if ok, _ := quality.Meets(c.pol.sla, p.metrics); ok || p.bfd != packet.StateUp {
		return fmt.Sprintf("path %s (score %.1f) for %v", p.a.State, p.a.Score, e.cfg.Timers.Damping)
	}
	return fmt.Sprintf("sla %s violated for %v: %s", c.pol.sla.Name, e.cfg.Timers.Damping, quality.Explain(c.pol.sla, p.metrics))
}

// balanceLocked is the load-balance rule: members stay until they leave
// the candidates or stop being good for the damping time; good paths join
// after the hold-down (at once when there is no member). Preferred
// colours, if any are good, restrict the members to them. With no good
// path, one path is chosen as in best-path.
func (e *Engine) balanceLocked(c *classRT, now time.Time) ([]int, move) {
	cands := e.candidates(c)
	pool := cands
	if len(c.pol.Colors) > 0 {
		pref := slices.DeleteFunc(slices.Clone(cands), func(i int) bool { return c.pol.rank(c.site.paths[i].Color) == len(c.pol.Colors) })
		if slices.ContainsFunc(pref, c.good) {
			pool = pref
		}
	}
	var members []int
	var why move
	note := func(m move) {
		if why.reason == "" {
			why = m
		}
	}
	for _, i := range c.cur {
		if !slices.Contains(pool, i) {
			note(move{e.goneReason(c, i), c.site.paths[i]})
		}
	}
	empty := len(c.cur) == 0
	for _, i := range pool {
		was := slices.Contains(c.cur, i)
		switch {
		case was && e.confirmedBad(c, i, now):
			note(move{e.badReason(c, i), c.site.paths[i]})
		case was:
			members = append(members, i)
		case c.good(i) && (empty || e.heldGood(c, i, now)):
			members = append(members, i)
			note(move{"joins the load balance: up and meeting the sla", c.site.paths[i]})
		}
	}
	if len(members) == 0 {
		prev := -1
		if len(c.cur) == 1 && slices.Contains(cands, c.cur[0]) {
			prev = c.cur[0]
		}
		p, w := e.pickLocked(c, prev, cands, now)
		if p < 0 {
			return nil, why
		}
		note(w)
		members = []int{p}
	}
	return members, why
}

// decide turns the chosen paths into a decision.
func (e *Engine) decide(c *classRT, members []int) *decision {
	d := &decision{primary: -1, secondary: -1}
	h := func(i int) int32 { return c.site.paths[members[i]].handle }
	if len(members) > 0 {
		d.primary = h(0)
	}
	switch {
	case c.pol.Mode == Duplicate && len(members) > 1:
		d.secondary = h(1)
	case c.pol.Mode == LoadBalance && len(members) > 1:
		d.buckets = e.spread(c, members)
	}
	return d
}

// spread assigns buckets to members by weighted rendezvous hashing: a
// bucket goes to the member with the highest w / −ln(u), u a hash of
// bucket and path in (0, 1). Each member gets a share of the buckets
// proportional to its weight, and a change of members moves only the
// buckets that must move. Weights are the links' bandwidths when every
// member's is known, else equal.
func (e *Engine) spread(c *classRT, members []int) []int32 {
	w := make([]float64, len(members))
	known := true
	for i, m := range members {
		w[i] = float64(c.site.paths[m].Bandwidth)
		known = known && w[i] > 0
	}
	out := make([]int32, Buckets)
	for b := range out {
		bestScore, bestM := -1.0, 0
		for i, m := range members {
			p := c.site.paths[m]
			x := mix64(p.idHash ^ uint64(b)*0x9e3779b97f4a7c15)
			u := (float64(x>>11) + 0.5) / (1 << 53)
			wi := 1.0
			if known {
				wi = w[i]
			}
			if s := wi / -math.Log(u); s > bestScore {
				bestScore, bestM = s, m
			}
		}
		out[b] = c.site.paths[bestM].handle
	}
	return out
}

// mix64 is the SplitMix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (d *decision) equal(o *decision) bool {
	return d.primary == o.primary && d.secondary == o.secondary && slices.Equal(d.buckets, o.buckets)
}

// moved counts the active buckets whose paths differ between old and
// next.
func (e *Engine) moved(s *slot, old, next *decision) int {
	if old == nil {
		old = &decision{primary: -1, secondary: -1}
	}
	now := e.clock.Load()
	n := 0
	for b := range Buckets {
		if e.active(s, b, now) && (old.pathOf(b) != next.pathOf(b) || old.secondary != next.secondary) {
			n++
		}
	}
	return n
}

func (e *Engine) active(s *slot, b int, now uint32) bool {
	t := s.act[b].Load()
	idle := uint32((e.cfg.Timers.FlowIdle + time.Second - 1) / time.Second)
	return t != 0 && now-t <= idle
}

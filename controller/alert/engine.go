package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// Engine evaluates the rules over the fleet's current state (Sync: the
// newest report of every path end, read periodically), the live events
// that change it (Observe: path state changes, sites online and offline,
// steering events) and the checks it is told of. It is a state machine
// without I/O and without a clock: Observe, Sync, Check, Retain and Tick
// take the time, and return the notices (alerts that fired or resolved)
// in a stable order. Not safe for concurrent use: Service serialises the
// calls.
//
// An event lost on the way delays an alert by one Sync at most: every
// condition but failover_storm is judged from the state Sync brings, the
// events only make it known sooner.
//
// Every condition has one state per rule and subject (dedup): it fires
// when it has held for the rule's For, and resolves when it has been gone
// for ResolveAfter; a condition that comes back in between keeps its one
// alert firing, and one that goes before For never fires (hysteresis).
type Engine struct {
	r     Rules
	conds map[condKey]*cond
	paths map[pathKey]*pathState
	sites map[siteKey]*siteState
	out   []Alert // notices of the call in progress
}

// Bounds of what the engine remembers; beyond them new paths and sites
// are not judged.
const (
	maxPaths = 1 << 16
	maxSites = 1 << 14
	// pathForget: a path none of whose ends reported for this long is
	// forgotten (its alerts resolve).
	pathForget = 10 * time.Minute
)

type condKey struct {
	kind             Kind
	network, subject string
}

type cond struct {
	active bool
	since  time.Time // when active last changed
	firing bool
	alert  Alert
	// restored: firing when the engine started (Restore), not judged
	// since; it does not resolve before its subject is known again.
	restored bool
}

type pathKey struct{ network, path string }

type pathState struct {
	siteA, siteB string
	reports      map[string]report // by reporting site
}

type report struct {
	state                 string
	valid                 bool
	latency, jitter, loss float64
	bfd                   string
	at                    time.Time // the edge's time: orders reports
	heard                 time.Time // the controller's: freshness
}

type siteKey struct{ network, site string }

type siteState struct {
	disconnected bool      // its control stream ended and did not reopen
	offAt        time.Time // when it ended: a report heard later clears disconnected
	heard        time.Time // its last report or connection
	failovers    []time.Time
	paths        map[string]bool // canonical IDs of the paths it is an end of
}

// NewEngine returns an engine with rules r.
func NewEngine(r Rules) *Engine {
	return &Engine{r: r, conds: map[condKey]*cond{}, paths: map[pathKey]*pathState{}, sites: map[siteKey]*siteState{}}
}

// Observe takes one live event: path reports, steering events and site
// connections (other kinds are ignored).
func (e *Engine) Observe(ev *events.Event, now time.Time) []Alert {
	switch {
	case ev.Kind == events.KindPath && ev.Path != nil:
		e.observePath(ev, now)
	case ev.Kind == events.KindSite && ev.SiteState != nil:
		if st := e.site(ev.Network, ev.Site); st != nil {
			st.disconnected = !ev.SiteState.Online
			if ev.SiteState.Online {
				st.heard = now
			} else {
				st.offAt = now
			}
			e.evalSite(siteKey{ev.Network, ev.Site}, st, now)
		}
	case ev.Kind == events.KindSteering && ev.Steering != nil:
		e.observeSteering(ev, now)
	}
	return e.flush()
}

func (e *Engine) observePath(ev *events.Event, now time.Time) {
	c := ev.Path
	r := report{state: c.State, valid: c.MetricsValid, latency: c.LatencyMs, jitter: c.JitterMs,
		loss: c.LossPct, bfd: c.BFDState, at: ev.At, heard: now}
	k, p := e.record(ev.Network, ev.Site, c.PathID, r)
	if p == nil {
		return
	}
	e.evalPath(k, p, now)
	for _, s := range []string{p.siteA, p.siteB} {
		if st := e.sites[siteKey{ev.Network, s}]; st != nil {
			e.evalSite(siteKey{ev.Network, s}, st, now)
		}
	}
}

// record keeps r as site's report of path id unless an older one; p is
// nil when the report is not kept (a bad ID, an older report, bounds).
func (e *Engine) record(network, site, id string, r report) (pathKey, *pathState) {
	cid, a, b, ok := canonicalPath(id)
	if !ok || site == "" {
		return pathKey{}, nil
	}
	k := pathKey{network, cid}
	p := e.paths[k]
	if p == nil {
		if len(e.paths) >= maxPaths {
			return k, nil
		}
		p = &pathState{siteA: a, siteB: b, reports: map[string]report{}}
		e.paths[k] = p
	}
	if old, ok := p.reports[site]; ok && r.at.Before(old.at) {
		return k, nil // an older report, sent again after a reconnection
	}
	p.reports[site] = r
	if st := e.site(network, site); st != nil {
		// A report comes over an open control stream: on this replica
		// or, when its stream moved, another one.
		if r.heard.After(st.heard) {
			st.heard = r.heard
		}
		if !r.heard.Before(st.offAt) {
			st.disconnected = false
		}
	}
	for _, s := range []string{a, b} {
		if st := e.site(network, s); st != nil {
			st.paths[cid] = true
		}
	}
	return k, p
}

// PathReport is the newest report of a path by one of its ends, as the
// fleet's current state (Fleet) keeps it.
type PathReport struct {
	Network string
	Site    string // the reporting site
	PathID  string // as it reports it: "site1/inet->site2/lte"
	State   string // events.PathUp, PathDegraded, PathDown
	// MetricsValid says whether latency, jitter and loss were measured.
	MetricsValid                 bool
	LatencyMs, JitterMs, LossPct float64
	BFDState                     string
	At                           time.Time // the edge's time of the report
	Heard                        time.Time // when the controller received it
}

// Sync takes the fleet's current state: the newest report of every path
// end. Reports older than the engine's (by the edge's time) are ignored,
// as are those not heard for pathForget. It evaluates nothing: Tick
// does.
func (e *Engine) Sync(reports []PathReport, now time.Time) {
	for i := range reports {
		pr := &reports[i]
		if now.Sub(pr.Heard) > pathForget {
			continue
		}
		e.record(pr.Network, pr.Site, pr.PathID, report{state: pr.State, valid: pr.MetricsValid, latency: pr.LatencyMs,
			jitter: pr.JitterMs, loss: pr.LossPct, bfd: pr.BFDState, at: pr.At, heard: pr.Heard})
	}
}

// isFailover: a steering decision that moved flows, as the edge counts
// its failovers (edge/dataplane); a path changing state without traffic
// on it, or a decision that moved nothing, is not one.
func isFailover(s *events.Steering) bool { return s.Kind == "decision" && s.FlowsMoved > 0 }

func (e *Engine) observeSteering(ev *events.Event, now time.Time) {
	if !isFailover(ev.Steering) {
		return
	}
	st := e.site(ev.Network, ev.Site)
	if st == nil {
		return
	}
	if len(st.failovers) >= maxStormEvents {
		st.failovers = slices.Delete(st.failovers, 0, len(st.failovers)-maxStormEvents+1)
	}
	st.failovers = append(st.failovers, now)
	st.heard = now
	e.evalSite(siteKey{ev.Network, ev.Site}, st, now)
}

// site returns the state of a site, made if new; nil beyond maxSites.
func (e *Engine) site(network, name string) *siteState {
	k := siteKey{network, name}
	st := e.sites[k]
	if st == nil && name != "" && len(e.sites) < maxSites {
		st = &siteState{paths: map[string]bool{}}
		e.sites[k] = st
	}
	return st
}

// fresh reports whether a report was heard within the silence window.
func (e *Engine) fresh(r report, now time.Time) bool { return now.Sub(r.heard) <= e.r.Silence }

// evalPath sets the path rules' conditions of one path. The alerts'
// summaries and details are made only for conditions that hold: Tick
// evaluates every path each time, and most are healthy.
func (e *Engine) evalPath(k pathKey, p *pathState, now time.Time) {
	var downBy, slaBy []string
	var worst report
	heard := false
	for site, r := range p.reports {
		if !e.fresh(r, now) {
			continue
		}
		heard = true
		if r.state == events.PathDown {
			downBy = append(downBy, site)
		} else if r.valid && e.overSLA(r) {
			slaBy = append(slaBy, site)
			worst = worse(worst, r)
		}
	}
	subject := "path/" + k.path
	var down, sla Alert
	if len(downBy) > 0 {
		slices.Sort(downBy)
		down = Alert{Network: k.network, Site: p.siteA, Path: k.path, Subject: subject, Summary: "path " + k.path + " is down",
			Details: map[string]any{"reported_by": downBy, "peer": p.siteB}}
	}
	e.judge(condKey{KindPathDown, k.network, subject}, len(downBy) > 0, heard, now, down)
	if len(slaBy) > 0 {
		slices.Sort(slaBy)
		sla = Alert{Network: k.network, Site: p.siteA, Path: k.path, Subject: subject,
			Summary: fmt.Sprintf("path %s is over its SLA thresholds: latency %.1f ms, jitter %.1f ms, loss %.2f %%",
				k.path, worst.latency, worst.jitter, worst.loss),
			Details: map[string]any{"reported_by": slaBy, "peer": p.siteB, "latency_ms": worst.latency, "jitter_ms": worst.jitter,
				"loss_pct": worst.loss, "threshold_latency_ms": e.r.LatencyMs, "threshold_jitter_ms": e.r.JitterMs, "threshold_loss_pct": e.r.LossPct}}
	}
	e.judge(condKey{KindSLAViolated, k.network, subject}, len(slaBy) > 0, heard, now, sla)
}

func (e *Engine) overSLA(r report) bool {
	return r.latency > e.r.LatencyMs || r.jitter > e.r.JitterMs || r.loss > e.r.LossPct
}

// worse returns the report with the higher latency, then loss.
func worse(a, b report) report {
	if b.latency > a.latency || b.latency == a.latency && b.loss > a.loss {
		return b
	}
	return a
}

// evalSite sets the site rules' conditions of one site; as evalPath,
// it makes alerts only for conditions that hold.
func (e *Engine) evalSite(k siteKey, st *siteState, now time.Time) {
	subject := "site/" + k.site
	base := Alert{Network: k.network, Site: k.site, Subject: subject}
	known, down := e.sitePaths(k, st, now)
	// Silence counts only for a site with paths: an edge reports path
	// samples, and one without peers has none to report.
	silent := len(st.paths) > 0 && !st.heard.IsZero() && now.Sub(st.heard) > e.r.Silence
	var off Alert
	if st.disconnected || silent {
		off = base
		off.Summary = fmt.Sprintf("site %s is offline: no report for %v", k.site, now.Sub(st.heard).Round(time.Second))
		if st.disconnected {
			off.Summary = "site " + k.site + " is offline: its control stream ended"
		}
		off.Details = map[string]any{"last_report": st.heard, "connected": !st.disconnected}
	}
	e.judge(condKey{KindSiteOffline, k.network, subject}, st.disconnected || silent, !st.heard.IsZero() || st.disconnected, now, off)

	var un Alert
	unreachable := known > 0 && down == known
	if unreachable {
		un = base
		un.Summary = fmt.Sprintf("every path to site %s is down (%d paths)", k.site, down)
		un.Details = map[string]any{"paths": known}
	}
	e.judge(condKey{KindSiteUnreachable, k.network, subject}, unreachable, known > 0, now, un)

	cut := now.Add(-e.r.StormWindow)
	i, _ := slices.BinarySearchFunc(st.failovers, cut, func(t, c time.Time) int { return t.Compare(c) })
	st.failovers = st.failovers[i:]
	var storm Alert
	stormy := len(st.failovers) > e.r.StormFailovers
	if stormy {
		storm = base
		storm.Summary = fmt.Sprintf("site %s reported %d failovers within %v (more than %d)", k.site, len(st.failovers), e.r.StormWindow, e.r.StormFailovers)
		storm.Details = map[string]any{"failovers": len(st.failovers), "window": e.r.StormWindow.String(), "threshold": e.r.StormFailovers}
	}
	e.judge(condKey{KindFailoverStorm, k.network, subject}, stormy, !st.heard.IsZero(), now, storm)
}

// sitePaths counts a site's paths with a fresh report, and those down.
func (e *Engine) sitePaths(k siteKey, st *siteState, now time.Time) (known, down int) {
	for id := range st.paths {
		p := e.paths[pathKey{k.network, id}]
		if p == nil {
			delete(st.paths, id)
			continue
		}
		isKnown, isDown := false, false
		for _, r := range p.reports {
			if e.fresh(r, now) {
				isKnown = true
				isDown = isDown || r.state == events.PathDown
			}
		}
		if isKnown {
			known++
		}
		if isDown {
			down++
		}
	}
	return known, down
}

// Check is one subject whose condition holds, found by a check the
// engine does not make itself (certificates, the store).
type Check struct {
	Subject string
	Network string
	Site    string
	Summary string
	Details map[string]any
}

// Check sets the conditions of kind (KindCertExpiring, KindStoreErrors):
// those in holding hold, every other subject of kind does not.
func (e *Engine) Check(kind Kind, holding []Check, now time.Time) []Alert {
	seen := map[string]bool{}
	for _, c := range holding {
		seen[c.Subject] = true
		e.set(condKey{kind, "", c.Subject}, true, now, Alert{Network: c.Network, Site: c.Site, Subject: c.Subject, Summary: c.Summary, Details: c.Details})
	}
	for k, c := range e.conds {
		if k.kind == kind && !seen[k.subject] {
			e.set(k, false, now, c.alert)
		}
	}
	return e.flush()
}

// Retain forgets the sites of network not in sites (revoked or deleted)
// and the paths to them: their firing alerts resolve at once.
func (e *Engine) Retain(network string, sites []string, now time.Time) []Alert {
	keep := map[string]bool{}
	for _, s := range sites {
		keep[s] = true
	}
	for k := range e.sites {
		if k.network == network && !keep[k.site] {
			delete(e.sites, k)
			e.forget(condKey{network: network, subject: "site/" + k.site}, now)
		}
	}
	for k, p := range e.paths {
		if k.network == network && (!keep[p.siteA] || !keep[p.siteB]) {
			delete(e.paths, k)
			e.forget(condKey{network: network, subject: "path/" + k.path}, now)
		}
	}
	return e.flush()
}

// forget drops every rule's condition on a subject; firing ones resolve.
func (e *Engine) forget(k condKey, now time.Time) {
	for _, kind := range Kinds {
		k.kind = kind
		if c := e.conds[k]; c != nil {
			if c.firing {
				c.alert.Details = withReason(c.alert.Details, "its site is no longer in the network")
				e.resolve(k, c, now)
			}
			delete(e.conds, k)
		}
	}
}

func withReason(d map[string]any, reason string) map[string]any {
	out := map[string]any{"reason": reason}
	for k, v := range d {
		out[k] = v
	}
	return out
}

// Tick evaluates what time alone changes: silence, freshness, windows,
// For and ResolveAfter.
func (e *Engine) Tick(now time.Time) []Alert {
	for k, p := range e.paths {
		for site, r := range p.reports {
			if now.Sub(r.heard) > pathForget {
				delete(p.reports, site)
			}
		}
		e.evalPath(k, p, now)
		if len(p.reports) == 0 {
			delete(e.paths, k)
		}
	}
	for k, st := range e.sites {
		e.evalSite(k, st, now)
	}
	for k, c := range e.conds {
		e.step(k, c, now)
	}
	return e.flush()
}

// judge is set for a condition judged from what the engine knows of its
// subject: known is false when it knows nothing since it started (no
// fresh report of the path, the site not heard), and then a restored
// alert is left as it is (Restore).
func (e *Engine) judge(k condKey, holds, known bool, now time.Time, a Alert) {
	if c := e.conds[k]; !known && c != nil && c.restored {
		return
	}
	e.set(k, holds, now, a)
}

// Step moves the alerts by their rules' timing (For, ResolveAfter) alone,
// without judging the conditions again (Tick does).
func (e *Engine) Step(now time.Time) []Alert {
	for k, c := range e.conds {
		e.step(k, c, now)
	}
	return e.flush()
}

// set records whether a condition holds now; a holding one takes a's
// summary and details.
func (e *Engine) set(k condKey, holds bool, now time.Time, a Alert) {
	holds = holds && e.timing(k.kind).Enabled
	c := e.conds[k]
	if c == nil {
		if !holds {
			return
		}
		c = &cond{since: now}
		e.conds[k] = c
	}
	if c.active != holds {
		c.active, c.since = holds, now
	}
	c.restored = false
	if holds {
		old := c.alert
		c.alert = a
		c.alert.Kind, c.alert.ID, c.alert.Status, c.alert.At, c.alert.StartedAt = k.kind, old.ID, old.Status, old.At, old.StartedAt
	}
	e.step(k, c, now)
}

// step moves a condition's alert by the rule's timing.
func (e *Engine) step(k condKey, c *cond, now time.Time) {
	t := e.timing(k.kind)
	switch {
	case c.active && !c.firing && now.Sub(c.since) >= t.For:
		c.firing = true
		c.alert.ID, c.alert.Status, c.alert.At, c.alert.StartedAt = newID(), StatusFiring, now, c.since
		e.out = append(e.out, c.alert)
	case !c.active && c.firing && now.Sub(c.since) >= t.ResolveAfter && !c.restored:
		e.resolve(k, c, now)
		delete(e.conds, k)
	case !c.active && !c.firing:
		delete(e.conds, k)
	}
}

func (e *Engine) resolve(_ condKey, c *cond, now time.Time) {
	a := c.alert
	a.Status, a.At = StatusResolved, now
	a.ResolvedAt = &now
	c.firing = false
	e.out = append(e.out, a)
}

func (e *Engine) timing(k Kind) Timing {
	switch k {
	case KindSiteOffline:
		return e.r.SiteOffline
	case KindPathDown:
		return e.r.PathDown
	case KindSiteUnreachable:
		return e.r.SiteUnreachable
	case KindSLAViolated:
		return e.r.SLA
	case KindFailoverStorm:
		return e.r.Storm
	case KindCertExpiring:
		return e.r.Cert
	case KindStoreErrors:
		return e.r.Store
	}
	return Timing{}
}

// flush returns the notices of the call, ordered by kind and subject.
func (e *Engine) flush() []Alert {
	out := e.out
	e.out = nil
	slices.SortStableFunc(out, func(a, b Alert) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Network+"/"+a.Subject, b.Network+"/"+b.Subject)
	})
	return out
}

// Restore takes alerts that were firing when the engine's state was
// lost (a controller restart, another replica leading before): each
// keeps firing, under its ID, until its condition is judged again from
// what the engine learns — a path once a report of it is heard, a site
// once it is heard, certificates and the store at their next check —
// and then resolves as any alert (after ResolveAfter) or keeps firing.
// A site that is never heard again keeps its site_offline alert. Alerts
// of kinds the engine does not evaluate are ignored.
func (e *Engine) Restore(alerts []Alert, now time.Time) {
	for _, a := range alerts {
		if !slices.Contains(Kinds, a.Kind) || a.Status != StatusFiring {
			continue
		}
		k := condKey{a.Kind, a.Network, a.Subject}
		if a.Kind == KindCertExpiring || a.Kind == KindStoreErrors {
			k.network = ""
		}
		e.conds[k] = &cond{active: true, since: now, firing: true, alert: a, restored: true}
	}
}

// Active returns the firing alerts, oldest first.
func (e *Engine) Active() []Alert {
	var out []Alert
	for _, c := range e.conds {
		if c.firing {
			out = append(out, c.alert)
		}
	}
	slices.SortFunc(out, func(a, b Alert) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind)+a.Network+a.Subject, string(b.Kind)+b.Network+b.Subject)
	})
	return out
}

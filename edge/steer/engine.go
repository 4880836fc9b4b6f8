package steer

import (
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

// Engine is the steering decision engine. See the package comment for
// its rules and concurrency model.
type Engine struct {
	mu       sync.Mutex // guards the fields below; held by every control call, never across I/O
	cfg      Config
	epoch    time.Time
	paths    []*pathRT // by handle
	byID     map[string]*pathRT
	sites    map[uint16]*siteRT
	policies []*policyRT
	pending  []Event // events of the call in progress

	// Read by Lookup without mu.
	tables atomic.Pointer[tableSet]
	clock  atomic.Uint32 // coarse seconds since epoch, plus 1 (0 is "never")
	events *ring
}

type policyRT struct {
	Policy
	index     int
	sla       quality.SLAClass
	colorRank map[string]int
}

func (p *policyRT) rank(color string) int {
	if r, ok := p.colorRank[color]; ok {
		return r
	}
	return len(p.Colors)
}

type siteRT struct {
	id      uint16
	paths   []*pathRT  // site-local index
	classes []*classRT // by policy index
}

// pathRT is the runtime state of a path.
type pathRT struct {
	Path
	handle     int32
	local      int    // index in its site's paths
	idHash     uint64 // for rendezvous hashing
	bfd        packet.State
	metrics    quality.Metrics
	a          quality.Assessment
	penalty    float64
	penaltyAt  time.Time
	suppressed bool
}

// classRT is the runtime state of one policy towards one site.
type classRT struct {
	pol       *policyRT
	site      *siteRT
	slot      *slot
	badSince  []time.Time // by site-local path: not good (down, degraded, SLA violated) since
	goodSince []time.Time // up and meeting the SLA since
	wasBad    []bool      // stopped being good at least once
	cur       []int       // site-local indices of the chosen paths, in slot order
	removed   bool        // a chosen path was removed by Set: the next decision's reason
	decided   bool        // the published decision was made from cur (false after Set)
}

// New returns an engine with configuration cfg; now starts its clock.
// Every path starts down (BFD Down) until SetBFD says otherwise, so
// Lookup finds no path for a site until one of its paths is up.
func New(cfg Config, now time.Time) (*Engine, error) {
	e := &Engine{epoch: now}
	e.setClock(now)
	if err := e.Set(cfg, now); err != nil {
		return nil, err
	}
	return e, nil
}

// Set replaces the whole configuration. An identical configuration
// changes nothing; otherwise the state of paths (by ID) and of policies
// towards sites (by name and site) is kept, every decision is evaluated
// again and flows move only where the new configuration requires it.
// Path handles are indices into cfg.Paths from then on. A configuration
// with an error is refused as a whole.
func (e *Engine) Set(cfg Config, now time.Time) error {
	cfg, err := cfg.validate()
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.events != nil && reflect.DeepEqual(cfg, e.cfg) {
		return nil
	}
	e.setClock(now)
	if e.events == nil || len(e.events.buf) != cfg.EventLog {
		e.events = resize(e.events, cfg.EventLog)
	}
	old := e.byID
	oldSites := e.sites
	e.cfg = cfg
	e.buildPolicies()
	e.buildPaths(old)
	e.buildSites(oldSites)
	e.publishTables()
	for _, s := range e.sites {
		for _, p := range s.paths {
			e.assessLocked(p, now, "reconfigured")
		}
	}
	e.evaluateAllLocked(now)
	e.flushLocked()
	return nil
}

func resize(r *ring, capacity int) *ring {
	n := newRing(capacity)
	if r != nil {
		evs, dropped := r.snapshot(nil)
		for _, ev := range evs {
			n.add(ev)
		}
		n.dropped += dropped
	}
	return n
}

func (e *Engine) buildPolicies() {
	classes := map[string]quality.SLAClass{}
	for _, c := range e.cfg.Classes {
		classes[c.Name] = c
	}
	e.policies = make([]*policyRT, len(e.cfg.Policies))
	for i, p := range e.cfg.Policies {
		rt := &policyRT{Policy: p, index: i, sla: classes[p.SLA], colorRank: map[string]int{}}
		for r, c := range p.Colors {
			if _, dup := rt.colorRank[c]; !dup {
				rt.colorRank[c] = r
			}
		}
		e.policies[i] = rt
	}
}

func (e *Engine) buildPaths(old map[string]*pathRT) {
	e.paths = make([]*pathRT, len(e.cfg.Paths))
	e.byID = make(map[string]*pathRT, len(e.cfg.Paths))
	for i, p := range e.cfg.Paths {
		rt := &pathRT{bfd: packet.StateDown}
		if o := old[p.ID]; o != nil && o.Site == p.Site {
			*rt = *o
		}
		h := fnv.New64a()
		h.Write([]byte(p.ID))
		rt.Path, rt.handle, rt.idHash = p, int32(i), h.Sum64()
		e.paths[i] = rt
		e.byID[p.ID] = rt
	}
}

// buildSites makes the sites and their classes, carrying over each
// class's slot (decision and flow activity), choices and timers.
func (e *Engine) buildSites(old map[uint16]*siteRT) {
	e.sites = map[uint16]*siteRT{}
	for _, p := range e.paths {
		s := e.sites[p.Site]
		if s == nil {
			s = &siteRT{id: p.Site}
			e.sites[p.Site] = s
		}
		p.local = len(s.paths)
		s.paths = append(s.paths, p)
	}
	for _, s := range e.sites {
		s.classes = make([]*classRT, len(e.policies))
		for i, pol := range e.policies {
			c := &classRT{pol: pol, site: s, slot: &slot{},
				badSince: make([]time.Time, len(s.paths)), goodSince: make([]time.Time, len(s.paths)),
				wasBad: make([]bool, len(s.paths))}
			if os := old[s.id]; os != nil {
				c.carryOver(os, e.byID)
			}
			s.classes[i] = c
		}
	}
}

// carryOver takes what the same policy towards the same site had.
func (c *classRT) carryOver(os *siteRT, byID map[string]*pathRT) {
	var o *classRT
	for _, oc := range os.classes {
		if oc.pol.Name == c.pol.Name {
			o = oc
		}
	}
	if o == nil {
		return
	}
	c.slot = o.slot
	for _, op := range os.paths {
		if np := byID[op.ID]; np != nil && np.Site == c.site.id {
			c.badSince[np.local], c.goodSince[np.local] = o.badSince[op.local], o.goodSince[op.local]
			c.wasBad[np.local] = o.wasBad[op.local]
		}
	}
	for _, l := range o.cur {
		if np := byID[os.paths[l].ID]; np != nil && np.Site == c.site.id {
			c.cur = append(c.cur, np.local)
		} else {
			c.removed = true
		}
	}
	// Translate the published decision into the new handles, so that
	// moves are counted against what flows really use.
	if d := o.slot.dec.Load(); d != nil {
		tr := make(map[int32]int32, len(os.paths))
		for _, op := range os.paths {
			if np := byID[op.ID]; np != nil && np.Site == c.site.id {
				tr[op.handle] = np.handle
			}
		}
		c.slot.dec.Store(d.translate(tr))
	}
}

// PolicyIndex returns the index of a policy, the class argument of
// Lookup.
func (e *Engine) PolicyIndex(name string) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, p := range e.cfg.Policies {
		if p.Name == name {
			return i, true
		}
	}
	return -1, false
}

// SetBFD records the BFD state of a path, the callback of its BFD
// session. A path going down moves every flow on it at once; the returned
// events say what changed and which flows moved.
func (e *Engine) SetBFD(id string, s packet.State, now time.Time) ([]Event, error) {
	return e.update(id, now, func(p *pathRT) { p.bfd = s }, "bfd "+s.String())
}

// SetProbe records the probe metrics of a path (quality.FromProbe of
// its probe.Sender's Metrics), after each probe reply or timeout.
func (e *Engine) SetProbe(id string, m quality.Metrics, now time.Time) ([]Event, error) {
	return e.update(id, now, func(p *pathRT) { p.metrics = m }, "probes")
}

func (e *Engine) update(id string, now time.Time, f func(*pathRT), cause string) ([]Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.byID[id]
	if p == nil {
		return nil, fmt.Errorf("steer: no path %q", id)
	}
	e.setClock(now)
	f(p)
	e.decayLocked(p, now)
	e.assessLocked(p, now, cause)
	e.evaluateSiteLocked(e.sites[p.Site], now)
	return e.flushLocked(), nil
}

// Tick runs the timers: damping and hold-down expiry, flap penalty decay.
// Call it periodically (every 100 ms to 1 s; the timers' precision is
// the tick's).
func (e *Engine) Tick(now time.Time) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.setClock(now)
	for _, p := range e.paths {
		e.decayLocked(p, now)
	}
	e.evaluateAllLocked(now)
	return e.flushLocked()
}

func (e *Engine) setClock(now time.Time) {
	secs := max(now.Sub(e.epoch), 0) / time.Second
	e.clock.Store(uint32(min(secs, math.MaxUint32-1)) + 1)
}

// assessLocked runs the scoring model on p and records a state change.
func (e *Engine) assessLocked(p *pathRT, now time.Time, cause string) {
	prev := p.a
	p.a = e.cfg.Model.Assess(prev.State, quality.Input{BFD: p.bfd, Probe: p.metrics})
	if p.a.State == prev.State {
		return
	}
	reason := fmt.Sprintf("%s → %s: %s, score %.1f", prev.State, p.a.State, cause, p.a.Score)
	e.emit(Event{Time: now, PathID: p.ID, Kind: PathState, Reason: reason, Site: p.Site})
	if p.a.State == quality.Down && prev.State != quality.Down && cause != "reconfigured" {
		e.penalizeLocked(p, now)
	}
}

func (e *Engine) evaluateAllLocked(now time.Time) {
	for _, s := range e.sites {
		e.evaluateSiteLocked(s, now)
	}
}

func (e *Engine) emit(ev Event) { e.pending = append(e.pending, ev) }

// flushLocked logs the pending events and returns them.
func (e *Engine) flushLocked() []Event {
	out := e.pending
	e.pending = nil
	for _, ev := range out {
		e.events.add(ev)
	}
	return out
}

// Events appends the logged events, oldest first, to dst and returns it
// with the number of events dropped because the log was full.
func (e *Engine) Events(dst []Event) ([]Event, uint64) {
	e.mu.Lock()
	r := e.events
	e.mu.Unlock()
	return r.snapshot(dst)
}

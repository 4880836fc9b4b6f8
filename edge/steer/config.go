package steer

import (
	"fmt"
	"time"

	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

// Mode is how a policy uses the paths to a site.
type Mode uint8

// Modes.
const (
	BestPath    Mode = iota // every flow on the best path
	LoadBalance             // flows spread over the paths that meet the SLA
	Duplicate               // every packet on the two best paths
)

var modeNames = [...]string{"best-path", "load-balance", "duplicate"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText accepts "best-path", "load-balance" and "duplicate"; an
// empty value is best-path.
func (m *Mode) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*m = BestPath
		return nil
	}
	for i, n := range modeNames {
		if string(b) == n {
			*m = Mode(i)
			return nil
		}
	}
	return fmt.Errorf("%q is not best-path, load-balance or duplicate", b)
}

// Path is one path as steering sees it.
type Path struct {
	ID        string // unique, e.g. "site-a/inet->site-b/lte"
	Site      uint16 // the site it leads to
	Color     string // colour of its local WAN link
	Bandwidth uint64 // bit/s of its local WAN link; 0 when unknown
	Cost      int    // of its local WAN link; lower is preferred when all else is equal
	// Link and RemoteLink name the WAN links at its two ends. Duplicate
	// mode takes its second path on other links than the first's when
	// one is usable: two copies over one link die together.
	Link, RemoteLink string
}

// Policy is how the flows of one traffic class are steered; the
// classifier maps flows to a policy's index in Config.Policies.
type Policy struct {
	Name   string   // unique
	SLA    string   // name of an SLA class of Config.Classes
	Colors []string // preferred colours, most preferred first
	Mode   Mode
}

// Timers of the steering rules. Zero fields take the defaults.
type Timers struct {
	// Damping: how long a path must violate a class's SLA (or be
	// degraded) before that class's flows leave it.
	Damping time.Duration
	// HoldDown: how long a path must have been up and meeting the SLA
	// before flows move (back) to it.
	HoldDown time.Duration
	// Margin: when no path meets a policy's SLA, the score points by
	// which the best path must beat the current one to take its flows.
	Margin float64
	// Flap damping (RFC 2439 style): each time a path goes down its
	// penalty grows by FlapPenalty; the penalty halves every FlapHalfLife;
	// a path whose penalty reaches FlapSuppress gets no flows (unless no
	// other path is usable) until the penalty falls below FlapReuse. The
	// penalty never exceeds FlapMax, which bounds the suppression to
	// FlapHalfLife × log2(FlapMax/FlapReuse).
	FlapPenalty, FlapSuppress, FlapReuse, FlapMax float64
	FlapHalfLife                                  time.Duration
	// FlowIdle: a flow bucket without a packet for this long holds no
	// active flow.
	FlowIdle time.Duration
}

// Defaults of Timers.
const (
	DefaultDamping      = 3 * time.Second
	DefaultHoldDown     = 20 * time.Second
	DefaultMargin       = 5
	DefaultFlapPenalty  = 1000
	DefaultFlapSuppress = 3000
	DefaultFlapReuse    = 1500
	DefaultFlapMax      = 6000
	DefaultFlapHalfLife = 15 * time.Second
	DefaultFlowIdle     = 30 * time.Second
	DefaultEventLog     = 1024
)

func (t Timers) withDefaults() Timers {
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	num := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	dur(&t.Damping, DefaultDamping)
	dur(&t.HoldDown, DefaultHoldDown)
	dur(&t.FlapHalfLife, DefaultFlapHalfLife)
	dur(&t.FlowIdle, DefaultFlowIdle)
	num(&t.Margin, DefaultMargin)
	num(&t.FlapPenalty, DefaultFlapPenalty)
	num(&t.FlapSuppress, DefaultFlapSuppress)
	num(&t.FlapReuse, DefaultFlapReuse)
	num(&t.FlapMax, DefaultFlapMax)
	return t
}

// Config is the whole desired state of the engine; Set takes it whole.
type Config struct {
	Paths    []Path
	Classes  []quality.SLAClass // nil: quality.BuiltinClasses()
	Policies []Policy
	Timers   Timers
	Model    quality.Model
	EventLog int // capacity of the event ring; 0: DefaultEventLog
}

// MaxPaths bounds the paths of a configuration (path handles are int32
// and decisions store them per bucket).
const MaxPaths = 1 << 16

// validate fills defaults and checks c; errors name the field.
func (c Config) validate() (Config, error) {
	var es fielderr.List
	add := es.Add
	if c.Classes == nil {
		c.Classes = quality.BuiltinClasses()
	}
	c.Timers = c.Timers.withDefaults()
	if c.EventLog == 0 {
		c.EventLog = DefaultEventLog
	}
	if len(c.Paths) > MaxPaths {
		add("paths", "%d paths, at most %d", len(c.Paths), MaxPaths)
	}
	ids := map[string]int{}
	for i, p := range c.Paths {
		if p.ID == "" {
			add(fmt.Sprintf("paths[%d].id", i), "required")
		} else if j, dup := ids[p.ID]; dup {
			add(fmt.Sprintf("paths[%d].id", i), "%q is already paths[%d]", p.ID, j)
		} else {
			ids[p.ID] = i
		}
	}
	es = append(es, quality.ValidateClasses("classes", c.Classes)...)
	classes := map[string]bool{}
	for _, k := range c.Classes {
		classes[k.Name] = true
	}
	names := map[string]int{}
	for i, p := range c.Policies {
		at := fmt.Sprintf("policies[%d]", i)
		if p.Name == "" {
			add(at+".name", "required")
		} else if j, dup := names[p.Name]; dup {
			add(at+".name", "%q is already policies[%d]", p.Name, j)
		} else {
			names[p.Name] = i
		}
		if !classes[p.SLA] {
			add(at+".sla", "no SLA class %q", p.SLA)
		}
		if p.Mode > Duplicate {
			add(at+".mode", "%d is not best-path, load-balance or duplicate", p.Mode)
		}
	}
	es = append(es, c.Model.Validate("model")...)
	checkTimers(c.Timers, add)
	if c.EventLog < 1 || c.EventLog > 1<<20 {
		add("event_log", "%d is not between 1 and %d", c.EventLog, 1<<20)
	}
	if len(es) > 0 {
		return c, es
	}
	return c, nil
}

func checkTimers(t Timers, add func(path, format string, args ...any)) {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"damping", t.Damping}, {"hold_down", t.HoldDown}, {"flap_half_life", t.FlapHalfLife}, {"flow_idle", t.FlowIdle}} {
		if d.v < 0 || d.v > time.Hour {
			add("timers."+d.name, "%v is not between 0 and 1h", d.v)
		}
	}
	if t.FlowIdle < time.Second {
		add("timers.flow_idle", "%v is shorter than 1s", t.FlowIdle)
	}
	if t.Margin < 0 || t.Margin > 100 {
		add("timers.margin", "%v is not between 0 and 100 score points", t.Margin)
	}
	if t.FlapPenalty < 0 {
		add("timers.flap_penalty", "%v is negative", t.FlapPenalty)
	}
	if !(0 < t.FlapReuse && t.FlapReuse < t.FlapSuppress && t.FlapSuppress <= t.FlapMax) {
		add("timers.flap_suppress", "need 0 < flap_reuse (%v) < flap_suppress (%v) ≤ flap_max (%v)", t.FlapReuse, t.FlapSuppress, t.FlapMax)
	}
}

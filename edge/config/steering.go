package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// The steering part of a configuration: SLA classes, applications,
// policies and the steering timers. Each has its own package; this file
// embeds their YAML forms and validates them together, because they name
// each other (an application's class, a policy's SLA class).

// Policy is one steering rule as written in YAML. Policies are tried in
// order for each application; the first whose match holds steers the
// application's flows. An application no policy matches gets the implicit
// policy of its class: best path under the SLA class of the same name.
//
//	policies:
//	  - name: voice-dup
//	    match: {classes: [voice]}
//	    sla_class: voice
//	    mode: duplicate
//	  - name: backups-off-lte
//	    match: {applications: [rsync, smb]}
//	    sla_class: bulk
//	    colors: [inet, mpls]
//	    compression: true
type Policy struct {
	Name  string      `yaml:"name"`
	Match PolicyMatch `yaml:"match"`
	// SLA is the SLA class the policy's flows ask of a path.
	SLA string `yaml:"sla_class"`
	// Colors are the preferred link colours, most preferred first.
	Colors []string `yaml:"colors"`
	// Mode is best-path (default), load-balance or duplicate.
	Mode string `yaml:"mode"`
	// Compression false sends the policy's packets uncompressed even on
	// a path where compression is active; left out: the path decides.
	Compression Switch `yaml:"compression"`
}

// PolicyMatch selects applications by name or by class; both empty
// matches every application. Given both, either will do.
type PolicyMatch struct {
	Applications []string `yaml:"applications"`
	Classes      []string `yaml:"classes"`
}

// Steering holds the steering timers (edge/steer Timers); empty fields
// take its defaults.
type Steering struct {
	Damping      string  `yaml:"damping"`
	HoldDown     string  `yaml:"hold_down"`
	Margin       float64 `yaml:"margin_score"`
	FlapPenalty  float64 `yaml:"flap_penalty"`
	FlapSuppress float64 `yaml:"flap_suppress"`
	FlapReuse    float64 `yaml:"flap_reuse"`
	FlapMax      float64 `yaml:"flap_max"`
	FlapHalfLife string  `yaml:"flap_half_life"`
	FlowIdle     string  `yaml:"flow_idle"`
}

// QualityModel holds the path-state thresholds (edge/quality Model).
type QualityModel struct {
	DegradedBelow float64 `yaml:"degraded_below_score"`
	RecoverAt     float64 `yaml:"recover_at_score"`
}

// Defaults of BFD inside a path tunnel: the 100 ms × 3 (a path
// dead for 300 ms loses its flows). The link socket is the only thing
// between the sessions, so these are cheap: 10 packets/s each way.
const (
	DefaultPathBFDInterval   = 100 * time.Millisecond
	DefaultPathBFDMultiplier = 3
)

// ValidSteering is the validated steering part of a Valid.
type ValidSteering struct {
	Classes  []quality.SLAClass // built-ins with the configured ones
	Rules    *classify.Rules
	Policies []steer.Policy // configured, then one implicit policy per class left over
	// PolicyOf is the policy index of each application, by App.Index;
	// its last entry is the unclassified application's.
	PolicyOf []int
	// NoCompress is true for the policies with compression: false.
	NoCompress []bool
	Timers     steer.Timers
	Model      quality.Model
}

// PolicyOfApp returns the policy index of an application.
func (s *ValidSteering) PolicyOfApp(a *classify.App) int {
	if a.Index < 0 || a.Index >= len(s.PolicyOf)-1 {
		return s.PolicyOf[len(s.PolicyOf)-1]
	}
	return s.PolicyOf[a.Index]
}

// ImplicitPrefix starts the names of implicit policies ("class:voice"):
// a colon is not allowed in configured names, so they never collide.
const ImplicitPrefix = "class:"

func checkSteering(e *errs, c *Config) ValidSteering {
	var s ValidSteering
	for _, fe := range quality.ValidateClasses("sla_classes", c.SLAClasses) {
		e.add(fe.Path, "%s", fe.Msg)
	}
	s.Classes = quality.WithBuiltins(c.SLAClasses)
	classes := map[string]bool{}
	for _, k := range s.Classes {
		classes[k.Name] = true
	}
	rules, err := classify.NewRules(classify.Config{Applications: c.Applications, DisableBuiltin: c.DisableBuiltinApplications})
	if err != nil {
		var ce classify.Errors
		if errors.As(err, &ce) {
			for _, fe := range ce {
				e.add(fe.Path, "%s", fe.Msg)
			}
		} else {
			e.add("applications", "%v", err)
		}
		rules = classify.MustRules(classify.Config{})
	}
	s.Rules = rules
	for i, a := range c.Applications {
		if a.Class != "" && !classes[a.Class] {
			e.add(fmt.Sprintf("applications[%d].class", i), "no SLA class %q (built-in: voice, video, interactive, bulk, default; or add it to sla_classes)", a.Class)
		}
	}
	apps := map[string]bool{}
	for _, a := range rules.Apps() {
		apps[a.Name] = true
	}
	apps[classify.UnclassifiedName] = true

	names := map[string]int{}
	for i, p := range c.Policies {
		at := fmt.Sprintf("policies[%d]", i)
		checkLabel(e, at+".name", p.Name)
		if j, dup := names[p.Name]; dup && p.Name != "" {
			e.add(at+".name", "%q is also the name of policies[%d]", p.Name, j)
		}
		names[p.Name] = i
		sp := steer.Policy{Name: p.Name, SLA: p.SLA, Colors: p.Colors}
		switch {
		case p.SLA == "":
			e.add(at+".sla_class", "required (one of the SLA classes, e.g. voice, bulk, default)")
		case !classes[p.SLA]:
			e.add(at+".sla_class", "no SLA class %q", p.SLA)
		}
		for j, col := range p.Colors {
			checkLabel(e, fmt.Sprintf("%s.colors[%d]", at, j), col)
		}
		if err := sp.Mode.UnmarshalText([]byte(p.Mode)); err != nil {
			e.add(at+".mode", "%q: use best-path, load-balance or duplicate", p.Mode)
		}
		for j, a := range p.Match.Applications {
			if !apps[a] {
				e.add(fmt.Sprintf("%s.match.applications[%d]", at, j), "no application %q", a)
			}
		}
		for j, k := range p.Match.Classes {
			if !classes[k] {
				e.add(fmt.Sprintf("%s.match.classes[%d]", at, j), "no SLA class %q", k)
			}
		}
		s.Policies = append(s.Policies, sp)
		s.NoCompress = append(s.NoCompress, !checkSwitch(e, at+".compression", p.Compression, true))
	}

	// Each application's policy: the first configured one that matches,
	// else the implicit policy of its class.
	implicit := map[string]int{}
	policyOf := func(name, class string) int {
		for i, p := range c.Policies {
			if p.Match.matches(name, class) {
				return i
			}
		}
		if i, ok := implicit[class]; ok {
			return i
		}
		implicit[class] = len(s.Policies)
		s.Policies = append(s.Policies, steer.Policy{Name: ImplicitPrefix + class, SLA: class})
		s.NoCompress = append(s.NoCompress, false)
		return implicit[class]
	}
	for _, a := range rules.Apps() {
		if !classes[a.Class] {
			s.PolicyOf = append(s.PolicyOf, 0) // reported above; the configuration is refused
			continue
		}
		s.PolicyOf = append(s.PolicyOf, policyOf(a.Name, a.Class))
	}
	u := rules.Unclassified()
	s.PolicyOf = append(s.PolicyOf, policyOf(u.Name, u.Class))

	var perr errs
	s.Timers = checkTimers(&perr, c.Steering)
	s.Model = quality.Model{DegradedBelow: c.QualityModel.DegradedBelow, RecoverAt: c.QualityModel.RecoverAt}
	e.list = append(e.list, perr.list...)
	for _, fe := range s.Model.Validate("quality_model") {
		e.add(fe.Path+"_score", "%s", fe.Msg)
	}
	if len(e.list) == 0 {
		// The engine's own checks: timer ranges.
		_, err := steer.New(steer.Config{Classes: s.Classes, Policies: s.Policies, Timers: s.Timers, Model: s.Model}, time.Now())
		var qe quality.Errors
		if errors.As(err, &qe) {
			for _, fe := range qe {
				p := fe.Path
				p = strings.Replace(p, "timers.", "steering.", 1)
				e.add(p, "%s", fe.Msg)
			}
		} else if err != nil {
			e.add("policies", "%v", err)
		}
	}
	return s
}

func (m PolicyMatch) matches(app, class string) bool {
	if len(m.Applications) == 0 && len(m.Classes) == 0 {
		return true
	}
	for _, a := range m.Applications {
		if a == app {
			return true
		}
	}
	for _, k := range m.Classes {
		if k == class {
			return true
		}
	}
	return false
}

func checkTimers(e *errs, s Steering) steer.Timers {
	t := steer.Timers{Margin: s.Margin, FlapPenalty: s.FlapPenalty, FlapSuppress: s.FlapSuppress, FlapReuse: s.FlapReuse, FlapMax: s.FlapMax}
	dur := func(field, v string, out *time.Duration) {
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			e.add("steering."+field, "%q is not a positive duration (e.g. 3s)", v)
			return
		}
		*out = d
	}
	dur("damping", s.Damping, &t.Damping)
	dur("hold_down", s.HoldDown, &t.HoldDown)
	dur("flap_half_life", s.FlapHalfLife, &t.FlapHalfLife)
	dur("flow_idle", s.FlowIdle, &t.FlowIdle)
	return t
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

// DefaultSteering is the steering of a configuration that has no
// steering sections: the built-in classes, applications and implicit
// policies, the default timers.
func DefaultSteering() ValidSteering {
	var e errs
	return checkSteering(&e, &Config{})
}

package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/internal/label"
)

// Compiled is a valid Set in the runtime types the edge runs.
type Compiled struct {
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
func (c *Compiled) PolicyOfApp(a *classify.App) int {
	if a.Index < 0 || a.Index >= len(c.PolicyOf)-1 {
		return c.PolicyOf[len(c.PolicyOf)-1]
	}
	return c.PolicyOf[a.Index]
}

// ImplicitPrefix starts the names of implicit policies ("class:voice"):
// a colon is not allowed in configured names, so they never collide.
const ImplicitPrefix = "class:"

// CheckName adds a problem at path when name breaks the name rule
// (internal/label: 1-32 lowercase letters, digits, '-' and '_', starting
// and ending with a letter or digit).
func CheckName(es *Errors, path, name string) {
	if msg := label.Check(name); msg != "" {
		es.Add(path, "%s", msg)
	}
}

// Validate checks the whole set and returns every problem by field path,
// or nil.
func (s *Set) Validate() Errors {
	_, es := s.Compile()
	return es
}

// Default is the compiled empty Set: built-in classes and applications,
// implicit policies, default timers.
func Default() *Compiled {
	c, _ := (&Set{}).Compile()
	return c
}

// Compile validates s and builds its runtime form. With errors, the
// Compiled is partial and must not be used.
func (s *Set) Compile() (*Compiled, Errors) {
	var es Errors
	c := &Compiled{}
	if s.tooLarge(&es) {
		return c, es
	}
	classes := s.compileClasses(&es, c)
	c.Rules = s.compileApps(&es, classes)
	apps := s.appNames(c.Rules)
	s.compilePolicies(&es, c, classes, apps)
	s.assignPolicies(c, classes)
	c.Timers = s.Steering.compile(&es)
	c.Model = quality.Model{DegradedBelow: s.QualityModel.DegradedBelowScore, RecoverAt: s.QualityModel.RecoverAtScore}
	for _, fe := range c.Model.Validate("quality_model") {
		es.Add(fe.Path+"_score", "%s", fe.Msg)
	}
	if len(es) == 0 {
		engineChecks(&es, c)
	}
	if len(es) == 0 {
		return c, nil
	}
	return c, es
}

// Limits of a Set: far above any real network's, low enough that
// compiling a hostile set (every application against every policy) stays
// cheap.
const (
	MaxSLAClasses   = 256
	MaxApplications = 4096
	MaxPolicies     = 1024
)

// tooLarge reports the lists over their limits; such a set is not
// compiled.
func (s *Set) tooLarge(es *Errors) bool {
	for _, l := range []struct {
		field    string
		len, max int
	}{{"sla_classes", len(s.SLAClasses), MaxSLAClasses}, {"applications", len(s.Applications), MaxApplications},
		{"policies", len(s.Policies), MaxPolicies}} {
		if l.len > l.max {
			es.Add(l.field, "%d entries, at most %d", l.len, l.max)
		}
	}
	return len(*es) > 0
}

func (s *Set) compileClasses(es *Errors, c *Compiled) map[string]bool {
	user := make([]quality.SLAClass, 0, len(s.SLAClasses))
	for i, k := range s.SLAClasses {
		at := fmt.Sprintf("sla_classes[%d]", i)
		user = append(user, quality.SLAClass{Name: k.Name, MaxLossPct: k.MaxLossPct,
			MaxLatency: limit(es, at+".max_latency", k.MaxLatency),
			MaxJitter:  limit(es, at+".max_jitter", k.MaxJitter)})
	}
	*es = append(*es, quality.ValidateClasses("sla_classes", user)...)
	c.Classes = quality.WithBuiltins(user)
	known := make(map[string]bool, len(c.Classes))
	for _, k := range c.Classes {
		known[k.Name] = true
	}
	return known
}

// limit parses an SLA limit: empty is 0 (no limit); the range is
// quality.ValidateClasses's to check.
func limit(es *Errors, path, v string) time.Duration {
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		es.Add(path, "%q is not a duration (e.g. 150ms)", v)
	}
	return d
}

func (s *Set) compileApps(es *Errors, classes map[string]bool) *classify.Rules {
	rules, err := classify.NewRules(classify.Config{Applications: s.appConfigs(), DisableBuiltin: s.DisableBuiltinApplications})
	var ce fielderr.List
	switch {
	case errors.As(err, &ce):
		*es = append(*es, ce...)
	case err != nil:
		es.Add("applications", "%v", err)
	}
	if rules == nil { // reported; the names still count for the policies
		rules = classify.MustRules(classify.Config{DisableBuiltin: s.DisableBuiltinApplications})
	}
	for i, a := range s.Applications {
		if a.Class != "" && !classes[a.Class] {
			es.Add(fmt.Sprintf("applications[%d].class", i), "no SLA class %q (built-in: voice, video, interactive, bulk, default; or add it to sla_classes)", a.Class)
		}
	}
	return rules
}

// appNames are the names a policy may match: the compiled applications
// and the configured ones (also those refused for their rules, so that
// one mistake is reported once), and unclassified.
func (s *Set) appNames(rules *classify.Rules) map[string]bool {
	apps := map[string]bool{classify.UnclassifiedName: true}
	for _, a := range rules.Apps() {
		apps[a.Name] = true
	}
	for _, a := range s.Applications {
		if a.Name != "" {
			apps[a.Name] = true
		}
	}
	return apps
}

// appConfigs is the applications in edge/classify's form.
func (s *Set) appConfigs() []classify.AppConfig {
	out := make([]classify.AppConfig, 0, len(s.Applications))
	for _, a := range s.Applications {
		c := classify.AppConfig{Name: a.Name, Class: a.Class, Match: a.Match.config()}
		for _, m := range a.MatchAny {
			c.MatchAny = append(c.MatchAny, m.config())
		}
		out = append(out, c)
	}
	return out
}

func (m Match) config() classify.MatchConfig {
	return classify.MatchConfig{CIDRs: m.CIDRs, SourceCIDRs: m.SourceCIDRs, Protocols: m.Protocols,
		Ports: m.Ports, DSCP: m.DSCP, Domains: m.Domains}
}

func (s *Set) compilePolicies(es *Errors, c *Compiled, classes, apps map[string]bool) {
	names := map[string]int{}
	for i, p := range s.Policies {
		at := fmt.Sprintf("policies[%d]", i)
		CheckName(es, at+".name", p.Name)
		if j, dup := names[p.Name]; dup && p.Name != "" {
			es.Add(at+".name", "%q is also the name of policies[%d]", p.Name, j)
		} else {
			names[p.Name] = i
		}
		switch {
		case p.SLAClass == "":
			es.Add(at+".sla_class", "required (one of the SLA classes, e.g. voice, bulk, default)")
		case !classes[p.SLAClass]:
			es.Add(at+".sla_class", "no SLA class %q", p.SLAClass)
		}
		for j, col := range p.Colors {
			CheckName(es, fmt.Sprintf("%s.colors[%d]", at, j), col)
		}
		sp := steer.Policy{Name: p.Name, SLA: p.SLAClass, Colors: p.Colors}
		if err := sp.Mode.UnmarshalText([]byte(p.Mode)); err != nil {
			es.Add(at+".mode", "%q: use best-path, load-balance or duplicate", p.Mode)
		}
		for j, a := range p.Match.Applications {
			if !apps[a] {
				es.Add(fmt.Sprintf("%s.match.applications[%d]", at, j), "no application %q", a)
			}
		}
		for j, k := range p.Match.Classes {
			if !classes[k] {
				es.Add(fmt.Sprintf("%s.match.classes[%d]", at, j), "no SLA class %q", k)
			}
		}
		c.Policies = append(c.Policies, sp)
		c.NoCompress = append(c.NoCompress, p.Compression != nil && !*p.Compression)
	}
}

// assignPolicies gives each application its policy: the first configured
// one that matches, else the implicit policy of its class.
func (s *Set) assignPolicies(c *Compiled, classes map[string]bool) {
	implicit := map[string]int{}
	policyOf := func(name, class string) int {
		for i, p := range s.Policies {
			if p.Match.matches(name, class) {
				return i
			}
		}
		if i, ok := implicit[class]; ok {
			return i
		}
		implicit[class] = len(c.Policies)
		c.Policies = append(c.Policies, steer.Policy{Name: ImplicitPrefix + class, SLA: class})
		c.NoCompress = append(c.NoCompress, false)
		return implicit[class]
	}
	for _, a := range c.Rules.Apps() {
		if !classes[a.Class] {
			c.PolicyOf = append(c.PolicyOf, 0) // reported; the set is refused
			continue
		}
		c.PolicyOf = append(c.PolicyOf, policyOf(a.Name, a.Class))
	}
	u := c.Rules.Unclassified()
	c.PolicyOf = append(c.PolicyOf, policyOf(u.Name, u.Class))
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

func (st Steering) compile(es *Errors) steer.Timers {
	t := steer.Timers{Margin: st.MarginScore, FlapPenalty: st.FlapPenalty, FlapSuppress: st.FlapSuppress,
		FlapReuse: st.FlapReuse, FlapMax: st.FlapMax}
	dur := func(field, v string, out *time.Duration) {
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			es.Add("steering."+field, "%q is not a positive duration (e.g. 3s)", v)
			return
		}
		*out = d
	}
	dur("damping", st.Damping, &t.Damping)
	dur("hold_down", st.HoldDown, &t.HoldDown)
	dur("flap_half_life", st.FlapHalfLife, &t.FlapHalfLife)
	dur("flow_idle", st.FlowIdle, &t.FlowIdle)
	return t
}

// engineFields are the names of edge/steer's Config fields in a Set.
var engineFields = strings.NewReplacer("timers.margin", "steering.margin_score", "timers.", "steering.",
	"model.", "quality_model.", "classes", "sla_classes", ".sla", ".sla_class")

// engineChecks runs the steering engine's own checks (the timers'
// ranges and relations), with its field paths turned into the Set's.
func engineChecks(es *Errors, c *Compiled) {
	_, err := steer.New(steer.Config{Classes: c.Classes, Policies: c.Policies, Timers: c.Timers, Model: c.Model}, time.Now())
	var fe fielderr.List
	switch {
	case errors.As(err, &fe):
		for _, e := range fe {
			es.Add(engineFields.Replace(e.Path), "%s", e.Msg)
		}
	case err != nil:
		es.Add("steering", "%v", err)
	}
}

// Defaults returns the steering timers and quality thresholds an empty
// Set takes, written out.
func Defaults() (Steering, QualityModel) {
	return Steering{
			Damping: steer.DefaultDamping.String(), HoldDown: steer.DefaultHoldDown.String(),
			MarginScore: steer.DefaultMargin, FlapPenalty: steer.DefaultFlapPenalty,
			FlapSuppress: steer.DefaultFlapSuppress, FlapReuse: steer.DefaultFlapReuse, FlapMax: steer.DefaultFlapMax,
			FlapHalfLife: steer.DefaultFlapHalfLife.String(), FlowIdle: steer.DefaultFlowIdle.String(),
		}, QualityModel{
			DegradedBelowScore: quality.DefaultDegradedBelow, RecoverAtScore: quality.DefaultRecoverAt,
		}
}

package graph

import (
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/policy"
)

// The GraphQL policy set types mirror package policy's Set (the one
// schema of a policy set) field by field: camelCase, durations in Go's
// notation, modes in upper case ("best-path" is BEST_PATH). Input is
// converted to a policy.Set, which manage validates as an edge would.

// decodeSet reads a stored policy set.
func decodeSet(ps manage.PolicySet) (*policy.Set, error) {
	doc, err := policy.DecodeDocument(ps.Document)
	if err != nil {
		return nil, &manage.Error{Code: manage.CodeInternal, Msg: "stored policy set unreadable", Err: err}
	}
	return policy.FromProto(doc), nil
}

// compileSet compiles a stored (so valid) policy set.
func compileSet(ps manage.PolicySet) (*policy.Compiled, error) {
	set, err := decodeSet(ps)
	if err != nil {
		return nil, err
	}
	c, errs := set.Compile()
	if len(errs) > 0 {
		return nil, &manage.Error{Code: manage.CodeInternal, Msg: "stored policy set does not compile", Err: errs}
	}
	return c, nil
}

// durPtr is a Set duration ("" unset; stored sets hold valid ones).
func durPtr(s string) *time.Duration {
	d, err := time.ParseDuration(s)
	if s == "" || err != nil {
		return nil
	}
	return &d
}

// durText is a duration in the Set's form; nil is unset.
func durText(d *time.Duration) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func policySetModel(ps manage.PolicySet) (*model.PolicySet, error) {
	set, err := decodeSet(ps)
	if err != nil {
		return nil, err
	}
	out := &model.PolicySet{Network: ps.Network, Revision: ps.Revision, UpdatedAt: timePtr(ps.UpdatedAt),
		DisableBuiltinApplications: set.DisableBuiltinApplications, Document: string(ps.Document),
		SLAClasses: []*model.PolicySLAClass{}, Applications: []*model.PolicyApplication{}, Policies: []*model.Policy{}}
	for _, c := range set.SLAClasses {
		out.SLAClasses = append(out.SLAClasses, &model.PolicySLAClass{Name: c.Name, MaxLatency: durPtr(c.MaxLatency),
			MaxJitter: durPtr(c.MaxJitter), MaxLossPct: c.MaxLossPct})
	}
	for _, a := range set.Applications {
		out.Applications = append(out.Applications, applicationModel(a))
	}
	for _, p := range set.Policies {
		out.Policies = append(out.Policies, policyModel(p))
	}
	if t := set.Steering; t != (policy.Steering{}) {
		out.Steering = &model.SteeringTimers{Damping: durPtr(t.Damping), HoldDown: durPtr(t.HoldDown), MarginScore: t.MarginScore,
			FlapPenalty: t.FlapPenalty, FlapSuppress: t.FlapSuppress, FlapReuse: t.FlapReuse, FlapMax: t.FlapMax,
			FlapHalfLife: durPtr(t.FlapHalfLife), FlowIdle: durPtr(t.FlowIdle)}
	}
	if q := set.QualityModel; q != (policy.QualityModel{}) {
		out.QualityModel = &model.QualityModel{DegradedBelowScore: q.DegradedBelowScore, RecoverAtScore: q.RecoverAtScore}
	}
	return out, nil
}

func applicationModel(a policy.Application) *model.PolicyApplication {
	pa := &model.PolicyApplication{Name: a.Name, Class: a.Class, MatchAny: []*model.MatchRule{}}
	if !matchEmpty(a.Match) {
		pa.Match = matchRule(a.Match)
	}
	for _, m := range a.MatchAny {
		pa.MatchAny = append(pa.MatchAny, matchRule(m))
	}
	return pa
}

func matchEmpty(m policy.Match) bool {
	return len(m.CIDRs)+len(m.SourceCIDRs)+len(m.Protocols)+len(m.Ports)+len(m.DSCP)+len(m.Domains) == 0
}

// modeModel is a Set's mode in the API's enum ("" is UNSPECIFIED).
func modeModel(mode string) model.SteeringMode {
	m := model.SteeringMode(strings.ToUpper(strings.ReplaceAll(mode, "-", "_")))
	if mode == "" || !m.IsValid() {
		return model.SteeringModeUnspecified
	}
	return m
}

// modeText is the API's mode in a Set's form (UNSPECIFIED is "").
func modeText(m *model.SteeringMode) string {
	if m == nil || *m == model.SteeringModeUnspecified {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(string(*m), "_", "-"))
}

func policyModel(p policy.Policy) *model.Policy {
	out := &model.Policy{Name: p.Name, SLAClass: p.SLAClass, Colors: nonNil(p.Colors), Mode: modeModel(p.Mode), Compression: p.Compression}
	if len(p.Match.Applications)+len(p.Match.Classes) > 0 {
		out.Match = &model.PolicyMatch{Applications: nonNil(p.Match.Applications), Classes: nonNil(p.Match.Classes)}
	}
	return out
}

func matchRule(m policy.Match) *model.MatchRule {
	return &model.MatchRule{Cidrs: nonNil(m.CIDRs), SourceCidrs: nonNil(m.SourceCIDRs), Protocols: nonNil(m.Protocols),
		Ports: nonNil(m.Ports), Dscp: nonNil(m.DSCP), Domains: nonNil(m.Domains)}
}

// policySet turns the mutation's input into the Set manage.SetPolicy
// validates.
func policySet(in model.PolicySetInput) *policy.Set {
	set := &policy.Set{DisableBuiltinApplications: in.DisableBuiltinApplications != nil && *in.DisableBuiltinApplications}
	for _, c := range in.SLAClasses {
		set.SLAClasses = append(set.SLAClasses, policy.SLAClass{Name: c.Name, MaxLatency: durText(c.MaxLatency),
			MaxJitter: durText(c.MaxJitter), MaxLossPct: flt(c.MaxLossPct)})
	}
	for _, a := range in.Applications {
		pa := policy.Application{Name: a.Name, Class: str(a.Class), Match: matchInput(a.Match)}
		for _, m := range a.MatchAny {
			pa.MatchAny = append(pa.MatchAny, matchInput(m))
		}
		set.Applications = append(set.Applications, pa)
	}
	for _, p := range in.Policies {
		set.Policies = append(set.Policies, policyInput(p))
	}
	if t := in.Steering; t != nil {
		set.Steering = policy.Steering{Damping: durText(t.Damping), HoldDown: durText(t.HoldDown), MarginScore: flt(t.MarginScore),
			FlapPenalty: flt(t.FlapPenalty), FlapSuppress: flt(t.FlapSuppress), FlapReuse: flt(t.FlapReuse), FlapMax: flt(t.FlapMax),
			FlapHalfLife: durText(t.FlapHalfLife), FlowIdle: durText(t.FlowIdle)}
	}
	if q := in.QualityModel; q != nil {
		set.QualityModel = policy.QualityModel{DegradedBelowScore: flt(q.DegradedBelowScore), RecoverAtScore: flt(q.RecoverAtScore)}
	}
	return set
}

func flt(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func policyInput(p *model.PolicyInput) policy.Policy {
	out := policy.Policy{Name: p.Name, SLAClass: p.SLAClass, Colors: p.Colors, Mode: modeText(p.Mode), Compression: p.Compression}
	if p.Match != nil {
		out.Match = policy.PolicyMatch{Applications: p.Match.Applications, Classes: p.Match.Classes}
	}
	return out
}

func matchInput(m *model.MatchRuleInput) policy.Match {
	if m == nil {
		return policy.Match{}
	}
	return policy.Match{CIDRs: m.Cidrs, SourceCIDRs: m.SourceCidrs, Protocols: m.Protocols, Ports: m.Ports, DSCP: m.Dscp, Domains: m.Domains}
}

// slaClasses lists the classes the network's edges use: the built-in ones
// (unless the set replaces one of the same name) and the set's.
func slaClasses(ps manage.PolicySet) ([]*model.SLAClass, error) {
	set, err := decodeSet(ps)
	if err != nil {
		return nil, err
	}
	c, err := compileSet(ps)
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	for _, k := range set.SLAClasses {
		own[k.Name] = true
	}
	out := []*model.SLAClass{}
	for _, k := range c.Classes {
		sc := &model.SLAClass{Name: k.Name, MaxLossPct: k.MaxLossPct, Builtin: !own[k.Name]}
		if k.MaxLatency > 0 {
			sc.MaxLatency = &k.MaxLatency
		}
		if k.MaxJitter > 0 {
			sc.MaxJitter = &k.MaxJitter
		}
		out = append(out, sc)
	}
	return out, nil
}

// applications lists the applications the network's edges classify, in
// the order they are tried.
func applications(ps manage.PolicySet) ([]*model.Application, error) {
	c, err := compileSet(ps)
	if err != nil {
		return nil, err
	}
	out := []*model.Application{}
	for _, a := range c.Rules.Apps() {
		out = append(out, &model.Application{Name: a.Name, Class: a.Class, Builtin: a.Builtin})
	}
	return out, nil
}

package graph

import (
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

// The policy set is stored as the JSON of pb.PolicySet; the GraphQL types
// mirror it field by field (camelCase, durations in Go's notation, modes
// without their STEERING_MODE_ prefix).

func decodePolicy(ps manage.PolicySet) (*pb.PolicySet, error) {
	out := &pb.PolicySet{}
	if err := protojson.Unmarshal(ps.Document, out); err != nil {
		return nil, &manage.Error{Code: manage.CodeInternal, Msg: "stored policy set unreadable", Err: err}
	}
	return out, nil
}

func durPtr(d *durationpb.Duration) *time.Duration {
	if d == nil {
		return nil
	}
	v := d.AsDuration()
	return &v
}

func pbDur(d *time.Duration) *durationpb.Duration {
	if d == nil {
		return nil
	}
	return durationpb.New(*d)
}

func policySetModel(ps manage.PolicySet) (*model.PolicySet, error) {
	doc, err := decodePolicy(ps)
	if err != nil {
		return nil, err
	}
	out := &model.PolicySet{Network: ps.Network, Revision: ps.Revision, UpdatedAt: timePtr(ps.UpdatedAt),
		DisableBuiltinApplications: doc.DisableBuiltinApplications, Document: string(ps.Document),
		SLAClasses: []*model.PolicySLAClass{}, Applications: []*model.PolicyApplication{}, Policies: []*model.Policy{}}
	for _, c := range doc.SlaClasses {
		out.SLAClasses = append(out.SLAClasses, &model.PolicySLAClass{Name: c.Name, MaxLatency: durPtr(c.MaxLatency),
			MaxJitter: durPtr(c.MaxJitter), MaxLossPct: c.MaxLossPct})
	}
	for _, a := range doc.Applications {
		pa := &model.PolicyApplication{Name: a.Name, Class: a.Class, MatchAny: []*model.MatchRule{}}
		if a.Match != nil {
			pa.Match = matchRule(a.Match)
		}
		for _, m := range a.MatchAny {
			pa.MatchAny = append(pa.MatchAny, matchRule(m))
		}
		out.Applications = append(out.Applications, pa)
	}
	for _, p := range doc.Policies {
		out.Policies = append(out.Policies, policyModel(p))
	}
	if t := doc.Steering; t != nil {
		out.Steering = &model.SteeringTimers{Damping: durPtr(t.Damping), HoldDown: durPtr(t.HoldDown), MarginScore: t.MarginScore,
			FlapPenalty: t.FlapPenalty, FlapSuppress: t.FlapSuppress, FlapReuse: t.FlapReuse, FlapMax: t.FlapMax,
			FlapHalfLife: durPtr(t.FlapHalfLife), FlowIdle: durPtr(t.FlowIdle)}
	}
	return out, nil
}

func policyModel(p *pb.Policy) *model.Policy {
	mode := model.SteeringMode(strings.TrimPrefix(p.Mode.String(), "STEERING_MODE_"))
	if !mode.IsValid() {
		mode = model.SteeringModeUnspecified
	}
	out := &model.Policy{Name: p.Name, SLAClass: p.SlaClass, Colors: nonNil(p.Colors), Mode: mode, Compression: p.Compression}
	if p.Match != nil {
		out.Match = &model.PolicyMatch{Applications: nonNil(p.Match.Applications), Classes: nonNil(p.Match.Classes)}
	}
	return out
}

func matchRule(m *pb.MatchRule) *model.MatchRule {
	return &model.MatchRule{Cidrs: nonNil(m.Cidrs), SourceCidrs: nonNil(m.SourceCidrs), Protocols: nonNil(m.Protocols),
		Ports: nonNil(m.Ports), Dscp: nonNil(m.Dscp), Domains: nonNil(m.Domains)}
}

// policyDocument turns the mutation's input into the document
// manage.SetPolicySet validates.
func policyDocument(in model.PolicySetInput) ([]byte, error) {
	ps := &pb.PolicySet{DisableBuiltinApplications: in.DisableBuiltinApplications != nil && *in.DisableBuiltinApplications}
	for _, c := range in.SLAClasses {
		sc := &pb.SlaClass{Name: c.Name, MaxLatency: pbDur(c.MaxLatency), MaxJitter: pbDur(c.MaxJitter)}
		if c.MaxLossPct != nil {
			sc.MaxLossPct = *c.MaxLossPct
		}
		ps.SlaClasses = append(ps.SlaClasses, sc)
	}
	for _, a := range in.Applications {
		pa := &pb.Application{Name: a.Name, Class: str(a.Class), Match: matchInput(a.Match)}
		for _, m := range a.MatchAny {
			pa.MatchAny = append(pa.MatchAny, matchInput(m))
		}
		ps.Applications = append(ps.Applications, pa)
	}
	for _, p := range in.Policies {
		ps.Policies = append(ps.Policies, policyInput(p))
	}
	if t := in.Steering; t != nil {
		ps.Steering = &pb.SteeringTimers{Damping: pbDur(t.Damping), HoldDown: pbDur(t.HoldDown), MarginScore: flt(t.MarginScore),
			FlapPenalty: flt(t.FlapPenalty), FlapSuppress: flt(t.FlapSuppress), FlapReuse: flt(t.FlapReuse), FlapMax: flt(t.FlapMax),
			FlapHalfLife: pbDur(t.FlapHalfLife), FlowIdle: pbDur(t.FlowIdle)}
	}
	return protojson.Marshal(ps)
}

func flt(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func policyInput(p *model.PolicyInput) *pb.Policy {
	out := &pb.Policy{Name: p.Name, SlaClass: p.SLAClass, Colors: p.Colors, Compression: p.Compression}
	if p.Mode != nil && *p.Mode != model.SteeringModeUnspecified {
		out.Mode = pb.SteeringMode(pb.SteeringMode_value["STEERING_MODE_"+string(*p.Mode)])
	}
	if p.Match != nil {
		out.Match = &pb.PolicyMatch{Applications: p.Match.Applications, Classes: p.Match.Classes}
	}
	return out
}

func matchInput(m *model.MatchRuleInput) *pb.MatchRule {
	if m == nil {
		return nil
	}
	return &pb.MatchRule{Cidrs: m.Cidrs, SourceCidrs: m.SourceCidrs, Protocols: m.Protocols, Ports: m.Ports, Dscp: m.Dscp, Domains: m.Domains}
}

// slaClasses lists the classes the network's edges use: the built-in ones
// (unless the set replaces one of the same name) and the set's.
func slaClasses(ps manage.PolicySet) ([]*model.SLAClass, error) {
	doc, err := decodePolicy(ps)
	if err != nil {
		return nil, err
	}
	user := make([]quality.SLAClass, 0, len(doc.SlaClasses))
	own := map[string]bool{}
	for _, c := range doc.SlaClasses {
		user = append(user, quality.SLAClass{Name: c.Name, MaxLatency: c.MaxLatency.AsDuration(), MaxJitter: c.MaxJitter.AsDuration(), MaxLossPct: c.MaxLossPct})
		own[c.Name] = true
	}
	out := []*model.SLAClass{}
	for _, c := range quality.WithBuiltins(user) {
		sc := &model.SLAClass{Name: c.Name, MaxLossPct: c.MaxLossPct, Builtin: !own[c.Name]}
		if c.MaxLatency > 0 {
			sc.MaxLatency = &c.MaxLatency
		}
		if c.MaxJitter > 0 {
			sc.MaxJitter = &c.MaxJitter
		}
		out = append(out, sc)
	}
	return out, nil
}

// applications lists the applications the network's edges classify, in
// the order they are tried.
func applications(ps manage.PolicySet) ([]*model.Application, error) {
	doc, err := decodePolicy(ps)
	if err != nil {
		return nil, err
	}
	cfg := classify.Config{DisableBuiltin: doc.DisableBuiltinApplications}
	for _, a := range doc.Applications {
		ac := classify.AppConfig{Name: a.Name, Class: a.Class, Match: matchConfig(a.Match)}
		for _, m := range a.MatchAny {
			ac.MatchAny = append(ac.MatchAny, matchConfig(m))
		}
		cfg.Applications = append(cfg.Applications, ac)
	}
	rules, err := classify.NewRules(cfg)
	if err != nil {
		return nil, &manage.Error{Code: manage.CodeInternal, Msg: "stored applications do not compile", Err: err}
	}
	out := []*model.Application{}
	for _, a := range rules.Apps() {
		out = append(out, &model.Application{Name: a.Name, Class: a.Class, Builtin: a.Builtin})
	}
	return out, nil
}

func matchConfig(m *pb.MatchRule) classify.MatchConfig {
	if m == nil {
		return classify.MatchConfig{}
	}
	return classify.MatchConfig{CIDRs: m.Cidrs, SourceCIDRs: m.SourceCidrs, Protocols: m.Protocols, Ports: m.Ports, DSCP: m.Dscp, Domains: m.Domains}
}

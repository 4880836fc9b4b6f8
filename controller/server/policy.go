package server

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// The store keeps a network's PolicySet as one document: the protobuf
// JSON form of pb.PolicySet without its revision. The edge's shapes
// (applications with match rules, policies with a match) are richer than
// rows would be worth; the set is replaced whole, validated here with the
// edge's own packages (edge/quality, edge/classify, edge/steer).

var docMarshal = protojson.MarshalOptions{UseProtoNames: true}

func encodePolicySet(ps *pb.PolicySet) ([]byte, error) {
	c := proto.Clone(ps).(*pb.PolicySet)
	c.Revision = 0
	return docMarshal.Marshal(c)
}

func decodePolicySet(doc []byte) (*pb.PolicySet, error) {
	ps := &pb.PolicySet{}
	if len(doc) == 0 {
		return ps, nil
	}
	if err := protojson.Unmarshal(doc, ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// labelRE is the edge's label rule (edge/config): 1-32 lowercase letters,
// digits and inner hyphens.
var labelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// fieldErrors collects problems by field path.
type fieldErrors []string

func (e *fieldErrors) add(path, format string, args ...any) {
	*e = append(*e, path+": "+fmt.Sprintf(format, args...))
}

func (e fieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return errors.New(strings.Join(e, "; "))
}

func (e *fieldErrors) label(path, s string) {
	switch {
	case s == "":
		e.add(path, "required")
	case !labelRE.MatchString(s):
		e.add(path, "%q: use 1-32 lowercase letters, digits and inner hyphens", s)
	}
}

// validatePolicySet checks a set as an edge would: field paths as in the
// edge's YAML (sla_classes[0].max_loss_pct, policies[1].match.applications[0]).
func validatePolicySet(ps *pb.PolicySet) error {
	var e fieldErrors
	classes := make([]quality.SLAClass, 0, len(ps.SlaClasses))
	for i, c := range ps.SlaClasses {
		at := fmt.Sprintf("sla_classes[%d]", i)
		e.label(at+".name", c.Name)
		classes = append(classes, quality.SLAClass{Name: c.Name, MaxLatency: c.MaxLatency.AsDuration(),
			MaxJitter: c.MaxJitter.AsDuration(), MaxLossPct: c.MaxLossPct})
	}
	for _, fe := range quality.ValidateClasses("sla_classes", classes) {
		e.add(fe.Path, "%s", fe.Msg)
	}
	known := map[string]bool{}
	for _, c := range quality.WithBuiltins(classes) {
		known[c.Name] = true
	}
	apps := appConfigs(ps.Applications)
	rules, err := classify.NewRules(classify.Config{Applications: apps, DisableBuiltin: ps.DisableBuiltinApplications})
	var ce classify.Errors
	switch {
	case errors.As(err, &ce):
		for _, fe := range ce {
			e.add(fe.Path, "%s", fe.Msg)
		}
	case err != nil:
		e.add("applications", "%v", err)
	}
	appNames := map[string]bool{classify.UnclassifiedName: true}
	if rules != nil {
		for _, a := range rules.Apps() {
			appNames[a.Name] = true
		}
	}
	for i, a := range apps {
		if a.Class != "" && !known[a.Class] {
			e.add(fmt.Sprintf("applications[%d].class", i), "no SLA class %q", a.Class)
		}
	}
	validatePolicies(&e, ps.Policies, known, appNames)
	validateTimers(&e, ps.Steering)
	return e.err()
}

func validatePolicies(e *fieldErrors, ps []*pb.Policy, classes, apps map[string]bool) {
	names := map[string]int{}
	for i, p := range ps {
		at := fmt.Sprintf("policies[%d]", i)
		e.label(at+".name", p.Name)
		if j, dup := names[p.Name]; dup && p.Name != "" {
			e.add(at+".name", "%q is also the name of policies[%d]", p.Name, j)
		}
		names[p.Name] = i
		switch {
		case p.SlaClass == "":
			e.add(at+".sla_class", "required (one of the SLA classes, e.g. voice, bulk, default)")
		case !classes[p.SlaClass]:
			e.add(at+".sla_class", "no SLA class %q", p.SlaClass)
		}
		for j, c := range p.Colors {
			e.label(fmt.Sprintf("%s.colors[%d]", at, j), c)
		}
		if _, ok := pb.SteeringMode_name[int32(p.Mode)]; !ok {
			e.add(at+".mode", "%d: use best-path, load-balance or duplicate", p.Mode)
		}
		for j, a := range p.GetMatch().GetApplications() {
			if !apps[a] {
				e.add(fmt.Sprintf("%s.match.applications[%d]", at, j), "no application %q", a)
			}
		}
		for j, k := range p.GetMatch().GetClasses() {
			if !classes[k] {
				e.add(fmt.Sprintf("%s.match.classes[%d]", at, j), "no SLA class %q", k)
			}
		}
	}
}

func validateTimers(e *fieldErrors, t *pb.SteeringTimers) {
	if t == nil {
		return
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"damping", t.Damping.AsDuration()}, {"hold_down", t.HoldDown.AsDuration()},
		{"flap_half_life", t.FlapHalfLife.AsDuration()}, {"flow_idle", t.FlowIdle.AsDuration()},
	} {
		if d.v < 0 {
			e.add("steering."+d.name, "%v is negative", d.v)
		}
	}
	if len(*e) > 0 {
		return
	}
	// The engine's own range checks.
	_, err := steer.New(steer.Config{Timers: steer.Timers{
		Damping: t.Damping.AsDuration(), HoldDown: t.HoldDown.AsDuration(), Margin: t.MarginScore,
		FlapPenalty: t.FlapPenalty, FlapSuppress: t.FlapSuppress, FlapReuse: t.FlapReuse, FlapMax: t.FlapMax,
		FlapHalfLife: t.FlapHalfLife.AsDuration(), FlowIdle: t.FlowIdle.AsDuration(),
	}}, time.Now())
	var qe quality.Errors
	switch {
	case errors.As(err, &qe):
		for _, fe := range qe {
			e.add(strings.Replace(fe.Path, "timers.", "steering.", 1), "%s", fe.Msg)
		}
	case err != nil:
		e.add("steering", "%v", err)
	}
}

func appConfigs(apps []*pb.Application) []classify.AppConfig {
	out := make([]classify.AppConfig, 0, len(apps))
	for _, a := range apps {
		c := classify.AppConfig{Name: a.Name, Class: a.Class, Match: matchConfig(a.Match)}
		for _, m := range a.MatchAny {
			c.MatchAny = append(c.MatchAny, matchConfig(m))
		}
		out = append(out, c)
	}
	return out
}

func matchConfig(m *pb.MatchRule) classify.MatchConfig {
	if m == nil {
		return classify.MatchConfig{}
	}
	return classify.MatchConfig{CIDRs: m.Cidrs, SourceCIDRs: m.SourceCidrs, Protocols: m.Protocols,
		Ports: m.Ports, DSCP: m.Dscp, Domains: m.Domains}
}

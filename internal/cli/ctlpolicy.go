package cli

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// policyFile is the YAML of 'patronus ctl policies': the keys and shapes
// of an edge configuration file's steering part (edge/config), so a block
// can be copied from one to the other.
type policyFile struct {
	SLAClasses                 []slaClassYAML    `yaml:"sla_classes,omitempty"`
	Applications               []applicationYAML `yaml:"applications,omitempty"`
	DisableBuiltinApplications bool              `yaml:"disable_builtin_applications,omitempty"`
	Policies                   []policyYAML      `yaml:"policies,omitempty"`
	Steering                   *steeringYAML     `yaml:"steering,omitempty"`
}

type slaClassYAML struct {
	Name       string  `yaml:"name"`
	MaxLatency string  `yaml:"max_latency,omitempty"`
	MaxJitter  string  `yaml:"max_jitter,omitempty"`
	MaxLossPct float64 `yaml:"max_loss_pct,omitempty"`
}

type matchYAML struct {
	CIDRs       []string `yaml:"cidrs,omitempty"`
	SourceCIDRs []string `yaml:"source_cidrs,omitempty"`
	Protocols   []string `yaml:"protocols,omitempty"`
	Ports       []string `yaml:"ports,omitempty"`
	DSCP        []string `yaml:"dscp,omitempty"`
	Domains     []string `yaml:"domains,omitempty"`
}

type applicationYAML struct {
	Name     string      `yaml:"name"`
	Class    string      `yaml:"class,omitempty"`
	Match    matchYAML   `yaml:"match,omitempty"`
	MatchAny []matchYAML `yaml:"match_any,omitempty"`
}

type policyMatchYAML struct {
	Applications []string `yaml:"applications,omitempty"`
	Classes      []string `yaml:"classes,omitempty"`
}

type policyYAML struct {
	Name        string          `yaml:"name"`
	Match       policyMatchYAML `yaml:"match,omitempty"`
	SLAClass    string          `yaml:"sla_class"`
	Colors      []string        `yaml:"colors,omitempty"`
	Mode        string          `yaml:"mode,omitempty"`
	Compression *bool           `yaml:"compression,omitempty"`
}

type steeringYAML struct {
	Damping      string  `yaml:"damping,omitempty"`
	HoldDown     string  `yaml:"hold_down,omitempty"`
	Margin       float64 `yaml:"margin_score,omitempty"`
	FlapPenalty  float64 `yaml:"flap_penalty,omitempty"`
	FlapSuppress float64 `yaml:"flap_suppress,omitempty"`
	FlapReuse    float64 `yaml:"flap_reuse,omitempty"`
	FlapMax      float64 `yaml:"flap_max,omitempty"`
	FlapHalfLife string  `yaml:"flap_half_life,omitempty"`
	FlowIdle     string  `yaml:"flow_idle,omitempty"`
}

var ctlModes = map[string]pb.SteeringMode{
	"":             pb.SteeringMode_STEERING_MODE_BEST_PATH,
	"best-path":    pb.SteeringMode_STEERING_MODE_BEST_PATH,
	"load-balance": pb.SteeringMode_STEERING_MODE_LOAD_BALANCE,
	"duplicate":    pb.SteeringMode_STEERING_MODE_DUPLICATE,
}

// duration parses a YAML duration; empty is unset.
func ctlDuration(field, s string) (*durationpb.Duration, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return nil, fmt.Errorf("%s: %q is not a duration (e.g. 150ms)", field, s)
	}
	return durationpb.New(d), nil
}

// proto converts the file; errors name the field. The controller checks
// the rest (names, references, ranges) and names fields the same way.
func (f *policyFile) proto() (*pb.PolicySet, error) {
	ps := &pb.PolicySet{DisableBuiltinApplications: f.DisableBuiltinApplications}
	var err error
	for i, c := range f.SLAClasses {
		k := &pb.SlaClass{Name: c.Name, MaxLossPct: c.MaxLossPct}
		at := fmt.Sprintf("sla_classes[%d]", i)
		if k.MaxLatency, err = ctlDuration(at+".max_latency", c.MaxLatency); err != nil {
			return nil, err
		}
		if k.MaxJitter, err = ctlDuration(at+".max_jitter", c.MaxJitter); err != nil {
			return nil, err
		}
		ps.SlaClasses = append(ps.SlaClasses, k)
	}
	for _, a := range f.Applications {
		app := &pb.Application{Name: a.Name, Class: a.Class, Match: a.Match.proto()}
		for _, m := range a.MatchAny {
			app.MatchAny = append(app.MatchAny, m.proto())
		}
		ps.Applications = append(ps.Applications, app)
	}
	for i, p := range f.Policies {
		mode, ok := ctlModes[p.Mode]
		if !ok {
			return nil, fmt.Errorf("policies[%d].mode: %q: use best-path, load-balance or duplicate", i, p.Mode)
		}
		ps.Policies = append(ps.Policies, &pb.Policy{Name: p.Name, SlaClass: p.SLAClass, Colors: p.Colors, Mode: mode,
			Match: &pb.PolicyMatch{Applications: p.Match.Applications, Classes: p.Match.Classes}, Compression: p.Compression})
	}
	if s := f.Steering; s != nil {
		t := &pb.SteeringTimers{MarginScore: s.Margin, FlapPenalty: s.FlapPenalty, FlapSuppress: s.FlapSuppress, FlapReuse: s.FlapReuse, FlapMax: s.FlapMax}
		for _, d := range []struct {
			name, v string
			dst     **durationpb.Duration
		}{{"damping", s.Damping, &t.Damping}, {"hold_down", s.HoldDown, &t.HoldDown}, {"flap_half_life", s.FlapHalfLife, &t.FlapHalfLife}, {"flow_idle", s.FlowIdle, &t.FlowIdle}} {
			if *d.dst, err = ctlDuration("steering."+d.name, d.v); err != nil {
				return nil, err
			}
		}
		ps.Steering = t
	}
	return ps, nil
}

func (m matchYAML) proto() *pb.MatchRule {
	return &pb.MatchRule{Cidrs: m.CIDRs, SourceCidrs: m.SourceCIDRs, Protocols: m.Protocols, Ports: m.Ports, Dscp: m.DSCP, Domains: m.Domains}
}

func ctlMatchOf(m *pb.MatchRule) matchYAML {
	if m == nil {
		return matchYAML{}
	}
	return matchYAML{CIDRs: m.Cidrs, SourceCIDRs: m.SourceCidrs, Protocols: m.Protocols, Ports: m.Ports, DSCP: m.Dscp, Domains: m.Domains}
}

func ctlDurString(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	return d.AsDuration().String()
}

// policyFileOf is the inverse of proto, for 'policies get'.
func policyFileOf(ps *pb.PolicySet) policyFile {
	f := policyFile{DisableBuiltinApplications: ps.DisableBuiltinApplications}
	for _, c := range ps.SlaClasses {
		f.SLAClasses = append(f.SLAClasses, slaClassYAML{Name: c.Name, MaxLatency: ctlDurString(c.MaxLatency), MaxJitter: ctlDurString(c.MaxJitter), MaxLossPct: c.MaxLossPct})
	}
	for _, a := range ps.Applications {
		app := applicationYAML{Name: a.Name, Class: a.Class, Match: ctlMatchOf(a.Match)}
		for _, m := range a.MatchAny {
			app.MatchAny = append(app.MatchAny, ctlMatchOf(m))
		}
		f.Applications = append(f.Applications, app)
	}
	for _, p := range ps.Policies {
		f.Policies = append(f.Policies, policyYAML{Name: p.Name, SLAClass: p.SlaClass, Colors: p.Colors,
			Mode:  strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(p.Mode.String(), "STEERING_MODE_"), "_", "-")),
			Match: policyMatchYAML{Applications: p.GetMatch().GetApplications(), Classes: p.GetMatch().GetClasses()}, Compression: p.Compression})
	}
	if t := ps.Steering; t != nil {
		f.Steering = &steeringYAML{Damping: ctlDurString(t.Damping), HoldDown: ctlDurString(t.HoldDown), Margin: t.MarginScore,
			FlapPenalty: t.FlapPenalty, FlapSuppress: t.FlapSuppress, FlapReuse: t.FlapReuse, FlapMax: t.FlapMax,
			FlapHalfLife: ctlDurString(t.FlapHalfLife), FlowIdle: ctlDurString(t.FlowIdle)}
	}
	return f
}

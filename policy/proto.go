package policy

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// The protobuf form of a Set is pb.PolicySet (the admin API) and the
// steering fields of pb.EdgeConfig, which have the same names and types:
// sla_classes, applications, disable_builtin_applications, policies,
// steering, quality_model. TestEdgeConfigHasEveryPolicySetField keeps
// them so.

var modes = map[string]pb.SteeringMode{
	"":             pb.SteeringMode_STEERING_MODE_UNSPECIFIED,
	"best-path":    pb.SteeringMode_STEERING_MODE_BEST_PATH,
	"load-balance": pb.SteeringMode_STEERING_MODE_LOAD_BALANCE,
	"duplicate":    pb.SteeringMode_STEERING_MODE_DUPLICATE,
}

// ToProto converts a valid Set; an invalid one gets its Errors.
func (s *Set) ToProto() (*pb.PolicySet, error) {
	if es := s.Validate(); len(es) > 0 {
		return nil, es
	}
	ps := &pb.PolicySet{
		DisableBuiltinApplications: s.DisableBuiltinApplications,
		Steering:                   s.Steering.proto(),
		QualityModel:               s.QualityModel.proto(),
	}
	for _, k := range s.SLAClasses {
		ps.SlaClasses = append(ps.SlaClasses, &pb.SlaClass{Name: k.Name, MaxLatency: durProto(k.MaxLatency),
			MaxJitter: durProto(k.MaxJitter), MaxLossPct: k.MaxLossPct})
	}
	for _, a := range s.Applications {
		app := &pb.Application{Name: a.Name, Class: a.Class, Match: a.Match.proto()}
		for _, m := range a.MatchAny {
			app.MatchAny = append(app.MatchAny, m.proto())
		}
		ps.Applications = append(ps.Applications, app)
	}
	for _, p := range s.Policies {
		pp := &pb.Policy{Name: p.Name, SlaClass: p.SLAClass, Colors: slices.Clone(p.Colors), Mode: modes[p.Mode]}
		if len(p.Match.Applications)+len(p.Match.Classes) > 0 {
			pp.Match = &pb.PolicyMatch{Applications: slices.Clone(p.Match.Applications), Classes: slices.Clone(p.Match.Classes)}
		}
		if p.Compression != nil {
			pp.Compression = proto.Bool(*p.Compression)
		}
		ps.Policies = append(ps.Policies, pp)
	}
	return ps, nil
}

// durProto is a validated duration; "" is unset.
func durProto(s string) *durationpb.Duration {
	if s == "" {
		return nil
	}
	d, _ := time.ParseDuration(s)
	return durationpb.New(d)
}

func (m Match) proto() *pb.MatchRule {
	if m.empty() {
		return nil
	}
	return &pb.MatchRule{Cidrs: slices.Clone(m.CIDRs), SourceCidrs: slices.Clone(m.SourceCIDRs),
		Protocols: slices.Clone(m.Protocols), Ports: slices.Clone(m.Ports), Dscp: slices.Clone(m.DSCP),
		Domains: slices.Clone(m.Domains)}
}

func (m Match) empty() bool {
	return len(m.CIDRs)+len(m.SourceCIDRs)+len(m.Protocols)+len(m.Ports)+len(m.DSCP)+len(m.Domains) == 0
}

func (st Steering) proto() *pb.SteeringTimers {
	if st == (Steering{}) {
		return nil
	}
	return &pb.SteeringTimers{Damping: durProto(st.Damping), HoldDown: durProto(st.HoldDown),
		MarginScore: st.MarginScore, FlapPenalty: st.FlapPenalty, FlapSuppress: st.FlapSuppress,
		FlapReuse: st.FlapReuse, FlapMax: st.FlapMax, FlapHalfLife: durProto(st.FlapHalfLife),
		FlowIdle: durProto(st.FlowIdle)}
}

func (q QualityModel) proto() *pb.QualityModel {
	if q == (QualityModel{}) {
		return nil
	}
	return &pb.QualityModel{DegradedBelowScore: q.DegradedBelowScore, RecoverAtScore: q.RecoverAtScore}
}

// FromProto converts a PolicySet (its revision is not part of a Set). It
// never fails: what a Set cannot hold becomes text Validate refuses.
func FromProto(ps *pb.PolicySet) *Set {
	return fromFields(ps.GetSlaClasses(), ps.GetApplications(), ps.GetDisableBuiltinApplications(),
		ps.GetPolicies(), ps.GetSteering(), ps.GetQualityModel())
}

// FromEdgeConfig converts the steering fields of an EdgeConfig, as
// FromProto does.
func FromEdgeConfig(ec *pb.EdgeConfig) *Set {
	return fromFields(ec.GetSlaClasses(), ec.GetApplications(), ec.GetDisableBuiltinApplications(),
		ec.GetPolicies(), ec.GetSteering(), ec.GetQualityModel())
}

// CopyToEdgeConfig sets the steering fields of ec from ps (shared, not
// cloned: ec is marshalled, not changed).
func CopyToEdgeConfig(ps *pb.PolicySet, ec *pb.EdgeConfig) {
	ec.SlaClasses, ec.Applications, ec.Policies = ps.GetSlaClasses(), ps.GetApplications(), ps.GetPolicies()
	ec.DisableBuiltinApplications = ps.GetDisableBuiltinApplications()
	ec.Steering, ec.QualityModel = ps.GetSteering(), ps.GetQualityModel()
}

func fromFields(classes []*pb.SlaClass, apps []*pb.Application, noBuiltin bool, pols []*pb.Policy,
	t *pb.SteeringTimers, q *pb.QualityModel) *Set {
	s := &Set{DisableBuiltinApplications: noBuiltin}
	for _, k := range classes {
		s.SLAClasses = append(s.SLAClasses, SLAClass{Name: k.GetName(), MaxLatency: DurationText(k.GetMaxLatency()),
			MaxJitter: DurationText(k.GetMaxJitter()), MaxLossPct: k.GetMaxLossPct()})
	}
	for _, a := range apps {
		app := Application{Name: a.GetName(), Class: a.GetClass(), Match: matchOf(a.GetMatch())}
		for _, m := range a.GetMatchAny() {
			app.MatchAny = append(app.MatchAny, matchOf(m))
		}
		s.Applications = append(s.Applications, app)
	}
	for _, p := range pols {
		s.Policies = append(s.Policies, policyOf(p))
	}
	if t != nil {
		s.Steering = Steering{Damping: DurationText(t.GetDamping()), HoldDown: DurationText(t.GetHoldDown()),
			MarginScore: t.GetMarginScore(), FlapPenalty: t.GetFlapPenalty(), FlapSuppress: t.GetFlapSuppress(),
			FlapReuse: t.GetFlapReuse(), FlapMax: t.GetFlapMax(), FlapHalfLife: DurationText(t.GetFlapHalfLife()),
			FlowIdle: DurationText(t.GetFlowIdle())}
	}
	s.QualityModel = QualityModel{DegradedBelowScore: q.GetDegradedBelowScore(), RecoverAtScore: q.GetRecoverAtScore()}
	return s
}

func policyOf(p *pb.Policy) Policy {
	out := Policy{Name: p.GetName(), SLAClass: p.GetSlaClass(), Colors: slices.Clone(p.GetColors()),
		Mode: modeText(p.GetMode()),
		Match: PolicyMatch{Applications: slices.Clone(p.GetMatch().GetApplications()),
			Classes: slices.Clone(p.GetMatch().GetClasses())}}
	if p.Compression != nil {
		out.Compression = proto.Bool(*p.Compression)
	}
	return out
}

func matchOf(m *pb.MatchRule) Match {
	return Match{CIDRs: slices.Clone(m.GetCidrs()), SourceCIDRs: slices.Clone(m.GetSourceCidrs()),
		Protocols: slices.Clone(m.GetProtocols()), Ports: slices.Clone(m.GetPorts()),
		DSCP: slices.Clone(m.GetDscp()), Domains: slices.Clone(m.GetDomains())}
}

// modeText is the Set form of a mode; an unknown value becomes text
// Validate refuses.
func modeText(m pb.SteeringMode) string {
	for text, v := range modes {
		if v == m && (text != "" || m == pb.SteeringMode_STEERING_MODE_UNSPECIFIED) {
			return text
		}
	}
	return m.String()
}

// DurationText is a Duration in the text form of Set and of the edge's
// configuration (time.ParseDuration); unset or zero is "" (the default,
// or no limit). An invalid Duration (fields out of range) becomes text
// that validation refuses.
func DurationText(d *durationpb.Duration) string {
	if d == nil {
		return ""
	}
	if err := d.CheckValid(); err != nil {
		return fmt.Sprintf("invalid(%ds,%dns)", d.GetSeconds(), d.GetNanos())
	}
	if d.AsDuration() == 0 {
		return ""
	}
	return d.AsDuration().String()
}

// The controller stores a network's set as one document: the protobuf
// JSON form of pb.PolicySet with proto field names and without its
// revision, e.g.
//
//	{"sla_classes":[{"name":"gold","max_latency":"0.080s"}],
//	 "policies":[{"name":"crm","sla_class":"gold","mode":"STEERING_MODE_DUPLICATE"}]}
//
// It is the format the controller has written since it stored policy
// sets, so every stored document keeps loading; quality_model is a new
// field that older documents simply lack.
var docMarshal = protojson.MarshalOptions{UseProtoNames: true}

// EncodeDocument is the stored form of a valid Set.
func EncodeDocument(s *Set) ([]byte, error) {
	ps, err := s.ToProto()
	if err != nil {
		return nil, err
	}
	return docMarshal.Marshal(ps)
}

// DecodeDocument reads a stored document; empty is the empty set. It
// refuses unknown fields (a document of a newer controller).
func DecodeDocument(doc []byte) (*pb.PolicySet, error) {
	ps := &pb.PolicySet{}
	if len(doc) == 0 {
		return ps, nil
	}
	if err := protojson.Unmarshal(doc, ps); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	ps.Revision = 0
	return ps, nil
}

// CanonicalDocument validates a policy set given as the protobuf JSON of
// PolicySet (proto or JSON field names; a revision in it is ignored) as
// an edge would, and returns the document to store. An invalid set is an
// Errors (every problem, by field path).
func CanonicalDocument(doc []byte) ([]byte, error) {
	ps := &pb.PolicySet{}
	if len(doc) > 0 {
		if err := protojson.Unmarshal(doc, ps); err != nil {
			return nil, fmt.Errorf("policy_set: not a policy set document: %v", err)
		}
	}
	return EncodeDocument(FromProto(ps))
}

package policy

import (
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// full is a valid set with every field of the schema given, in the
// canonical form FromProto gives back.
func full() *Set {
	s := valid()
	s.DisableBuiltinApplications = true
	s.Applications[0].Match.SourceCIDRs = []string{"192.0.2.0/24"}
	s.Applications[0].Match.Domains = []string{"erp.example.com", "*.erp.example.com"}
	s.Policies[1].Match.Classes = []string{"gold"}
	s.Policies[1].SLAClass = "gold"
	s.Policies = append(s.Policies, Policy{Name: "rest", SLAClass: "default", Compression: new(bool)})
	s.Steering = Steering{Damping: "2s", HoldDown: "10s", MarginScore: 7, FlapPenalty: 500, FlapSuppress: 2000,
		FlapReuse: 1000, FlapMax: 4000, FlapHalfLife: "30s", FlowIdle: "1m30s"}
	return s
}

func TestFullIsValid(t *testing.T) {
	if es := full().Validate(); es != nil {
		t.Fatal(es)
	}
}

// TestProtoRoundTrip: Set → PolicySet → Set, and through an EdgeConfig,
// gives the set back.
func TestProtoRoundTrip(t *testing.T) {
	for name, s := range map[string]*Set{"empty": {}, "valid": valid(), "full": full()} {
		ps, err := s.ToProto()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := FromProto(ps); !reflect.DeepEqual(got, s) {
			t.Errorf("%s: PolicySet round trip\n got %+v\nwant %+v", name, got, s)
		}
		ec := &pb.EdgeConfig{}
		CopyToEdgeConfig(ps, ec)
		if got := FromEdgeConfig(ec); !reflect.DeepEqual(got, s) {
			t.Errorf("%s: EdgeConfig round trip\n got %+v\nwant %+v", name, got, s)
		}
		again, err := FromProto(ps).ToProto()
		if err != nil || !proto.Equal(again, ps) {
			t.Errorf("%s: proto → Set → proto: %v\n got %v\nwant %v", name, err, again, ps)
		}
	}
}

func TestToProtoValues(t *testing.T) {
	ps, err := full().ToProto()
	if err != nil {
		t.Fatal(err)
	}
	if d := ps.SlaClasses[0].MaxLatency.AsDuration(); d != 80*time.Millisecond {
		t.Errorf("max_latency %v", d)
	}
	if ps.Policies[0].Mode != pb.SteeringMode_STEERING_MODE_DUPLICATE || ps.Policies[1].Mode != pb.SteeringMode_STEERING_MODE_LOAD_BALANCE ||
		ps.Policies[2].Mode != pb.SteeringMode_STEERING_MODE_UNSPECIFIED {
		t.Errorf("modes %v %v %v", ps.Policies[0].Mode, ps.Policies[1].Mode, ps.Policies[2].Mode)
	}
	if !ps.Policies[0].GetCompression() || ps.Policies[1].Compression != nil || ps.Policies[2].GetCompression() {
		t.Error("compression")
	}
	if ps.QualityModel.GetDegradedBelowScore() != 70 || ps.QualityModel.GetRecoverAtScore() != 85 {
		t.Errorf("quality_model %v", ps.QualityModel)
	}
	if ps.Steering.FlowIdle.AsDuration() != 90*time.Second || ps.Steering.FlapMax != 4000 {
		t.Errorf("steering %v", ps.Steering)
	}
}

// TestToProtoRefusesInvalid: an invalid set is not converted; its
// problems come back by field path.
func TestToProtoRefusesInvalid(t *testing.T) {
	s := valid()
	s.SLAClasses[0].MaxLatency = "soon"
	_, err := s.ToProto()
	es, ok := err.(Errors)
	if !ok || !slices.Equal(es.Paths(), []string{"sla_classes[0].max_latency"}) {
		t.Fatalf("%v", err)
	}
}

// TestFromProtoKeepsBadValuesForValidate: what a Set cannot hold is
// refused by Validate at its field path, never dropped.
func TestFromProtoKeepsBadValuesForValidate(t *testing.T) {
	ps := &pb.PolicySet{
		SlaClasses: []*pb.SlaClass{{Name: "gold", MaxLatency: &durationpb.Duration{Seconds: 1, Nanos: -5}}},
		Policies:   []*pb.Policy{{Name: "p", SlaClass: "gold", Mode: pb.SteeringMode(42)}},
		Steering:   &pb.SteeringTimers{Damping: durationpb.New(-time.Second)},
	}
	want := []string{"sla_classes[0].max_latency", "policies[0].mode", "steering.damping"}
	if got := FromProto(ps).Validate().Paths(); !slices.Equal(got, want) {
		t.Errorf("paths %q, want %q", got, want)
	}
}

// Every field of PolicySet but revision has a field of the same name and
// type in EdgeConfig, and CopyToEdgeConfig copies it: a field added to
// one and not the other fails here.
func TestEdgeConfigHasEveryPolicySetField(t *testing.T) {
	ps := (&pb.PolicySet{}).ProtoReflect().Descriptor().Fields()
	ec := (&pb.EdgeConfig{}).ProtoReflect().Descriptor().Fields()
	for i := range ps.Len() {
		f := ps.Get(i)
		if f.Name() == "revision" {
			continue
		}
		g := ec.ByName(f.Name())
		if g == nil || g.Kind() != f.Kind() || g.Cardinality() != f.Cardinality() ||
			(f.Message() != nil && g.Message().FullName() != f.Message().FullName()) {
			t.Errorf("EdgeConfig lacks PolicySet's %s (or has another type)", f.Name())
		}
	}
	src, err := full().ToProto()
	if err != nil {
		t.Fatal(err)
	}
	dst := &pb.EdgeConfig{}
	CopyToEdgeConfig(src, dst)
	for i := range ps.Len() {
		f := ps.Get(i)
		if f.Name() == "revision" {
			continue
		}
		if !dst.ProtoReflect().Has(ec.ByName(f.Name())) {
			t.Errorf("CopyToEdgeConfig does not copy %s", f.Name())
		}
	}
}

// TestStoredDocumentsLoad: a document as the controller stored it before
// this package (testdata, made by the old ctl's conversion and the old
// controller's encoding: empty matches, explicit best-path, no
// quality_model) loads, is valid and means the same set.
func TestStoredDocumentsLoad(t *testing.T) {
	doc, err := os.ReadFile("testdata/stored-before-quality-model.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := DecodeDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := FromProto(ps)
	if es := s.Validate(); es != nil {
		t.Fatal(es)
	}
	want := &Set{
		SLAClasses: []SLAClass{{Name: "gold", MaxLatency: "80ms", MaxJitter: "20ms", MaxLossPct: 0.5}},
		Applications: []Application{
			{Name: "erp", Class: "gold", Match: Match{CIDRs: []string{"10.9.0.0/16"}, Protocols: []string{"tcp"}, Ports: []string{"443"}}},
			{Name: "voip_gw", Class: "voice", MatchAny: []Match{{DSCP: []string{"ef"}}}},
		},
		Policies: []Policy{
			{Name: "erp-dup", SLAClass: "gold", Colors: []string{"inet"}, Mode: "duplicate", Match: PolicyMatch{Applications: []string{"erp"}}, Compression: new(bool)},
			{Name: "rest", SLAClass: "default", Mode: "best-path"},
		},
		Steering: Steering{Damping: "2s", MarginScore: 7, FlowIdle: "1m30s"},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("stored document\n got %+v\nwant %+v", s, want)
	}
	// Written again, it reads back the same.
	again, err := EncodeDocument(s)
	if err != nil {
		t.Fatal(err)
	}
	ps2, err := DecodeDocument(again)
	if err != nil || !reflect.DeepEqual(FromProto(ps2), want) {
		t.Errorf("re-encoded: %v %s", err, again)
	}
	// quality_model is stored now.
	s.QualityModel = QualityModel{DegradedBelowScore: 60}
	doc, err = EncodeDocument(s)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := DecodeDocument(doc); err != nil || ps.QualityModel.GetDegradedBelowScore() != 60 {
		t.Errorf("quality_model not stored: %v %s", err, doc)
	}
}

func TestDecodeDocument(t *testing.T) {
	if ps, err := DecodeDocument(nil); err != nil || !proto.Equal(ps, &pb.PolicySet{}) {
		t.Errorf("empty: %v %v", ps, err)
	}
	for _, bad := range []string{`{"x":1}`, `{"policies":[{"mode":"FAST"}]}`, `[`} {
		if _, err := DecodeDocument([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	ps, err := DecodeDocument([]byte(`{"revision":"9"}`))
	if err != nil || ps.Revision != 0 {
		t.Errorf("revision kept: %v %v", ps, err)
	}
}

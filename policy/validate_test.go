package policy

import (
	"slices"
	"strings"
	"testing"
)

func yes() *bool { b := true; return &b }

// valid is a set that uses every section; the table's cases change one
// thing in it.
func valid() *Set {
	return &Set{
		SLAClasses: []SLAClass{{Name: "gold", MaxLatency: "80ms", MaxJitter: "20ms", MaxLossPct: 0.5}},
		Applications: []Application{{Name: "erp", Class: "gold",
			Match:    Match{CIDRs: []string{"10.9.0.0/16"}, Protocols: []string{"tcp"}, Ports: []string{"443"}},
			MatchAny: []Match{{DSCP: []string{"af41"}}}}},
		Policies: []Policy{
			{Name: "erp-dup", Match: PolicyMatch{Applications: []string{"erp"}}, SLAClass: "gold", Colors: []string{"inet"}, Mode: "duplicate", Compression: yes()},
			{Name: "voice", Match: PolicyMatch{Classes: []string{"voice"}}, SLAClass: "voice", Mode: "load-balance"},
		},
		Steering:     Steering{Damping: "2s", HoldDown: "10s", MarginScore: 7, FlowIdle: "45s"},
		QualityModel: QualityModel{DegradedBelowScore: 70, RecoverAtScore: 85},
	}
}

func TestValidSetsPass(t *testing.T) {
	for name, s := range map[string]*Set{"empty": {}, "full": valid()} {
		if es := s.Validate(); es != nil {
			t.Errorf("%s: %v", name, es)
		}
	}
}

// TestValidateRules: every rule, by the field path it reports.
func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Set)
		want   []string // field paths, in order
		msg    string   // in the first error's message
	}{
		{"class name required", func(s *Set) { s.SLAClasses[0].Name = "" }, []string{"sla_classes[0].name", "applications[0].class", "policies[0].sla_class"}, "required"},
		{"class name rule", func(s *Set) { s.SLAClasses = append(s.SLAClasses, SLAClass{Name: "Gold"}) }, []string{"sla_classes[1].name"}, "lowercase"},
		{"class name duplicate", func(s *Set) { s.SLAClasses = append(s.SLAClasses, SLAClass{Name: "gold"}) }, []string{"sla_classes[1].name"}, "already sla_classes[0]"},
		{"latency not a duration", func(s *Set) { s.SLAClasses[0].MaxLatency = "80" }, []string{"sla_classes[0].max_latency"}, "not a duration"},
		{"latency too long", func(s *Set) { s.SLAClasses[0].MaxLatency = "2m" }, []string{"sla_classes[0].max_latency"}, "not between 0"},
		{"jitter negative", func(s *Set) { s.SLAClasses[0].MaxJitter = "-1ms" }, []string{"sla_classes[0].max_jitter"}, "not between 0"},
		{"loss over 100", func(s *Set) { s.SLAClasses[0].MaxLossPct = 101 }, []string{"sla_classes[0].max_loss_pct"}, "not a percentage"},
		{"loss negative", func(s *Set) { s.SLAClasses[0].MaxLossPct = -1 }, []string{"sla_classes[0].max_loss_pct"}, "not a percentage"},
		{"app name required", func(s *Set) { s.Applications[0].Name = "" }, []string{"applications[0].name", "policies[0].match.applications[0]"}, "required"},
		{"app name rule", func(s *Set) { s.Applications[0].Name = "ERP!" }, []string{"applications[0].name", "policies[0].match.applications[0]"}, "lowercase"},
		{"app name reserved", func(s *Set) { s.Applications[0].Name = "unclassified" }, []string{"applications[0].name", "policies[0].match.applications[0]"}, "reserved"},
		{"app name duplicate", func(s *Set) { s.Applications = append(s.Applications, s.Applications[0]) }, []string{"applications[1].name"}, "already applications[0]"},
		{"app class required", func(s *Set) { s.Applications[0].Class = "" }, []string{"applications[0].class"}, "required"},
		{"app class unknown", func(s *Set) { s.Applications[0].Class = "tin" }, []string{"applications[0].class"}, `no SLA class "tin"`},
		{"app without criteria", func(s *Set) { s.Applications[0].Match, s.Applications[0].MatchAny = Match{}, nil }, []string{"applications[0].match"}, "no criteria"},
		{"match_any without criteria", func(s *Set) { s.Applications[0].MatchAny = []Match{{}} }, []string{"applications[0].match_any[0]"}, "no criteria"},
		{"bad port", func(s *Set) { s.Applications[0].Match.Ports = []string{"99999"} }, []string{"applications[0].match.ports[0]"}, "not a port"},
		{"bad cidr", func(s *Set) { s.Applications[0].Match.CIDRs = []string{"10.9.0.1/16"} }, []string{"applications[0].match.cidrs[0]"}, "host bits"},
		{"bad source cidr", func(s *Set) { s.Applications[0].Match.SourceCIDRs = []string{"nope"} }, []string{"applications[0].match.source_cidrs[0]"}, "not an address"},
		{"bad protocol", func(s *Set) { s.Applications[0].Match.Protocols = []string{"quic"} }, []string{"applications[0].match.protocols[0]", "applications[0].match.ports"}, "not a protocol"},
		{"bad dscp", func(s *Set) { s.Applications[0].MatchAny[0].DSCP = []string{"64"} }, []string{"applications[0].match_any[0].dscp[0]"}, "not a DSCP"},
		{"bad domain", func(s *Set) { s.Applications[0].Match.Domains = []string{"a..b"} }, []string{"applications[0].match.domains[0]"}, "not a domain"},
		{"policy name required", func(s *Set) { s.Policies[0].Name = "" }, []string{"policies[0].name"}, "required"},
		{"policy name rule", func(s *Set) { s.Policies[0].Name = "class:gold" }, []string{"policies[0].name"}, "lowercase"},
		{"policy name duplicate", func(s *Set) { s.Policies[1].Name = "erp-dup" }, []string{"policies[1].name"}, "also the name of policies[0]"},
		{"policy class required", func(s *Set) { s.Policies[0].SLAClass = "" }, []string{"policies[0].sla_class"}, "required"},
		{"policy class unknown", func(s *Set) { s.Policies[0].SLAClass = "platinum" }, []string{"policies[0].sla_class"}, `no SLA class "platinum"`},
		{"policy colour rule", func(s *Set) { s.Policies[0].Colors = []string{"inet", "Bad Colour"} }, []string{"policies[0].colors[1]"}, "lowercase"},
		{"policy mode", func(s *Set) { s.Policies[0].Mode = "fastest" }, []string{"policies[0].mode"}, "best-path, load-balance or duplicate"},
		{"policy unknown application", func(s *Set) { s.Policies[0].Match.Applications = []string{"erp", "nope"} }, []string{"policies[0].match.applications[1]"}, `no application "nope"`},
		{"policy unknown class", func(s *Set) { s.Policies[1].Match.Classes = []string{"tin"} }, []string{"policies[1].match.classes[0]"}, `no SLA class "tin"`},
		{"damping not a duration", func(s *Set) { s.Steering.Damping = "soon" }, []string{"steering.damping"}, "not a positive duration"},
		{"hold_down zero", func(s *Set) { s.Steering.HoldDown = "0s" }, []string{"steering.hold_down"}, "not a positive duration"},
		{"flap_half_life negative", func(s *Set) { s.Steering.FlapHalfLife = "-1s" }, []string{"steering.flap_half_life"}, "not a positive duration"},
		{"flow_idle too short", func(s *Set) { s.Steering.FlowIdle = "500ms" }, []string{"steering.flow_idle"}, "shorter than 1s"},
		{"damping too long", func(s *Set) { s.Steering.Damping = "2h" }, []string{"steering.damping"}, "not between 0 and 1h"},
		{"margin over 100", func(s *Set) { s.Steering.MarginScore = 101 }, []string{"steering.margin_score"}, "score points"},
		{"flap penalty negative", func(s *Set) { s.Steering.FlapPenalty = -1 }, []string{"steering.flap_penalty"}, "negative"},
		{"flap thresholds", func(s *Set) { s.Steering.FlapReuse, s.Steering.FlapSuppress = 4000, 3000 }, []string{"steering.flap_suppress"}, "flap_reuse"},
		{"degraded_below over 100", func(s *Set) { s.QualityModel.DegradedBelowScore = 101 }, []string{"quality_model.degraded_below_score"}, "not a score"},
		{"recover_at negative", func(s *Set) { s.QualityModel.RecoverAtScore = -1 }, []string{"quality_model.recover_at_score"}, "not a score"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.change(s)
			es := s.Validate()
			if !slices.Equal(es.Paths(), tt.want) {
				t.Fatalf("paths %q, want %q:\n%v", es.Paths(), tt.want, es)
			}
			if !strings.Contains(es[0].Msg, tt.msg) {
				t.Errorf("message %q lacks %q", es[0].Msg, tt.msg)
			}
		})
	}
}

// TestLimits: a set over the limits is refused without compiling it.
func TestLimits(t *testing.T) {
	s := &Set{Policies: make([]Policy, MaxPolicies+1), Applications: make([]Application, MaxApplications+1),
		SLAClasses: make([]SLAClass, MaxSLAClasses+1)}
	c, es := s.Compile()
	if !slices.Equal(es.Paths(), []string{"sla_classes", "applications", "policies"}) || c.Rules != nil {
		t.Errorf("%v", es)
	}
	s = &Set{Policies: make([]Policy, MaxPolicies)}
	if es := s.Validate(); len(es) != 2*MaxPolicies { // name and sla_class of each
		t.Errorf("%d errors at the limit", len(es))
	}
}

// TestValidateReportsEverything: one pass finds every problem, in
// document order.
func TestValidateReportsEverything(t *testing.T) {
	s := valid()
	s.SLAClasses[0].MaxLossPct = 200
	s.Applications[0].Match.Ports = []string{"x"}
	s.Policies[1].Mode = "?"
	s.Steering.Damping = "x"
	s.QualityModel.RecoverAtScore = 1000
	want := []string{"sla_classes[0].max_loss_pct", "applications[0].match.ports[0]", "policies[1].mode",
		"steering.damping", "quality_model.recover_at_score"}
	if got := s.Validate().Paths(); !slices.Equal(got, want) {
		t.Errorf("paths %q, want %q", got, want)
	}
}

// TestCompile: the runtime form steers each application by the first
// policy that matches, else by its class's implicit policy.
func TestCompile(t *testing.T) {
	c, es := valid().Compile()
	if es != nil {
		t.Fatal(es)
	}
	byApp := func(name string) string {
		a, ok := c.Rules.App(name)
		if !ok {
			t.Fatalf("no application %s", name)
		}
		return c.Policies[c.PolicyOfApp(a)].Name
	}
	for app, want := range map[string]string{"erp": "erp-dup", "sip": "voice", "rsync": ImplicitPrefix + "bulk"} {
		if got := byApp(app); got != want {
			t.Errorf("%s → %s, want %s", app, got, want)
		}
	}
	if got := c.Policies[c.PolicyOfApp(c.Rules.Unclassified())].Name; got != ImplicitPrefix+"default" {
		t.Errorf("unclassified → %s", got)
	}
	gold := c.Classes[len(c.Classes)-1]
	if gold.Name != "gold" || gold.MaxLatency.String() != "80ms" || gold.MaxJitter.String() != "20ms" || gold.MaxLossPct != 0.5 ||
		len(c.Classes) != 6 {
		t.Errorf("classes: %+v", c.Classes)
	}
	if c.NoCompress[0] || c.Model.DegradedBelow != 70 || c.Timers.FlowIdle.String() != "45s" {
		t.Errorf("compiled: %+v %+v %+v", c.NoCompress, c.Model, c.Timers)
	}
	s := valid()
	s.Policies[0].Compression = new(bool)
	if c, _ := s.Compile(); !c.NoCompress[0] {
		t.Error("compression: false not compiled")
	}
}

// TestNameRule: one rule, the union of the two older ones.
func TestNameRule(t *testing.T) {
	for name, ok := range map[string]bool{
		"a": true, "inet": true, "site-1": true, "my_app": true, "0": true, strings.Repeat("a", 32): true,
		"": false, "-a": false, "a-": false, "_a": false, "a_": false, "A": false, "a b": false,
		"a:b": false, "a.b": false, strings.Repeat("a", 33): false, "é": false,
	} {
		var es Errors
		CheckName(&es, "x", name)
		if (len(es) == 0) != ok {
			t.Errorf("%q: %v, want ok=%v", name, es, ok)
		}
	}
}

// TestDefaults: the written-out defaults are a valid set, the edge/steer
// and edge/quality defaults.
func TestDefaults(t *testing.T) {
	st, q := Defaults()
	s := &Set{Steering: st, QualityModel: q}
	c, es := s.Compile()
	if es != nil {
		t.Fatal(es)
	}
	if c.Timers.Damping.String() != "3s" || c.Timers.FlowIdle.String() != "30s" || c.Timers.FlapSuppress != 3000 ||
		c.Model.DegradedBelow != 75 || c.Model.RecoverAt != 80 {
		t.Errorf("defaults: %+v %+v", c.Timers, c.Model)
	}
}

package policy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const setYAML = `
sla_classes:
  - {name: gold, max_latency: 80ms, max_jitter: 20ms, max_loss_pct: 0.5}
applications:
  - name: erp
    class: gold
    match: {cidrs: [10.9.0.0/16], protocols: [tcp], ports: ["443"]}
    match_any:
      - {dscp: [af41]}
disable_builtin_applications: true
policies:
  - {name: erp-dup, match: {applications: [erp]}, sla_class: gold, colors: [inet], mode: duplicate, compression: true}
  - {name: rest, sla_class: default, compression: false}
steering: {damping: 2s, hold_down: 10s, margin_score: 7, flow_idle: 45s}
quality_model: {degraded_below_score: 70, recover_at_score: 85}
`

const setJSON = `{
  "sla_classes": [{"name": "gold", "max_latency": "80ms", "max_jitter": "20ms", "max_loss_pct": 0.5}],
  "applications": [{"name": "erp", "class": "gold",
    "match": {"cidrs": ["10.9.0.0/16"], "protocols": ["tcp"], "ports": ["443"]},
    "match_any": [{"dscp": ["af41"]}]}],
  "disable_builtin_applications": true,
  "policies": [
    {"name": "erp-dup", "match": {"applications": ["erp"]}, "sla_class": "gold", "colors": ["inet"], "mode": "duplicate", "compression": true},
    {"name": "rest", "sla_class": "default", "compression": false}],
  "steering": {"damping": "2s", "hold_down": "10s", "margin_score": 7, "flow_idle": "45s"},
  "quality_model": {"degraded_below_score": 70, "recover_at_score": 85}
}`

// TestYAMLJSONParity: the same set written in YAML and in JSON parses to
// the same Set, and each form written out parses back to it.
func TestYAMLJSONParity(t *testing.T) {
	y, err := ParseYAML([]byte(setYAML))
	if err != nil {
		t.Fatal(err)
	}
	j, err := ParseJSON([]byte(setJSON))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(y, j) {
		t.Fatalf("YAML and JSON differ:\n%+v\n%+v", y, j)
	}
	if es := y.Validate(); es != nil {
		t.Fatal(es)
	}
	yb, err := yaml.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(y)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := ParseYAML(yb)
	if err != nil {
		t.Fatal(err)
	}
	j2, err := ParseJSON(jb)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(y2, y) || !reflect.DeepEqual(j2, y) {
		t.Errorf("written out and read back:\n%s\n%s", yb, jb)
	}
	// The full schema, every field given, survives both forms.
	f := full()
	fb, _ := json.Marshal(f)
	fy, _ := yaml.Marshal(f)
	if a, err := ParseJSON(fb); err != nil || !reflect.DeepEqual(a, f) {
		t.Errorf("JSON of full: %v\n%s", err, fb)
	}
	if a, err := ParseYAML(fy); err != nil || !reflect.DeepEqual(a, f) {
		t.Errorf("YAML of full: %v\n%s", err, fy)
	}
}

// TestEmptyForms: an empty document is the empty set, and the empty set
// is written as nothing.
func TestEmptyForms(t *testing.T) {
	for _, in := range []string{"", "{}", "# nothing\n"} {
		s, err := ParseYAML([]byte(in))
		if err != nil || !reflect.DeepEqual(s, &Set{}) {
			t.Errorf("YAML %q: %+v %v", in, s, err)
		}
	}
	if s, err := ParseJSON([]byte(" {} ")); err != nil || !reflect.DeepEqual(s, &Set{}) {
		t.Errorf("JSON {}: %+v %v", s, err)
	}
	if b, _ := json.Marshal(&Set{}); string(b) != "{}" {
		t.Errorf("empty set as JSON: %s", b)
	}
	if b, _ := yaml.Marshal(&Set{}); string(b) != "{}\n" {
		t.Errorf("empty set as YAML: %q", b)
	}
}

// TestStrictParsing: unknown fields (also nested), wrong types and
// trailing data are refused by both parsers.
func TestStrictParsing(t *testing.T) {
	for _, in := range []string{
		"colour: red\n",
		"policies: [{name: a, sla_class: voice, colour: inet}]\n",
		"steering: {dampin: 3s}\n",
		"policies: [{name: a, sla_class: voice, compression: maybe}]\n",
		"sla_classes: {name: gold}\n",
	} {
		if _, err := ParseYAML([]byte(in)); err == nil || !strings.HasPrefix(err.Error(), "yaml: ") {
			t.Errorf("YAML %q: %v", in, err)
		}
	}
	for _, in := range []string{
		`{"colour": "red"}`,
		`{"policies": [{"name": "a", "sla_class": "voice", "colour": "inet"}]}`,
		`{"quality_model": {"degraded_below": 70}}`,
		`{"policies": [{"name": "a", "compression": "no"}]}`,
		`{} {}`,
		`{}x`,
		``,
		`null`,
	} {
		if _, err := ParseJSON([]byte(in)); err == nil || !strings.HasPrefix(err.Error(), "json: ") {
			t.Errorf("JSON %q: %v", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(setYAML))
	f.Add([]byte(setJSON))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (*Set, error){ParseYAML, ParseJSON} {
			s, err := parse(b)
			if err != nil {
				continue
			}
			if s.Validate() == nil {
				if _, err := s.ToProto(); err != nil {
					t.Fatalf("valid set not converted: %v", err)
				}
			}
		}
	})
}

// TestApplicationsYAML: the applications example of docs/CLASSIFY.md
// (numbers in ports and dscp are taken as text in YAML) compiles into
// edge/classify's rules.
func TestApplicationsYAML(t *testing.T) {
	const doc = `
applications:
  - name: crm
    class: interactive
    match:
      cidrs: [203.0.113.0/24, 2001:db8:5::/48, 198.51.100.7]
      protocols: [tcp]
      ports: [443, "8443-8444"]
  - name: voip
    class: voice
    match: {source_cidrs: [10.1.5.0/24], protocols: [udp]}
    match_any:
      - {dscp: [ef, 46, cs5]}
  - name: web
    class: bulk
    match: {domains: [intranet.example.com, "*.corp.example"]}
disable_builtin_applications: false
`
	s, err := ParseYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Applications[0].Match.Ports; !reflect.DeepEqual(got, []string{"443", "8443-8444"}) {
		t.Errorf("ports %q", got)
	}
	c, es := s.Compile()
	if es != nil {
		t.Fatal(es)
	}
	for name, class := range map[string]string{"crm": "interactive", "voip": "voice", "web": "bulk"} {
		a, ok := c.Rules.App(name)
		if !ok || a.Class != class || a.Builtin {
			t.Errorf("%s: %+v", name, a)
		}
	}
	if _, err := ParseYAML([]byte("applications: [{name: x, class: y, match: {port: [1]}}]")); err == nil {
		t.Error("unknown field accepted")
	}
}

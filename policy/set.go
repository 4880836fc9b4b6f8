package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

// FieldError and Errors are the field-error types of the whole code base
// (internal/fielderr), here under the names the API uses.
type (
	FieldError = fielderr.Error
	Errors     = fielderr.List
)

// Set is a network's steering document. The zero Set is valid: built-in
// classes and applications, implicit policies, default timers.
//
//	sla_classes:
//	  - {name: gold, max_latency: 80ms, max_jitter: 20ms, max_loss_pct: 0.5}
//	applications:
//	  - name: crm
//	    class: gold
//	    match: {cidrs: [203.0.113.0/24], protocols: [tcp], ports: ["443"]}
//	policies:
//	  - name: voice-dup
//	    match: {classes: [voice]}
//	    sla_class: voice
//	    mode: duplicate
//	steering: {damping: 3s, hold_down: 20s}
//	quality_model: {degraded_below_score: 75, recover_at_score: 80}
type Set struct {
	// SLAClasses add to the built-in classes (voice, video, interactive,
	// bulk, default); one named like a built-in class replaces it.
	SLAClasses []SLAClass `yaml:"sla_classes,omitempty" json:"sla_classes,omitempty"`
	// Applications are tried in order before the built-in catalogue; one
	// named like a built-in application replaces it.
	Applications []Application `yaml:"applications,omitempty" json:"applications,omitempty"`
	// DisableBuiltinApplications leaves the built-in catalogue out.
	DisableBuiltinApplications bool `yaml:"disable_builtin_applications,omitempty" json:"disable_builtin_applications,omitempty"`
	// Policies are tried in order for each application; the first whose
	// match holds steers its flows. An application no policy matches
	// gets the implicit best-path policy of its class.
	Policies []Policy `yaml:"policies,omitempty" json:"policies,omitempty"`
	// Steering holds the steering timers; empty fields take the defaults.
	Steering Steering `yaml:"steering,omitempty" json:"steering,omitzero"`
	// QualityModel holds the path-state thresholds; zero fields take the
	// defaults.
	QualityModel QualityModel `yaml:"quality_model,omitempty" json:"quality_model,omitzero"`
}

// SLAClass is a named set of limits a path must meet for the
// applications of the class (edge/quality SLAClass). An empty or zero
// limit is no limit. Latency is the probes' mean round trip.
type SLAClass struct {
	Name       string  `yaml:"name" json:"name"`
	MaxLatency string  `yaml:"max_latency,omitempty" json:"max_latency,omitempty"` // duration, ≤ 1m
	MaxJitter  string  `yaml:"max_jitter,omitempty" json:"max_jitter,omitempty"`   // duration, ≤ 1m
	MaxLossPct float64 `yaml:"max_loss_pct,omitempty" json:"max_loss_pct,omitempty"`
}

// Application is a name, the SLA class its flows get, and its rules
// (edge/classify AppConfig). It matches a flow when Match or any of
// MatchAny matches.
type Application struct {
	Name     string  `yaml:"name" json:"name"`
	Class    string  `yaml:"class" json:"class"`
	Match    Match   `yaml:"match,omitempty" json:"match,omitzero"`
	MatchAny []Match `yaml:"match_any,omitempty" json:"match_any,omitempty"`
}

// Match is one rule of an application (edge/classify MatchConfig): every
// criterion given must hold, any value of a criterion will do.
type Match struct {
	// CIDRs are server prefixes or addresses.
	CIDRs []string `yaml:"cidrs,omitempty" json:"cidrs,omitempty"`
	// SourceCIDRs are client prefixes or addresses.
	SourceCIDRs []string `yaml:"source_cidrs,omitempty" json:"source_cidrs,omitempty"`
	// Protocols are names (tcp, udp, sctp, icmp, icmpv6) or numbers.
	Protocols []string `yaml:"protocols,omitempty" json:"protocols,omitempty"`
	// Ports are server ports or ranges ("443", "16384-32767").
	Ports []string `yaml:"ports,omitempty" json:"ports,omitempty"`
	// DSCP are code points: 0-63 or names (ef, af41, cs5…).
	DSCP []string `yaml:"dscp,omitempty" json:"dscp,omitempty"`
	// Domains are server names, exact or "*.suffix".
	Domains []string `yaml:"domains,omitempty" json:"domains,omitempty"`
}

// Policy is one steering rule.
type Policy struct {
	Name  string      `yaml:"name" json:"name"`
	Match PolicyMatch `yaml:"match,omitempty" json:"match,omitzero"`
	// SLAClass is the SLA class the policy's flows ask of a path.
	SLAClass string `yaml:"sla_class" json:"sla_class"`
	// Colors are the preferred link colours, most preferred first.
	Colors []string `yaml:"colors,omitempty" json:"colors,omitempty"`
	// Mode is best-path (also ""), load-balance or duplicate.
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
	// Compression false sends the policy's packets uncompressed even on
	// a path where compression is on; absent: the path decides.
	Compression *bool `yaml:"compression,omitempty" json:"compression,omitempty"`
}

// PolicyMatch selects applications by name or by class; both empty
// matches every application; given both, either will do.
type PolicyMatch struct {
	Applications []string `yaml:"applications,omitempty" json:"applications,omitempty"`
	Classes      []string `yaml:"classes,omitempty" json:"classes,omitempty"`
}

// Steering holds the steering timers (edge/steer Timers). Empty or zero
// fields take the defaults.
type Steering struct {
	Damping      string  `yaml:"damping,omitempty" json:"damping,omitempty"`     // duration
	HoldDown     string  `yaml:"hold_down,omitempty" json:"hold_down,omitempty"` // duration
	MarginScore  float64 `yaml:"margin_score,omitempty" json:"margin_score,omitempty"`
	FlapPenalty  float64 `yaml:"flap_penalty,omitempty" json:"flap_penalty,omitempty"`
	FlapSuppress float64 `yaml:"flap_suppress,omitempty" json:"flap_suppress,omitempty"`
	FlapReuse    float64 `yaml:"flap_reuse,omitempty" json:"flap_reuse,omitempty"`
	FlapMax      float64 `yaml:"flap_max,omitempty" json:"flap_max,omitempty"`
	FlapHalfLife string  `yaml:"flap_half_life,omitempty" json:"flap_half_life,omitempty"` // duration
	FlowIdle     string  `yaml:"flow_idle,omitempty" json:"flow_idle,omitempty"`           // duration
}

// QualityModel holds the path-state thresholds (edge/quality Model), in
// score points 0-100; zero takes the default.
type QualityModel struct {
	DegradedBelowScore float64 `yaml:"degraded_below_score,omitempty" json:"degraded_below_score,omitempty"`
	RecoverAtScore     float64 `yaml:"recover_at_score,omitempty" json:"recover_at_score,omitempty"`
}

// ParseYAML decodes a Set strictly (unknown fields are errors). An empty
// document is the empty Set. It does not validate.
func ParseYAML(data []byte) (*Set, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Set
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("yaml: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &s, nil
}

// ParseJSON decodes a Set strictly: anything but one object, unknown
// fields and trailing data are errors. It does not validate.
func ParseJSON(data []byte) (*Set, error) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("json: a policy set is an object: {...}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("json: data after the policy set")
	}
	return &s, nil
}

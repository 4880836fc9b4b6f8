package config

import (
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

func parseExample(t *testing.T, extra string) (*Valid, error) {
	t.Helper()
	c, err := Parse(append(example(t), []byte("\n"+extra)...))
	if err != nil {
		t.Fatal(err)
	}
	return c.Validate()
}

func TestSteeringSection(t *testing.T) {
	v, err := parseExample(t, `
sla_classes:
  - {name: gold, max_latency: 80ms, max_loss_pct: 0.5}
applications:
  - {name: crm, class: gold, match: {cidrs: [203.0.113.0/24], protocols: [tcp], ports: ["443"]}}
policies:
  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}
  - {name: crm, match: {applications: [crm]}, sla_class: gold, colors: [inet], compression: false}
steering: {damping: 1s, hold_down: 10s}
defaults:
  bfd: {tx_interval: 50ms, rx_interval: 50ms}
  bfd_by_color:
    lte: {tx_interval: 300ms, multiplier: 5}
`)
	if err != nil {
		t.Fatal(err)
	}
	s := v.Steering
	pol := func(app string) steer.Policy {
		a, ok := s.Rules.App(app)
		if !ok {
			t.Fatalf("no app %s", app)
		}
		return s.Policies[s.PolicyOfApp(a)]
	}
	if p := pol("sip"); p.Name != "voice-dup" || p.Mode != steer.Duplicate || p.SLA != "voice" {
		t.Errorf("sip → %+v", p)
	}
	if p := pol("crm"); p.Name != "crm" || p.SLA != "gold" || len(p.Colors) != 1 {
		t.Errorf("crm → %+v", p)
	}
	if p := pol("rsync"); p.Name != "class:bulk" || p.SLA != "bulk" || p.Mode != steer.BestPath {
		t.Errorf("rsync → %+v (implicit policy of its class)", p)
	}
	if p := s.Policies[s.PolicyOfApp(s.Rules.Unclassified())]; p.Name != "class:"+classify.ClassDefault {
		t.Errorf("unclassified → %+v", p)
	}
	if !s.NoCompress[1] || s.NoCompress[0] {
		t.Errorf("no-compress = %v", s.NoCompress)
	}
	if s.Timers.Damping != time.Second || s.Timers.HoldDown != 10*time.Second {
		t.Errorf("timers = %+v", s.Timers)
	}
	if b := v.PathBFD("inet"); b.DesiredMinTx != 50*time.Millisecond || b.DetectMult != 3 {
		t.Errorf("inet bfd = %+v", b)
	}
	if b := v.PathBFD("lte"); b.DesiredMinTx != 300*time.Millisecond || b.RequiredMinRx != 50*time.Millisecond || b.DetectMult != 5 {
		t.Errorf("lte bfd = %+v", b)
	}
}

func TestSteeringErrorsNamed(t *testing.T) {
	_, err := parseExample(t, `
sla_classes:
  - {name: Gold}
applications:
  - {name: crm, class: platinum, match: {ports: ["99999"]}}
policies:
  - {name: p1, match: {applications: [nosuch], classes: [nope]}, sla_class: ghost, mode: sideways}
  - {name: p1, colors: [Bad]}
steering: {damping: soon}
defaults:
  bfd_by_color:
    satellite: {tx_interval: 1s}
`)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"sla_classes[0].name", "applications[0].class", "applications[0].match.ports[0]",
		"policies[0].match.applications[0]", "policies[0].match.classes[0]", "policies[0].sla_class",
		"policies[0].mode", "policies[1].name", "policies[1].sla_class", "policies[1].colors[0]",
		"steering.damping", "defaults.bfd_by_color.satellite",
	} {
		if !strings.Contains(err.Error(), want+":") {
			t.Errorf("no error at %s in:\n%v", want, err)
		}
	}
	_, err = parseExample(t, "quality_model: {degraded_below_score: 150}\n")
	if err == nil || !strings.Contains(err.Error(), "quality_model.degraded_below_score:") {
		t.Errorf("err = %v", err)
	}
	// The timers' relations are the engine's check; it runs once the
	// rest is valid.
	_, err = parseExample(t, "steering: {flap_reuse: 5000}\n")
	if err == nil || !strings.Contains(err.Error(), "steering.flap_suppress:") {
		t.Errorf("err = %v", err)
	}
}

// TestAdaptiveBFD: adaptive BFD is on by default; each demand sets the
// rx interval (the idle one never faster than rx_interval), every path
// offers to send at the real-time interval; off, the timers are
// PathBFD's; bad values are named.
func TestAdaptiveBFD(t *testing.T) {
	v, err := parseExample(t, `
defaults:
  bfd_by_color:
    lte: {rx_interval: 2s, multiplier: 5}
`)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Adaptive.On || v.Adaptive.IdleRx != DefaultBFDIdleRx || v.Adaptive.Realtime != DefaultBFDRealtime {
		t.Fatalf("defaults: %+v", v.Adaptive)
	}
	for _, c := range []struct {
		color  string
		demand steer.Demand
		rx     time.Duration
	}{
		{"inet", steer.DemandIdle, 300 * time.Millisecond},
		{"inet", steer.DemandActive, DefaultPathBFDInterval},
		{"inet", steer.DemandRealtime, DefaultBFDRealtime},
		{"lte", steer.DemandIdle, 2 * time.Second},
		{"lte", steer.DemandActive, 2 * time.Second},
		{"lte", steer.DemandRealtime, DefaultBFDRealtime},
	} {
		b := v.PathBFDFor(c.color, c.demand)
		if b.RequiredMinRx != c.rx || b.DesiredMinTx != DefaultBFDRealtime || b.DetectMult != v.PathBFD(c.color).DetectMult {
			t.Errorf("%s %v: %+v, want rx %v, tx %v", c.color, c.demand, b, c.rx, DefaultBFDRealtime)
		}
	}
	v, err = parseExample(t, "defaults:\n  bfd_adaptive: {enabled: false, idle_rx_interval: 5s}\n")
	if err != nil {
		t.Fatal(err)
	}
	if b := v.PathBFDFor("inet", steer.DemandIdle); b != v.PathBFD("inet") {
		t.Errorf("adaptive off: %+v, want %+v", b, v.PathBFD("inet"))
	}
	_, err = parseExample(t, "defaults:\n  bfd_adaptive: {enabled: maybe, idle_rx_interval: soon, realtime_interval: 2h}\n")
	for _, want := range []string{"enabled", "idle_rx_interval", "realtime_interval"} {
		if err == nil || !strings.Contains(err.Error(), "defaults.bfd_adaptive."+want+":") {
			t.Errorf("no error at defaults.bfd_adaptive.%s in: %v", want, err)
		}
	}
}

// TestAdaptiveBFDWithBGP: an edge with BGP neighbours never slows its
// paths below defaults.bfd (the routes it advertises must be withdrawn
// within the configured detection time): an idle site gets the active
// timers, a real-time one still the real-time interval. Without
// neighbours (a bgp section with none, or none at all) idle is idle.
func TestAdaptiveBFDWithBGP(t *testing.T) {
	const bgp = "bgp:\n  local_as: 4200000001\n  neighbors:\n    - {address: 10.11.0.2, remote_as: 65011}\n"
	v, err := parseExample(t, bgp)
	if err != nil {
		t.Fatal(err)
	}
	if v.MinDemand() != steer.DemandActive {
		t.Fatalf("min demand with a neighbour: %v, want active", v.MinDemand())
	}
	if got, want := v.PathBFDFor("inet", steer.DemandIdle), v.PathBFDFor("inet", steer.DemandActive); got != want {
		t.Errorf("idle with a neighbour: %+v, want the active timers %+v", got, want)
	}
	if got := v.PathBFDFor("inet", steer.DemandIdle).RequiredMinRx; got != DefaultPathBFDInterval {
		t.Errorf("idle with a neighbour: rx %v, want %v", got, DefaultPathBFDInterval)
	}
	if got := v.PathBFDFor("inet", steer.DemandRealtime).RequiredMinRx; got != DefaultBFDRealtime {
		t.Errorf("real-time with a neighbour: rx %v, want %v", got, DefaultBFDRealtime)
	}
	for _, extra := range []string{"bgp:\n  local_as: 4200000001\n", ""} {
		v, err := parseExample(t, extra)
		if err != nil {
			t.Fatal(err)
		}
		if v.MinDemand() != steer.DemandIdle || v.PathBFDFor("inet", steer.DemandIdle).RequiredMinRx != DefaultBFDIdleRx {
			t.Errorf("%q: min demand %v, idle rx %v; want idle, %v", extra, v.MinDemand(),
				v.PathBFDFor("inet", steer.DemandIdle).RequiredMinRx, DefaultBFDIdleRx)
		}
	}
}

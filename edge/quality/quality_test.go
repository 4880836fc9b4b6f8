package quality

import (
	"math"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/probe"
)

const ms = time.Millisecond

func clean(rtt time.Duration) Metrics { return Metrics{Valid: true, Latency: rtt} }

func TestBFDHealth(t *testing.T) {
	for s, want := range map[packet.State]int{
		packet.StateUp: 100, packet.StateInit: 50, packet.StateDown: 0, packet.StateAdminDown: 0, 7: 0,
	} {
		if got := BFDHealth(s); got != want {
			t.Errorf("BFDHealth(%v) = %d, want %d", s, got, want)
		}
	}
}

func TestAssess(t *testing.T) {
	up, init, down, adm := packet.StateUp, packet.StateInit, packet.StateDown, packet.StateAdminDown
	for _, tc := range []struct {
		name  string
		prev  State
		in    Input
		state State
		score float64 // ±0.05
	}{
		{"bfd up, no probes", Down, Input{BFD: up}, Up, 100},
		{"bfd init, no probes", Up, Input{BFD: init}, Degraded, 50},
		{"bfd down", Up, Input{BFD: down, Probe: clean(ms)}, Down, 0},
		{"bfd admin down", Up, Input{BFD: adm}, Down, 0},
		{"clean path", Up, Input{BFD: up, Probe: clean(ms)}, Up, 99.7},
		{"150 ms round trip", Up, Input{BFD: up, Probe: clean(150 * ms)}, Up, 97.7},
		{"5 % loss", Up, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 5}}, Up, 86.3},
		{"10 % loss", Up, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 10}}, Degraded, 72.9},
		{"700 ms round trip", Up, Input{BFD: up, Probe: clean(700 * ms)}, Degraded, 74.2},
		{"jitter counts twice", Up, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, Jitter: 100 * ms}}, Up, 90.3},
		{"every probe lost", Up, Input{BFD: up, Probe: Metrics{Valid: true, LossPct: 100}}, Down, 0},
		{"init scales the probes' score", Up, Input{BFD: init, Probe: Metrics{Valid: true, Latency: ms, LossPct: 5}}, Degraded, 43.2},
		// Hysteresis: 77.6 is up from up, still degraded from degraded.
		{"up stays up at 77.6", Up, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 8}}, Up, 78.3},
		{"degraded stays degraded at 78.3", Degraded, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 8}}, Degraded, 78.3},
		{"degraded recovers at 80.9", Degraded, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 7}}, Up, 80.9},
		{"down to up directly", Down, Input{BFD: up, Probe: Metrics{Valid: true, Latency: ms, LossPct: 8}}, Up, 78.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Model{}.Assess(tc.prev, tc.in)
			if a.State != tc.state || math.Abs(a.Score-tc.score) > 0.05 || a.Health != BFDHealth(tc.in.BFD) {
				t.Fatalf("Assess = %+v (%v), want %v %.1f", a, a.State, tc.state, tc.score)
			}
		})
	}
}

func TestModelThresholds(t *testing.T) {
	m := Model{DegradedBelow: 90, RecoverAt: 95}
	in := Input{BFD: packet.StateUp, Probe: clean(150 * ms)} // 97.7
	if a := m.Assess(Up, in); a.State != Up {
		t.Fatal(a)
	}
	in.Probe.LossPct = 3 // 89.7
	if a := m.Assess(Up, in); a.State != Degraded {
		t.Fatal(a)
	}
	// RecoverAt below DegradedBelow is raised to keep the hysteresis.
	if below, rec := (Model{DegradedBelow: 85, RecoverAt: 10}).thresholds(); below != 85 || rec != 85 {
		t.Fatalf("thresholds %v %v", below, rec)
	}
}

func TestModelValidate(t *testing.T) {
	if es := (Model{}).Validate("model"); es != nil {
		t.Fatal(es)
	}
	es := Model{DegradedBelow: 150, RecoverAt: math.NaN()}.Validate("model")
	if es.Error() != "model.degraded_below: 150 is not a score between 0 and 100\nmodel.recover_at: NaN is not a score between 0 and 100" {
		t.Fatal(es)
	}
}

func TestRFactorBounds(t *testing.T) {
	for _, m := range []Metrics{
		{Valid: true, LossPct: 1000}, {Valid: true, Latency: time.Hour}, {Valid: true, LossPct: math.NaN()},
		{Valid: true, Latency: -time.Second}, {Valid: true, LossPct: -50},
	} {
		if r := RFactor(m); r < 0 || r > rMax || math.IsNaN(r) {
			t.Errorf("RFactor(%+v) = %v", m, r)
		}
	}
}

func TestFromProbe(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   probe.Metrics
		want Metrics
	}{
		{"too few probes", probe.Metrics{Probes: 2, Replies: 2, RTTAvg: 5 * ms}, Metrics{}},
		{"window loss", probe.Metrics{Probes: 100, Replies: 98, RTTAvg: 5 * ms, Jitter: ms, LossPct: 2, RecentProbes: 50},
			Metrics{Valid: true, Latency: 5 * ms, Jitter: ms, LossPct: 2}},
		{"recent loss is larger", probe.Metrics{Probes: 100, Replies: 90, RTTAvg: 5 * ms, LossPct: 10, RecentProbes: 10, RecentLossPct: 100},
			Metrics{Valid: true, Latency: 5 * ms, LossPct: 100}},
		{"recent with too few probes ignored", probe.Metrics{Probes: 100, Replies: 99, LossPct: 1, RecentProbes: 2, RecentLossPct: 50},
			Metrics{Valid: true, LossPct: 1}},
	} {
		if got := FromProbe(tc.in); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestStateNames(t *testing.T) {
	for s, want := range map[State]string{Down: "down", Degraded: "degraded", Up: "up", 9: "unknown"} {
		b, _ := s.MarshalText()
		if s.String() != want || string(b) != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
}

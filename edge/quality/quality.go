// Package quality is the one scoring model of Patronus paths: it turns a
// path's BFD state and probe windows into a state (up, degraded, down)
// and a score, and evaluates named SLA classes against the probe metrics.
//
// It is a leaf of pure functions: no clock, no I/O, no goroutines. The
// steering engine (edge/steer) calls Model.Assess whenever a path's BFD
// state or probe metrics change, and Meets for each SLA class.
//
// # Score
//
// Score is 0–100: the BFD health of the path (the user's reports: Up 100,
// Init 50, Down and AdminDown 0) scaled by what the probes say, through
// the simplified ITU-T G.107 E-model of Cole and Rosenbluth ("Voice over
// IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001), which many
// monitoring tools use to turn delay, jitter and loss into one number:
//
//	d = RTT/2 + 2 × jitter + 10 ms          (effective one-way delay)
//	R = 93.2 − d/40           if d < 160 ms
//	R = 93.2 − (d − 120)/10   otherwise
//	R = R − 2.5 × loss %                    (clamped to 0…93.2)
//	score = health × R / 93.2
//
// With BFD Up, a clean path scores 99.7, 150 ms of round trip 97.7, 5 %
// loss 86.3, 10 % loss 72.9 and 700 ms of round trip 74.2 (both
// degraded). Without probe data the score is the BFD health alone.
//
// # State
//
//   - down: BFD is Down or AdminDown, or every recent probe was lost.
//   - degraded: BFD is Init, or the score is below DegradedBelow (75,
//     which is R ≈ 70, the lower bound of the "medium" band of ITU-T
//     G.109); a degraded path becomes up again only at RecoverAt (80), so
//     a score wandering around the threshold does not flap the state.
//   - up: otherwise.
package quality

import (
	"math"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

// State is a path's state.
type State uint8

// States, in order of preference.
const (
	Down State = iota
	Degraded
	Up
)

var stateNames = [...]string{"down", "degraded", "up"}

// String returns "down", "degraded" or "up".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// BFDHealth is the health of a BFD state, after the user's reports: Up
// 100, Init 50, Down and AdminDown 0.
func BFDHealth(s packet.State) int {
	switch s {
	case packet.StateUp:
		return 100
	case packet.StateInit:
		return 50
	}
	return 0
}

// MinProbes is how many resolved probes make metrics valid.
const MinProbes = 3

// Metrics are what the probes say about a path, as scoring and SLA
// evaluation use them.
type Metrics struct {
	// Valid: at least MinProbes probes were resolved. Invalid metrics
	// meet every SLA and do not change the score: no data is not bad
	// data.
	Valid   bool
	Latency time.Duration // mean round-trip time
	Jitter  time.Duration // forward interarrival jitter (RFC 3550)
	LossPct float64       // percent
}

// FromProbe takes the metrics of a probe window. Latency is the mean
// round trip; loss is the larger of the window's and the recent loss (when
// that has MinProbes probes), so loss is seen within the loss window and
// forgotten only when it has left the whole window: quick to leave a
// path, slow to return to it.
func FromProbe(m probe.Metrics) Metrics {
	if m.Probes < MinProbes {
		return Metrics{}
	}
	loss := m.LossPct
	if m.RecentProbes >= MinProbes {
		loss = max(loss, m.RecentLossPct)
	}
	return Metrics{Valid: true, Latency: m.RTTAvg, Jitter: m.Jitter, LossPct: loss}
}

// Input is what a path's assessment is made of.
type Input struct {
	BFD   packet.State
	Probe Metrics
}

// Assessment is the outcome of the scoring model.
type Assessment struct {
	State  State
	Score  float64 // 0–100
	Health int     // BFD health, 0, 50 or 100
}

// Thresholds of the default Model.
const (
	DefaultDegradedBelow = 75
	DefaultRecoverAt     = 80
)

// Model holds the thresholds of the path state. The zero Model uses the
// defaults.
type Model struct {
	DegradedBelow float64 // an up path with a lower score is degraded
	RecoverAt     float64 // a degraded path needs this score to be up again
}

// Validate checks the thresholds, at field path at (e.g. "model").
func (m Model) Validate(at string) fielderr.List {
	var es fielderr.List
	for _, f := range []struct {
		name string
		v    float64
	}{{"degraded_below", m.DegradedBelow}, {"recover_at", m.RecoverAt}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 100 {
			es.Add(at+"."+f.name, "%v is not a score between 0 and 100", f.v)
		}
	}
	return es
}

func (m Model) thresholds() (below, recover float64) {
	below, recover = m.DegradedBelow, m.RecoverAt
	if below == 0 {
		below = DefaultDegradedBelow
	}
	if recover < below {
		recover = max(below, DefaultRecoverAt)
	}
	return below, recover
}

// Assess scores a path and gives its state, prev being its previous state
// (for the hysteresis between degraded and up).
func (m Model) Assess(prev State, in Input) Assessment {
	a := Assessment{Health: BFDHealth(in.BFD)}
	a.Score = float64(a.Health)
	if in.Probe.Valid {
		a.Score *= RFactor(in.Probe) / rMax
	}
	below, recover := m.thresholds()
	switch {
	case a.Health == 0 || in.Probe.Valid && in.Probe.LossPct >= 100:
		a.State, a.Score = Down, 0
	case in.BFD == packet.StateInit:
		a.State = Degraded
	case prev == Degraded && a.Score < recover, a.Score < below:
		a.State = Degraded
	default:
		a.State = Up
	}
	return a
}

// rMax is the R of a perfect path in the simplified E-model.
const rMax = 93.2

// RFactor is the simplified E-model R of the metrics, 0–93.2 (see the
// package comment).
func RFactor(m Metrics) float64 {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	d := ms(m.Latency)/2 + 2*ms(m.Jitter) + 10
	r := rMax - d/40
	if d >= 160 {
		r = rMax - (d-120)/10
	}
	r -= 2.5 * m.LossPct
	if math.IsNaN(r) {
		return 0
	}
	return min(max(r, 0), rMax)
}

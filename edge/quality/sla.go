package quality

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/internal/label"
)

// An SLAClass is a named set of limits a path must meet for the
// applications of the class. A zero limit is no limit. Its written form
// (YAML, JSON, proto) is package policy's SLAClass, which compiles into
// this one.
//
// MaxLatency is compared with the mean round-trip time of the probes
// (the one-way delay is not measurable without synchronised clocks).
type SLAClass struct {
	Name       string
	MaxLatency time.Duration
	MaxJitter  time.Duration
	MaxLossPct float64
}

// Violations is the set of limits of a class a path does not meet.
type Violations uint8

// Violations.
const (
	ViolLatency Violations = 1 << iota
	ViolJitter
	ViolLoss
)

// String names the violated limits, e.g. "latency,loss", or "none".
func (v Violations) String() string {
	if v == 0 {
		return "none"
	}
	var names []string
	for i, n := range []string{"latency", "jitter", "loss"} {
		if v&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// Meets reports whether metrics m meet class c, and which limits they
// violate. Invalid metrics (no probe data yet) meet every class. It does
// not allocate.
func Meets(c SLAClass, m Metrics) (bool, Violations) {
	if !m.Valid {
		return true, 0
	}
	var v Violations
	if c.MaxLatency > 0 && m.Latency > c.MaxLatency {
		v |= ViolLatency
	}
	if c.MaxJitter > 0 && m.Jitter > c.MaxJitter {
		v |= ViolJitter
	}
	if c.MaxLossPct > 0 && m.LossPct > c.MaxLossPct {
		v |= ViolLoss
	}
	return v == 0, v
}

// Explain says what m violates of c with the numbers, for the reasons of
// events: "latency 180ms > 150ms, loss 5% > 1%". It returns "" when m
// meets c.
func Explain(c SLAClass, m Metrics) string {
	_, v := Meets(c, m)
	var parts []string
	if v&ViolLatency != 0 {
		parts = append(parts, fmt.Sprintf("latency %v > %v", m.Latency.Round(time.Millisecond/10), c.MaxLatency))
	}
	if v&ViolJitter != 0 {
		parts = append(parts, fmt.Sprintf("jitter %v > %v", m.Jitter.Round(time.Millisecond/10), c.MaxJitter))
	}
	if v&ViolLoss != 0 {
		parts = append(parts, fmt.Sprintf("loss %.3g%% > %.3g%%", m.LossPct, c.MaxLossPct))
	}
	return strings.Join(parts, ", ")
}

// Built-in classes. Latency is round trip (see SLAClass), so the one-way
// budgets below are met with room for the endpoints' own delay.
//
//   - voice: 150 ms, 30 ms, 1 %. ITU-T G.114 (05/2003) §1 keeps one-way
//     mouth-to-ear delay under 150 ms for most applications; 30 ms of
//     jitter and 1 % of loss are the voice targets of Cisco's Enterprise
//     QoS Solution Reference Network Design Guide (ch. 1, "Voice").
//   - video (interactive video conferencing): 250 ms, 50 ms, 2 %. Jitter
//     50 ms is the IPDV bound of ITU-T Y.1541 classes 0 and 1; the delay
//     and loss are looser than voice because conferencing codecs adapt
//     their rate and protect against loss (an engineering choice, not a
//     standard's number).
//   - interactive (transactions: web applications, SSH, remote desktop):
//     400 ms, no jitter limit, 2 %: the delay and "unspecified" jitter of
//     Y.1541 class 3 (interactive transaction data); TCP throughput
//     suffers visibly beyond a few percent of loss.
//   - bulk: 1 s, no jitter limit, 20 %: the delay of Y.1541 class 4 (low
//     loss only: short transactions, bulk data). The loss limit is an
//     engineering choice: moving a bulk transfer reorders it and often
//     puts it on a metered link, so it stays on its path unless the path
//     is very bad (the issue's own test: 5 % of loss moves voice, not
//     bulk). The probes measure loss on the round trip: 5 % in each
//     direction is 9.75 %, and over 50 probes the estimate wanders by
//     ±4 %, so a limit at 10 % would be crossed by measurement noise.
//   - default: no limits (Y.1541 class 5, unspecified): always met, so
//     the path's state in the scoring model decides (edge/steer).
var builtin = []SLAClass{
	{Name: "voice", MaxLatency: 150 * time.Millisecond, MaxJitter: 30 * time.Millisecond, MaxLossPct: 1},
	{Name: "video", MaxLatency: 250 * time.Millisecond, MaxJitter: 50 * time.Millisecond, MaxLossPct: 2},
	{Name: "interactive", MaxLatency: 400 * time.Millisecond, MaxLossPct: 2},
	{Name: "bulk", MaxLatency: time.Second, MaxLossPct: 20},
	{Name: "default"},
}

// BuiltinClasses returns the built-in SLA classes.
func BuiltinClasses() []SLAClass { return append([]SLAClass(nil), builtin...) }

// WithBuiltins returns the built-in classes with those of user
// replacing the built-in ones of the same name, followed by the user's
// other classes in their order.
func WithBuiltins(user []SLAClass) []SLAClass {
	out := BuiltinClasses()
	byName := make(map[string]int, len(out))
	for i, c := range out {
		byName[c.Name] = i
	}
	for _, c := range user {
		if i, ok := byName[c.Name]; ok {
			out[i] = c
			continue
		}
		byName[c.Name] = len(out)
		out = append(out, c)
	}
	return out
}

// MaxLimit bounds max_latency and max_jitter.
const MaxLimit = time.Minute

// ValidateClasses checks classes, at field path at (e.g. "sla_classes"),
// and returns every problem, or nil. Names follow internal/label.
func ValidateClasses(at string, classes []SLAClass) fielderr.List {
	var es fielderr.List
	add := func(i int, field, format string, args ...any) {
		es.Add(fmt.Sprintf("%s[%d].%s", at, i, field), format, args...)
	}
	seen := make(map[string]int, len(classes))
	for i, c := range classes {
		if msg := label.Check(c.Name); msg != "" {
			add(i, "name", "%s", msg)
		} else if j, dup := seen[c.Name]; dup {
			add(i, "name", "%q is already %s[%d]", c.Name, at, j)
		} else {
			seen[c.Name] = i
		}
		for _, d := range []struct {
			field string
			v     time.Duration
		}{{"max_latency", c.MaxLatency}, {"max_jitter", c.MaxJitter}} {
			if d.v < 0 || d.v > MaxLimit {
				add(i, d.field, "%v is not between 0 (no limit) and %v", d.v, MaxLimit)
			}
		}
		if p := c.MaxLossPct; math.IsNaN(p) || p < 0 || p > 100 {
			add(i, "max_loss_pct", "%v is not a percentage", p)
		}
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

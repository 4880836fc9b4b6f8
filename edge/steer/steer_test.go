package steer

import (
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

func TestNoPathUntilUp(t *testing.T) {
	h := newHarness(t, testConfig())
	if p := h.path("voice", 1); p != "" {
		t.Fatalf("a path before any BFD Up: %q", p)
	}
	h.up("lte")
	if p := h.path("voice", 1); p != "lte" {
		t.Fatalf("voice on %q, want lte", p)
	}
	if _, ok := h.e.Lookup(9, 0, 1); ok {
		t.Fatal("unknown site")
	}
	if _, ok := h.e.Lookup(2, 99, 1); ok {
		t.Fatal("unknown class")
	}
	if _, ok := h.e.Lookup(2, -1, 1); ok {
		t.Fatal("negative class")
	}
}

func TestDownMovesEveryFlowAtOnce(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls")
	if p := h.path("voice", 1); p != "inet" {
		t.Fatalf("voice on %q, want inet (equal scores, lowest cost)", p)
	}
	h.flows("voice", 10)
	h.flows("bulk", 3)
	evs := h.bfd("inet", packet.StateDown) // no Tick: the call itself moves them
	if evs[0].Kind != PathState || evs[0].PathID != "inet" || !strings.Contains(evs[0].Reason, "up → down: bfd down") {
		t.Fatalf("first event %+v", evs[0])
	}
	d := decisions(evs, "voice")
	if len(d) != 1 || d[0].FlowsMoved != 10 || d[0].PathID != "inet" || d[0].From != "inet" || d[0].To != "lte" || d[0].Reason != "path down" {
		t.Fatalf("voice decision %+v", d)
	}
	if d := decisions(evs, "bulk"); len(d) != 1 || d[0].FlowsMoved != 3 {
		t.Fatalf("bulk decision %+v", d)
	}
	for i := range 10 {
		if p := h.path("voice", uint32(i)); p != "lte" {
			t.Fatalf("flow %d on %q", i, p)
		}
	}
	// Everything down: no path, the caller falls back.
	h.bfd("lte", packet.StateDown)
	evs = h.bfd("mpls", packet.StateAdminDown)
	if p := h.path("voice", 1); p != "" {
		t.Fatalf("voice on %q with every path down", p)
	}
	if d := decisions(evs, "voice"); len(d) != 1 || d[0].To != "" || d[0].Reason != "path down" {
		t.Fatalf("%+v", d)
	}
}

func TestSLADamping(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.flows("voice", 4)
	h.flows("bulk", 4)
	// 5 % loss on inet: voice (1 %) violated, bulk (5 %) not.
	if evs := h.probe("inet", lossy(5)); len(decisions(evs, "voice")) != 0 {
		t.Fatalf("moved before the damping time: %v", kinds(evs))
	}
	if evs := h.advance(DefaultDamping - 100*ms); len(evs) != 0 {
		t.Fatalf("events before the damping time: %v", kinds(evs))
	}
	evs := h.advance(100 * ms)
	d := decisions(evs, "voice")
	if len(d) != 1 || d[0].To != "lte" || d[0].FlowsMoved != 4 || d[0].PathID != "inet" ||
		d[0].Reason != "sla voice violated for 3s: loss 5% > 1%" || !d[0].Time.Equal(t0.Add(DefaultDamping)) {
		t.Fatalf("voice decision %+v", d)
	}
	if len(decisions(evs, "bulk")) != 0 || h.path("bulk", 1) != "inet" {
		t.Fatalf("bulk moved: %v", kinds(evs))
	}
}

func TestShortViolationDoesNotMove(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.probe("inet", quality.Metrics{Valid: true, Latency: 400 * ms})
	h.advance(DefaultDamping - time.Second)
	h.probe("inet", clean)
	if evs := decisions(h.advance(time.Minute), "voice"); len(evs) != 0 || h.path("voice", 1) != "inet" {
		t.Fatalf("moved on a short violation: %v", kinds(evs))
	}
	// A second violation starts the damping time again.
	h.probe("inet", quality.Metrics{Valid: true, Latency: 400 * ms})
	h.advance(DefaultDamping - 100*ms)
	if h.path("voice", 1) != "inet" {
		t.Fatal("damping did not restart")
	}
	h.advance(100 * ms)
	if h.path("voice", 1) != "lte" {
		t.Fatal("no move after the damping time")
	}
}

func TestFailbackAfterHoldDown(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.flows("voice-inet", 5)
	h.bfd("inet", packet.StateDown)
	if h.path("voice-inet", 1) != "lte" {
		t.Fatal("no failover")
	}
	h.advance(time.Minute)
	h.bfd("inet", packet.StateUp) // probes still clean from before
	h.flows("voice-inet", 5)
	if evs := h.advance(DefaultHoldDown - 100*ms); len(decisions(evs, "voice-inet")) != 0 {
		t.Fatalf("failback before the hold-down: %v", kinds(evs))
	}
	evs := h.advance(100 * ms)
	d := decisions(evs, "voice-inet")
	if len(d) != 1 || d[0].To != "inet" || d[0].PathID != "inet" || d[0].FlowsMoved != 5 ||
		d[0].Reason != "failback to preferred colour inet after hold-down" {
		t.Fatalf("failback %+v", d)
	}
	// voice has no colour preference: it fails back to the cheaper link.
	if d := decisions(evs, "voice"); len(d) != 1 || d[0].To != "inet" || d[0].Reason != "failback to cheaper link (cost 10 < 20) after hold-down" {
		t.Fatalf("voice failback %+v", d)
	}
}

func TestHoldDownRestartsOnTrouble(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.bfd("inet", packet.StateDown)
	h.bfd("inet", packet.StateUp)
	h.advance(DefaultHoldDown / 2)
	h.probe("inet", lossy(5)) // not good: hold-down restarts when it is good again
	h.advance(time.Second)
	h.probe("inet", clean)
	h.advance(DefaultHoldDown - 200*ms)
	if h.path("voice-inet", 1) != "lte" {
		t.Fatal("failback before a whole hold-down of good quality")
	}
	h.advance(300 * ms)
	if h.path("voice-inet", 1) != "inet" {
		t.Fatal("no failback")
	}
}

func TestGoodPathKeepsFlows(t *testing.T) {
	// voice is on inet (cheapest) and inet meets the voice SLA: however
	// much better lte scores, voice stays.
	for _, inet := range []quality.Metrics{
		clean,
		{Valid: true, Latency: 140 * ms, Jitter: 29 * ms, LossPct: 0.9}, // score 93.9, lte 99.7
	} {
		h := newHarness(t, testConfig())
		h.up("inet", "lte")
		h.probe("lte", quality.Metrics{Valid: true, Latency: ms})
		h.probe("inet", inet)
		if evs := decisions(h.advance(10*time.Minute), "voice"); len(evs) != 0 || h.path("voice", 1) != "inet" {
			t.Fatalf("%+v: voice moved: %+v", inet, evs)
		}
	}
}

func TestNoPathMeetsSLA(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.probe("inet", lossy(3))  // violates voice; score 91.4
	h.probe("lte", lossy(2.5)) // violates voice; score 92.7: not better by the margin
	h.advance(time.Minute)
	if h.path("voice", 1) != "inet" {
		t.Fatal("moved to a path not better by the margin")
	}
	evs := h.probe("inet", lossy(5)) // 86.0: lte is better by 6.7; inet is long past the damping time
	d := decisions(evs, "voice")
	if len(d) != 1 || d[0].To != "lte" || !strings.HasPrefix(d[0].Reason, "no path meets sla voice: best score 92.7 over 86.0") {
		t.Fatalf("%+v", d)
	}
	// A path that meets the SLA wins at once over the violating one
	// (after the damping time, which lte has long passed).
	h.probe("mpls", clean)
	evs = h.bfd("mpls", packet.StateUp)
	if d := decisions(evs, "voice"); len(d) != 1 || d[0].To != "mpls" {
		t.Fatalf("%+v", d)
	}
}

func TestDegradedPathIsLeftAfterDamping(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.bfd("inet", packet.StateInit) // degraded, health 50
	h.advance(DefaultDamping - 100*ms)
	if h.path("bulk", 1) != "inet" {
		t.Fatal("moved before the damping time")
	}
	evs := h.advance(100 * ms)
	if d := decisions(evs, "bulk"); len(d) != 1 || d[0].To != "lte" || !strings.HasPrefix(d[0].Reason, "path degraded (score 49.") {
		t.Fatalf("%+v", d)
	}
}

func TestProbesAllLostIsDown(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	evs := h.probe("inet", quality.Metrics{Valid: true, LossPct: 100})
	if d := decisions(evs, "voice"); len(d) != 1 || d[0].To != "lte" || d[0].Reason != "path down" {
		t.Fatalf("%+v", d)
	}
}

func TestDuplicate(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet")
	if p, dup := h.choice("dup", 1); p != "inet" || dup != "" {
		t.Fatalf("one path: %q %q", p, dup)
	}
	h.up("lte", "mpls")
	if p, dup := h.choice("dup", 1); p != "inet" || dup != "lte" {
		t.Fatalf("three paths: %q %q", p, dup)
	}
	h.flows("dup", 3)
	evs := h.bfd("inet", packet.StateDown)
	if p, dup := h.choice("dup", 1); p != "lte" || dup != "mpls" {
		t.Fatalf("after inet down: %q %q", p, dup)
	}
	if d := decisions(evs, "dup"); len(d) != 1 || d[0].From != "inet,lte" || d[0].To != "lte,mpls" || d[0].FlowsMoved != 3 {
		t.Fatalf("%+v", d)
	}
	// The secondary going down is replaced at once too.
	h.bfd("inet", packet.StateUp)
	h.bfd("mpls", packet.StateDown)
	if p, dup := h.choice("dup", 1); p != "lte" || dup != "inet" {
		t.Fatalf("after mpls down: %q %q", p, dup)
	}
}

func TestEventRingWraps(t *testing.T) {
	r := newRing(4)
	for i := range 10 {
		r.add(Event{FlowsMoved: i})
	}
	evs, dropped := r.snapshot(nil)
	if dropped != 6 || len(evs) != 4 || evs[0].FlowsMoved != 6 || evs[3].FlowsMoved != 9 {
		t.Fatalf("%d dropped, %+v", dropped, evs)
	}
	cfg := testConfig()
	cfg.EventLog = 3
	h := newHarness(t, cfg)
	h.up("inet", "lte", "mpls") // 3 path states and decisions
	evs, dropped = h.e.Events(nil)
	if len(evs) != 3 || dropped == 0 {
		t.Fatalf("%d events, %d dropped", len(evs), dropped)
	}
	if !evs[2].Time.Equal(h.now) {
		t.Fatalf("%+v", evs)
	}
	// Growing the ring keeps the events.
	cfg.EventLog = 100
	if err := h.e.Set(cfg, h.now); err != nil {
		t.Fatal(err)
	}
	if evs2, d2 := h.e.Events(nil); len(evs2) != 3 || d2 != dropped {
		t.Fatalf("after resize: %d events, %d dropped", len(evs2), d2)
	}
}

func TestPathsStatus(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.flows("voice", 7)
	h.flows("dup", 2)
	st := h.e.Paths(h.now)
	if len(st) != 4 || st[0].ID != "inet" || st[0].State != quality.Up || st[0].BFD != packet.StateUp ||
		st[0].ActiveFlows != 9 || st[1].ActiveFlows != 2 || st[3].State != quality.Down {
		t.Fatalf("%+v", st)
	}
	// Flows idle longer than FlowIdle are no longer active.
	h.advance(DefaultFlowIdle + 2*time.Second)
	if st := h.e.Paths(h.now); st[0].ActiveFlows != 0 {
		t.Fatalf("idle flows counted: %+v", st[0])
	}
}

func TestSetErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Paths = append(cfg.Paths, Path{ID: "inet", Site: 4}, Path{})
	cfg.Policies = append(cfg.Policies, Policy{Name: "voice", SLA: "gold", Mode: 7}, Policy{SLA: "voice"})
	cfg.Classes = []quality.SLAClass{{Name: "voice", MaxLossPct: 150}, {Name: "bulk"}, {Name: "default"}}
	cfg.Timers = Timers{Damping: -time.Second, Margin: 101, FlapReuse: 5000, FlowIdle: time.Millisecond}
	cfg.EventLog = -1
	cfg.Model.RecoverAt = -1
	_, err := New(cfg, t0)
	want := []string{
		`paths[4].id: "inet" is already paths[0]`,
		"paths[5].id: required",
		"classes[0].max_loss_pct: 150 is not a percentage",
		`policies[5].name: "voice" is already policies[0]`,
		`policies[5].sla: no SLA class "gold"`,
		"policies[5].mode: 7 is not best-path, load-balance or duplicate",
		"policies[6].name: required",
		"model.recover_at: -1 is not a score between 0 and 100",
		"timers.damping: -1s is not between 0 and 1h",
		"timers.flow_idle: 1ms is shorter than 1s",
		"timers.margin: 101 is not between 0 and 100 score points",
		"timers.flap_suppress: need 0 < flap_reuse (5000) < flap_suppress (3000) ≤ flap_max (6000)",
		"event_log: -1 is not between 1 and 1048576",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	h := newHarness(t, testConfig())
	if _, err := h.e.SetBFD("nope", packet.StateUp, t0); err == nil || err.Error() != `steer: no path "nope"` {
		t.Fatal(err)
	}
	if _, err := h.e.SetProbe("nope", clean, t0); err == nil {
		t.Fatal("unknown path accepted")
	}
	if h.e.Set(cfg, t0) == nil {
		t.Fatal("bad configuration accepted by Set")
	}
}

func TestModeText(t *testing.T) {
	for _, m := range []Mode{BestPath, LoadBalance, Duplicate} {
		b, _ := m.MarshalText()
		var back Mode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("%v: %v %v", m, back, err)
		}
	}
	var m Mode = Duplicate
	if m.UnmarshalText(nil) != nil || m != BestPath {
		t.Error("empty mode is best-path")
	}
	if err := m.UnmarshalText([]byte("fastest")); err == nil || err.Error() != `"fastest" is not best-path, load-balance or duplicate` {
		t.Error(err)
	}
	if Mode(9).String() != "unknown" || Kind(99).String() != "unknown" || Decision.String() != "decision" {
		t.Error("names")
	}
}

// TestDuplicateOnDisjointLinks: duplicate mode puts its copies on paths
// that share no WAN link when there are such, so one link's failure
// never takes both copies.
func TestDuplicateOnDisjointLinks(t *testing.T) {
	cfg := Config{
		Paths: []Path{
			{ID: "inet-inet", Site: 2, Color: "inet", Cost: 10, Link: "inet", RemoteLink: "inet"},
			{ID: "inet-lte", Site: 2, Color: "inet", Cost: 10, Link: "inet", RemoteLink: "lte"},
			{ID: "lte-inet", Site: 2, Color: "lte", Cost: 20, Link: "lte", RemoteLink: "inet"},
			{ID: "lte-lte", Site: 2, Color: "lte", Cost: 20, Link: "lte", RemoteLink: "lte"},
		},
		Policies: []Policy{{Name: "dup", SLA: "voice", Mode: Duplicate}},
	}
	h := newHarness(t, cfg)
	h.up("inet-inet", "inet-lte", "lte-inet", "lte-lte")
	if p, dup := h.choice("dup", 2); p != "inet-inet" || dup != "lte-lte" {
		t.Fatalf("all up: %q %q, want inet-inet and lte-lte", p, dup)
	}
	// Only paths over the local lte link are left: both copies on it,
	// on different remote links.
	h.bfd("inet-inet", packet.StateDown)
	h.bfd("inet-lte", packet.StateDown)
	if p, dup := h.choice("dup", 2); p == dup || p[:3] != "lte" || dup[:3] != "lte" {
		t.Fatalf("inet down: %q %q", p, dup)
	}
}

// TestLossMovesVoiceNotBulk: 5 % loss each way (about 10 % on the
// probes' round trip) makes the path degraded in the scoring model; the
// voice class, whose SLA it violates, leaves after the damping time; the
// bulk class, whose SLA it still meets, stays.
func TestLossMovesVoiceNotBulk(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	if h.path("voice", 1) != "inet" || h.path("bulk", 1) != "inet" {
		t.Fatal("not on inet at start")
	}
	lossy := clean
	lossy.LossPct = 9.75
	h.probe("inet", lossy)
	if ps := h.e.Paths(h.now); ps[0].State != quality.Degraded {
		t.Fatalf("inet is %v with 9.75%% loss, want degraded", ps[0].State)
	}
	h.advance(DefaultDamping + 100*ms)
	if h.path("voice", 1) != "lte" {
		t.Error("voice stayed on the lossy path after the damping time")
	}
	if h.path("bulk", 1) != "inet" {
		t.Error("bulk left a path that meets its SLA")
	}
	// A class without limits takes the model's judgement: it leaves the
	// degraded path.
	cfg := testConfig()
	cfg.Policies = append(cfg.Policies, Policy{Name: "any", SLA: "default"})
	h = newHarness(t, cfg)
	h.up("inet", "lte")
	h.probe("inet", lossy)
	h.advance(DefaultDamping + 100*ms)
	if h.path("any", 1) != "lte" {
		t.Error("the default class stayed on a degraded path")
	}
}

// TestStartTakesPreferredPathAtOnce: at start the paths come up one by
// one; flows take the preferred path as soon as it is up, without the
// hold-down, which is for paths that went bad.
func TestStartTakesPreferredPathAtOnce(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("lte")
	h.flows("voice", 2)
	if h.path("voice", 1) != "lte" {
		t.Fatal("not on the only path up")
	}
	h.up("inet")
	h.advance(100 * ms)
	if h.path("voice", 1) != "inet" {
		t.Fatal("the cheaper path that came up later did not take the flows at once")
	}
	// Once inet has gone down, it waits out the hold-down when back.
	h.bfd("inet", packet.StateDown)
	h.up("inet")
	h.advance(DefaultHoldDown - time.Second)
	if h.path("voice", 1) != "lte" {
		t.Fatal("failback before the hold-down")
	}
	h.advance(2 * time.Second)
	if h.path("voice", 1) != "inet" {
		t.Fatal("no failback after the hold-down")
	}
}

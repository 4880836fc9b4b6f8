package steer

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

func TestFlapPenalty(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	h.advance(time.Minute)
	var evs []Event
	// inet flaps: down for 500 ms every second, for a minute.
	for i := range 60 {
		evs = append(evs, h.bfd("inet", packet.StateDown)...)
		if i == 3 {
			st := h.e.Paths(h.now)[0]
			if !st.Suppressed || math.Abs(st.Penalty-3737) > 5 {
				t.Fatalf("after the 4th down: %+v", st)
			}
		}
		evs = append(evs, h.advance(500*ms)...)
		evs = append(evs, h.bfd("inet", packet.StateUp)...)
		evs = append(evs, h.advance(500*ms)...)
		if p := h.path("voice-inet", 1); p != "lte" {
			t.Fatalf("flap %d: voice-inet on %q", i, p)
		}
	}
	// One move off inet, none back while it flaps: no storm.
	if d := decisions(evs, "voice-inet"); len(d) != 1 || d[0].To != "lte" {
		t.Fatalf("%d decisions: %v", len(d), kinds(d))
	}
	var sup []Event
	for _, ev := range evs {
		if ev.Kind == FlapSuppressed || ev.Kind == FlapReused {
			sup = append(sup, ev)
		}
	}
	if len(sup) != 1 || sup[0].Kind != FlapSuppressed || !sup[0].Time.Equal(t0.Add(time.Minute+3*time.Second)) {
		t.Fatalf("suppression events: %+v", sup)
	}
	// The penalty is at its cap (6000): 2 half-lives (30 s) to 1500.
	if st := h.e.Paths(h.now)[0]; st.Penalty > DefaultFlapMax || st.Penalty < 5000 {
		t.Fatalf("penalty %v", st.Penalty)
	}
	// A suppressed path still serves when nothing else can.
	h.bfd("lte", packet.StateDown)
	if p := h.path("voice-inet", 1); p != "inet" {
		t.Fatalf("with lte down: %q", p)
	}
	h.bfd("lte", packet.StateUp)
	// The last down was 1 s before the end of the flapping: the penalty
	// (6000) is below 1500 30 s after it.
	reuse := func(evs []Event) []Event {
		var out []Event
		for _, ev := range evs {
			if ev.Kind == FlapReused {
				out = append(out, ev)
			}
		}
		return out
	}
	if r := reuse(h.advance(28 * time.Second)); len(r) != 0 {
		t.Fatalf("reused too early: %+v", r)
	}
	if r := reuse(h.advance(2 * time.Second)); len(r) != 1 || r[0].PathID != "inet" {
		t.Fatalf("not reused: %+v", r)
	}
	if p := h.path("voice-inet", 1); p != "inet" {
		t.Fatalf("voice-inet on %q", p)
	}
}

func TestFlapSuppressionLiftsThenFailback(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte")
	for range 4 {
		h.bfd("inet", packet.StateDown)
		h.advance(500 * ms)
		h.bfd("inet", packet.StateUp)
		h.advance(500 * ms)
	}
	if !h.e.Paths(h.now)[0].Suppressed {
		t.Fatal("not suppressed")
	}
	// Penalty ≈ 3737 at the 4th down (3 s): below 1500 after
	// 15 × log2(3737/1500) ≈ 19.8 s. The preferred flows go back to inet
	// when it is reused and has been good for the hold-down since its
	// last up (3.5 s), whichever is later.
	var reused, back time.Time
	for range 400 {
		for _, ev := range h.advance(100 * ms) {
			if ev.Kind == FlapReused {
				reused = ev.Time
			}
			if ev.Kind == Decision && ev.Policy == "voice-inet" && ev.To == "inet" {
				back = ev.Time
			}
		}
	}
	want := t0.Add(3*time.Second + 19800*ms)
	if reused.Sub(want).Abs() > 200*ms || !back.Equal(t0.Add(3500*ms+DefaultHoldDown)) {
		t.Fatalf("reused at %v (want about %v), failback at %v", reused.Sub(t0), want.Sub(t0), back.Sub(t0))
	}
	// Suppression longer than the hold-down: failback at the reuse.
	h = newHarness(t, testConfig())
	h.up("inet", "lte")
	for range 8 {
		h.bfd("inet", packet.StateDown)
		h.advance(500 * ms)
		h.bfd("inet", packet.StateUp)
		h.advance(500 * ms)
	}
	reused, back = time.Time{}, time.Time{}
	for range 600 {
		for _, ev := range h.advance(100 * ms) {
			if ev.Kind == FlapReused {
				reused = ev.Time
			}
			if ev.Kind == Decision && ev.Policy == "voice-inet" && ev.To == "inet" {
				back = ev.Time
			}
		}
	}
	if reused.IsZero() || !back.Equal(reused) || reused.Sub(t0) < 7500*ms+DefaultHoldDown {
		t.Fatalf("reused at %v, failback at %v", reused.Sub(t0), back.Sub(t0))
	}
}

func TestLoadBalance(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls")
	// Paths that come up at start have proven nothing wrong: they join
	// at once, without the hold-down.
	if d := shares(h, "lb"); d["inet"] == Buckets || d["mpls"] == 0 {
		t.Fatalf("at start: %v", d)
	}
	h.advance(DefaultHoldDown)
	before := assignment(h, "lb")
	d := shares(h, "lb")
	// Weights 100, 100, 200 Mbit/s: 256, 256, 512 buckets expected.
	for id, want := range map[string]float64{"inet": 256, "lte": 256, "mpls": 512} {
		if math.Abs(float64(d[id])-want) > want*0.15 {
			t.Fatalf("shares %v", d)
		}
	}
	// mpls goes down: only its buckets move, at once.
	for b := range Buckets {
		h.path("lb", uint32(b))
	}
	evs := h.bfd("mpls", packet.StateDown)
	after := assignment(h, "lb")
	for b := range Buckets {
		if before[b] != "mpls" && after[b] != before[b] || after[b] == "mpls" {
			t.Fatalf("bucket %d: %s → %s", b, before[b], after[b])
		}
	}
	if dd := decisions(evs, "lb"); len(dd) != 1 || dd[0].FlowsMoved != d["mpls"] || dd[0].To != "inet,lte" {
		t.Fatalf("%+v", dd)
	}
	// It comes back after the hold-down, to the same buckets.
	h.bfd("mpls", packet.StateUp)
	h.advance(DefaultHoldDown)
	again := assignment(h, "lb")
	for b := range Buckets {
		if again[b] != before[b] {
			t.Fatalf("bucket %d: %s, was %s", b, again[b], before[b])
		}
	}
}

func TestLoadBalanceEqualWeightsAndSLA(t *testing.T) {
	cfg := testConfig()
	cfg.Paths[1].Bandwidth = 0 // unknown: every member weighs the same
	cfg.Policies = append(cfg.Policies, Policy{Name: "lb-voice", SLA: "voice", Mode: LoadBalance})
	h := newHarness(t, cfg)
	h.up("inet", "lte", "mpls")
	h.advance(DefaultHoldDown)
	d := shares(h, "lb")
	for _, id := range []string{"inet", "lte", "mpls"} {
		if math.Abs(float64(d[id])-Buckets/3.0) > Buckets/3.0*0.15 {
			t.Fatalf("shares %v", d)
		}
	}
	// inet violates voice: it leaves lb-voice after the damping time
	// only, and stays in lb (default class).
	h.probe("inet", lossy(5))
	h.advance(DefaultDamping - 100*ms)
	if shares(h, "lb-voice")["inet"] == 0 {
		t.Fatal("left before the damping time")
	}
	evs := h.advance(100 * ms)
	if shares(h, "lb-voice")["inet"] != 0 || shares(h, "lb")["inet"] == 0 {
		t.Fatalf("lb-voice %v, lb %v", shares(h, "lb-voice"), shares(h, "lb"))
	}
	if dd := decisions(evs, "lb-voice"); len(dd) != 1 || dd[0].PathID != "inet" || dd[0].To != "lte,mpls" {
		t.Fatalf("%+v", dd)
	}
	// Every path violates: one path, the best, carries everything.
	h.probe("lte", lossy(5))
	h.probe("mpls", lossy(6))
	h.advance(DefaultDamping)
	if s := shares(h, "lb-voice"); len(s) != 1 {
		t.Fatalf("no path meets the SLA: %v", s)
	}
}

func TestLoadBalancePreferredColours(t *testing.T) {
	cfg := testConfig()
	cfg.Policies = append(cfg.Policies, Policy{Name: "lb-cheap", SLA: "default", Mode: LoadBalance, Colors: []string{"inet", "lte"}})
	h := newHarness(t, cfg)
	h.up("mpls", "inet", "lte")
	h.advance(DefaultHoldDown)
	if s := shares(h, "lb-cheap"); s["mpls"] != 0 || s["inet"] == 0 || s["lte"] == 0 {
		t.Fatalf("shares %v", s)
	}
	h.bfd("inet", packet.StateDown)
	h.bfd("lte", packet.StateDown)
	if s := shares(h, "lb-cheap"); s["mpls"] != Buckets {
		t.Fatalf("no preferred colour left: %v", s)
	}
}

func shares(h *harness, name string) map[string]int {
	m := map[string]int{}
	for _, id := range assignment(h, name) {
		m[id]++
	}
	return m
}

func assignment(h *harness, name string) []string {
	c, _ := h.e.PolicyIndex(name)
	s := h.e.tables.Load().sites[2][c]
	d := s.dec.Load()
	out := make([]string, Buckets)
	for b := range Buckets {
		out[b] = h.ids[d.pathOf(b)]
	}
	return out
}

func TestSetKeepsState(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	h.up("inet", "lte")
	h.flows("voice", 5)
	c := h.class("voice")
	dec := h.e.tables.Load().sites[2][c].dec.Load()
	// The same configuration: nothing happens.
	if err := h.e.Set(testConfig(), h.now); err != nil {
		t.Fatal(err)
	}
	if h.e.tables.Load().sites[2][c].dec.Load() != dec {
		t.Fatal("an identical configuration replaced a decision")
	}
	// A new path first, and a policy removed: flows stay; handles shift.
	cfg2 := testConfig()
	cfg2.Paths = append([]Path{{ID: "wan4", Site: 2, Color: "inet"}}, cfg2.Paths...)
	cfg2.Policies = cfg2.Policies[:4]
	if err := h.e.Set(cfg2, h.now); err != nil {
		t.Fatal(err)
	}
	h.ids = []string{"wan4", "inet", "lte", "mpls", "s3"}
	if p := h.path("voice", 1); p != "inet" {
		t.Fatalf("voice on %q after adding a path", p)
	}
	evs, _ := h.e.Events(nil)
	for _, ev := range evs {
		if ev.Kind == Decision && ev.Time.Equal(h.now) && ev.Policy == "voice" && ev.FlowsMoved > 0 {
			t.Fatalf("flows moved by adding a path: %+v", ev)
		}
	}
	if st := h.e.Paths(h.now); st[1].ID != "inet" || st[1].State != quality.Up || st[0].State != quality.Down {
		t.Fatalf("state not kept by ID: %+v", st)
	}
	// Removing the path in use moves its flows.
	cfg3 := testConfig()
	cfg3.Paths = cfg3.Paths[1:]
	h.flows("voice", 5)
	if err := h.e.Set(cfg3, h.now); err != nil {
		t.Fatal(err)
	}
	h.ids = []string{"lte", "mpls", "s3"}
	if p := h.path("voice", 1); p != "lte" {
		t.Fatalf("voice on %q after removing inet", p)
	}
	evs, _ = h.e.Events(nil)
	last := decisions(evs, "voice")
	if ev := last[len(last)-1]; ev.FlowsMoved != 5 || ev.Reason != "a chosen path was removed from the configuration" {
		t.Fatalf("%+v", ev)
	}
}

// TestNeverOnDownPath drives random BFD states, probe metrics and time
// and checks after every step that no flow of any policy is on a down
// path while another path is not down.
func TestNeverOnDownPath(t *testing.T) {
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 1))
		h := newHarness(t, testConfig())
		ids := []string{"inet", "lte", "mpls"}
		states := []packet.State{packet.StateUp, packet.StateUp, packet.StateDown, packet.StateInit, packet.StateAdminDown}
		for step := range 300 {
			id := ids[rng.IntN(3)]
			switch rng.IntN(3) {
			case 0:
				h.bfd(id, states[rng.IntN(len(states))])
			case 1:
				h.probe(id, quality.Metrics{Valid: rng.IntN(4) > 0, Latency: time.Duration(rng.IntN(300)) * ms,
					Jitter: time.Duration(rng.IntN(40)) * ms, LossPct: float64(rng.IntN(12)) * rng.Float64() * 10})
			default:
				h.advance(time.Duration(rng.IntN(5000)) * ms)
			}
			checkNotDown(t, h, seed, step)
		}
	}
}

func checkNotDown(t *testing.T, h *harness, seed uint64, step int) {
	t.Helper()
	st := h.e.Paths(h.now)
	anyUp := false
	for _, p := range st[:3] {
		anyUp = anyUp || p.State != quality.Down
	}
	for c := range testConfig().Policies {
		for f := range uint32(16) {
			ch, ok := h.e.Lookup(2, c, f*7919)
			if ok != anyUp {
				t.Fatalf("seed %d step %d policy %d: ok %v with a path up %v", seed, step, c, ok, anyUp)
			}
			if !ok {
				continue
			}
			if st[ch.Path].State == quality.Down || ch.Dup >= 0 && st[ch.Dup].State == quality.Down {
				t.Fatalf("seed %d step %d policy %d: flow on a down path %+v (%+v)", seed, step, c, ch, st)
			}
			if ch.Dup == ch.Path {
				t.Fatalf("duplicate on the same path: %+v", ch)
			}
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls")
	h.advance(DefaultHoldDown)
	pkt := udp4()
	for _, name := range []string{"voice", "dup", "lb"} {
		c := h.class(name)
		var hash uint32
		a := testing.AllocsPerRun(1000, func() {
			hash++
			h.e.Lookup(2, c, hash+flowHash(pkt))
		})
		if a != 0 {
			t.Errorf("%s: %v allocations per Lookup", name, a)
		}
	}
}

// TestLookupConcurrent runs lookups while the engine takes BFD changes,
// probes, ticks and reconfigurations; run it with -race.
func TestLookupConcurrent(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls")
	var stop atomic.Bool
	var wg sync.WaitGroup
	var lookups atomic.Uint64
	n := len(testConfig().Paths) + 1 // the wider of the two configurations
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := uint32(g); !stop.Load(); i += 4 {
				c, ok := h.e.Lookup(2, int(i%5), i)
				if ok && (c.Path < 0 || int(c.Path) >= n || int(c.Dup) >= n) {
					t.Errorf("bad choice %+v", c)
					return
				}
				if lookups.Add(1)%64 == 0 {
					runtime.Gosched() // let the control goroutine run on a small machine
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	wider := testConfig()
	wider.Paths = append(wider.Paths, Path{ID: "wan4", Site: 2, Color: "inet"})
	for i := range 600 {
		id := []string{"inet", "lte", "mpls"}[rng.IntN(3)]
		switch i % 4 {
		case 0:
			h.bfd(id, []packet.State{packet.StateUp, packet.StateDown}[rng.IntN(2)])
		case 1:
			h.probe(id, lossy(float64(rng.IntN(8))))
		case 2:
			h.now = h.now.Add(time.Duration(rng.IntN(3000)) * ms)
			h.e.Tick(h.now)
		default:
			cfg := testConfig()
			if rng.IntN(2) == 0 {
				cfg = wider
			}
			if err := h.e.Set(cfg, h.now); err != nil {
				t.Fatal(err)
			}
			h.e.Paths(h.now)
			h.e.Events(nil)
		}
	}
	stop.Store(true)
	wg.Wait()
	if lookups.Load() == 0 {
		t.Fatal("no lookups ran")
	}
}

func udp4() []byte {
	p := make([]byte, 28)
	p[0], p[3], p[9] = 0x45, 28, 17
	copy(p[12:20], []byte{10, 1, 0, 2, 10, 2, 0, 2})
	copy(p[20:24], []byte{0x30, 0x39, 0x00, 0x35})
	return p
}

func benchEngine(b *testing.B) *harness {
	h := newHarness(b, testConfig())
	h.up("inet", "lte", "mpls")
	h.advance(DefaultHoldDown)
	return h
}

func BenchmarkLookup(b *testing.B) {
	for _, name := range []string{"voice", "dup", "lb"} {
		b.Run(name, func(b *testing.B) {
			h := benchEngine(b)
			c := h.class(name)
			b.ReportAllocs()
			var i uint32
			for b.Loop() {
				i++
				h.e.Lookup(2, c, i*2654435761)
			}
		})
	}
}

func BenchmarkLookupParallel(b *testing.B) {
	h := benchEngine(b)
	c := h.class("lb")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var i uint32
		for pb.Next() {
			i++
			h.e.Lookup(2, c, i*2654435761)
		}
	})
}

func BenchmarkFlowHashAndLookup(b *testing.B) {
	h := benchEngine(b)
	c := h.class("voice")
	pkt := udp4()
	b.ReportAllocs()
	for b.Loop() {
		h.e.Lookup(2, c, flowHash(pkt))
	}
}

// BenchmarkTick is the periodic timer run with 3 paths to a site and the
// 5 test policies.
func BenchmarkTick(b *testing.B) {
	h := benchEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		h.now = h.now.Add(100 * ms)
		h.e.Tick(h.now)
	}
}

// flowHash is the hash the forwarder takes from the packet it parsed.
func flowHash(pkt []byte) uint32 {
	var p ippkt.Packet
	_ = ippkt.Parse(pkt, &p)
	return p.FlowHash()
}

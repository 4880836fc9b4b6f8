package probe

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// rig is a Sender whose probes are captured, with a Reflector whose
// clock is offset from the sender's.
type rig struct {
	t       *testing.T
	s       *Sender
	r       Reflector
	sent    [][]byte
	sendErr error
	offset  time.Duration // reflector clock − sender clock
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	g := &rig{t: t}
	s, err := NewSender(cfg, 0xabcd, func(b []byte) error {
		if g.sendErr != nil {
			return g.sendErr
		}
		g.sent = append(g.sent, bytes.Clone(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	g.s = s
	return g
}

// reply reflects the probe seq: forward transit fwd, residence res, and
// delivers the reply at the sender after back more.
func (g *rig) reply(seq int, sentAt time.Time, fwd, res, back time.Duration) time.Time {
	g.t.Helper()
	out := make([]byte, Len)
	rx := sentAt.Add(fwd + g.offset)
	if _, err := g.r.Reflect(out, g.sent[seq], rx, rx.Add(res)); err != nil {
		g.t.Fatal(err)
	}
	at := sentAt.Add(fwd + res + back)
	if err := g.s.Receive(out, at); err != nil {
		g.t.Fatal(err)
	}
	return at
}

func TestSenderRTTExcludesResidence(t *testing.T) {
	g := newRig(t, Config{})
	g.offset = 3 * time.Hour // the clocks need not agree
	next := g.s.Tick(t0)
	if len(g.sent) != 1 || !next.Equal(t0.Add(DefaultInterval)) {
		t.Fatalf("first tick: %d probes, next %v", len(g.sent), next.Sub(t0))
	}
	g.reply(0, t0, 10*time.Millisecond, 7*time.Millisecond, 20*time.Millisecond)
	m := g.s.Metrics(t0.Add(time.Second))
	if m.Replies != 1 || m.RTTMin != 30*time.Millisecond || m.RTTMax != 30*time.Millisecond || m.LossPct != 0 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestSenderSchedule(t *testing.T) {
	g := newRig(t, Config{})
	for i := range 10 {
		g.s.Tick(t0.Add(time.Duration(i) * 50 * time.Millisecond)) // ticks twice per interval
	}
	if len(g.sent) != 5 {
		t.Fatalf("%d probes in 450 ms, want 5", len(g.sent))
	}
	// A Tick 1 s late sends one probe, not a burst.
	g.s.Tick(t0.Add(1500 * time.Millisecond))
	g.s.Tick(t0.Add(1510 * time.Millisecond))
	if len(g.sent) != 6 {
		t.Fatalf("%d probes after a late tick, want 6", len(g.sent))
	}
}

func TestSenderLossAndLate(t *testing.T) {
	g := newRig(t, Config{})
	for i := range 10 {
		g.s.Tick(t0.Add(time.Duration(i) * DefaultInterval))
	}
	// Answer the even probes only, 5 ms each way.
	for i := 0; i < 10; i += 2 {
		g.reply(i, t0.Add(time.Duration(i)*DefaultInterval), 5*time.Millisecond, 0, 5*time.Millisecond)
	}
	now := t0.Add(900*time.Millisecond + DefaultTimeout)
	g.s.Tick(now) // the odd ones time out (and probe 10 leaves)
	m := g.s.Metrics(now)
	if m.Probes != 10 || m.Replies != 5 || m.LossPct != 50 {
		t.Fatalf("metrics %+v", m)
	}
	// A reply to a lost probe is late and does not revive it.
	g.reply(1, t0.Add(DefaultInterval), time.Second, 0, time.Second)
	c := g.s.Counters()
	if c.Lost != 5 || c.Late != 1 || c.Replies != 5 || c.Sent != 11 {
		t.Fatalf("counters %+v", c)
	}
	if m := g.s.Metrics(now); m.Replies != 5 {
		t.Fatalf("late reply counted: %+v", m)
	}
}

func TestSenderRecentLoss(t *testing.T) {
	g := newRig(t, Config{LossWindow: time.Second, Timeout: 500 * time.Millisecond})
	now := t0
	// 3 s of clean probes, then 1 s of loss.
	for i := range 40 {
		now = t0.Add(time.Duration(i) * DefaultInterval)
		g.s.Tick(now)
		if i < 30 {
			g.reply(i, now, time.Millisecond, 0, time.Millisecond)
		}
	}
	now = now.Add(500 * time.Millisecond)
	g.s.Tick(now)
	m := g.s.Metrics(now)
	// Window: 40 resolved, 10 lost. Recent (sent in the last second, i.e.
	// from 3.4 s on): probes 34–39, all lost.
	if m.Probes != 40 || m.LossPct != 25 || m.RecentProbes != 6 || m.RecentLossPct != 100 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestSenderDuplicatesReorderStale(t *testing.T) {
	g := newRig(t, Config{})
	for i := range 3 {
		g.s.Tick(t0.Add(time.Duration(i) * DefaultInterval))
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * DefaultInterval) }
	g.reply(2, at(2), time.Millisecond, 0, time.Millisecond)
	g.reply(0, at(0), 250*time.Millisecond, 0, time.Millisecond) // overtaken by 2
	g.reply(0, at(0), 250*time.Millisecond, 0, time.Millisecond) // and duplicated
	// A reply of another session.
	out := make([]byte, Len)
	g.r.Reflect(out, g.sent[1], at(1), at(1))
	out[4] ^= 0xff
	g.s.Receive(out, at(2))
	// A reply whose echoed timestamp was forged.
	g.r.Reflect(out, g.sent[1], at(1), at(1))
	out[23] ^= 1
	g.s.Receive(out, at(2))
	c := g.s.Counters()
	if c.Replies != 2 || c.Reordered != 1 || c.Duplicates != 1 || c.Stale != 2 {
		t.Fatalf("counters %+v", c)
	}
}

func TestSenderReceiveErrors(t *testing.T) {
	g := newRig(t, Config{})
	g.s.Tick(t0)
	if err := g.s.Receive(g.sent[0], t0); err != ErrNotReply { // a request
		t.Fatalf("request: %v", err)
	}
	if err := g.s.Receive([]byte{1, 2}, t0); err != ErrShort {
		t.Fatalf("short: %v", err)
	}
	c := g.s.Counters()
	if c.Errors[ErrNotReply] != 1 || c.Errors[ErrShort] != 1 {
		t.Fatalf("counters %+v", c.Errors)
	}
	var r Reflector
	out := make([]byte, Len)
	if _, err := r.Reflect(out, out, t0, t0); err != ErrVersion {
		t.Fatalf("zeros: %v", err)
	}
	n, _ := r.Reflect(out, g.sent[0], t0, t0)
	if _, err := r.Reflect(out, out[:n], t0, t0); err != ErrNotRequest {
		t.Fatalf("reflecting a reply: %v", err)
	}
	if _, err := r.Reflect(out[:10], g.sent[0], t0, t0); err != ErrBuffer {
		t.Fatalf("short out: %v", err)
	}
	rc := r.Counters()
	if rc.Replies != 1 || rc.Errors[ErrVersion] != 1 || rc.Errors[ErrNotRequest] != 1 || rc.Errors[ErrBuffer] != 1 {
		t.Fatalf("reflector counters %+v", rc)
	}
}

func TestReflectInPlaceAndClockStep(t *testing.T) {
	var r Reflector
	req := make([]byte, Len)
	Encode(req, &Packet{Kind: KindRequest, Session: 1, Seq: 2, SenderTS: 3})
	// tx before rx (the reflector's clock stepped back): no residence claimed.
	n, err := r.Reflect(req, req, t0.Add(time.Second), t0)
	var p Packet
	if err != nil || Decode(req[:n], &p) != nil || p.SendTS != p.RecvTS || p.Seq != 2 || p.SenderTS != 3 {
		t.Fatalf("in place: %+v, %v", p, err)
	}
}

func TestSenderSendError(t *testing.T) {
	g := newRig(t, Config{})
	g.sendErr = errors.New("queue full")
	g.s.Tick(t0)
	g.s.Tick(t0.Add(2 * DefaultTimeout))
	c := g.s.Counters()
	if c.SendErrors != 2 || c.Sent != 0 || c.Lost != 0 {
		t.Fatalf("counters %+v", c)
	}
	if m := g.s.Metrics(t0.Add(2 * DefaultTimeout)); m.Probes != 0 {
		t.Fatalf("a probe never sent counted as lost: %+v", m)
	}
}

func TestSenderJitter(t *testing.T) {
	g := newRig(t, Config{})
	g.offset = -time.Hour
	// Forward transits 10, 20, 10, 20 ms…: |D| = 10 ms every time. The
	// return leg varies too but does not count: forward jitter only.
	var want float64
	for i := range 50 {
		sent := t0.Add(time.Duration(i) * DefaultInterval)
		g.s.Tick(sent)
		fwd := 10 * time.Millisecond
		if i%2 == 1 {
			fwd = 20 * time.Millisecond
		}
		back := time.Duration(i%3) * time.Millisecond
		g.reply(i, sent, fwd, time.Millisecond, back+10*time.Millisecond)
		if i > 0 {
			want += (float64(10*time.Millisecond) - want) / 16
		}
	}
	m := g.s.Metrics(t0.Add(5 * time.Second))
	if math.Abs(float64(m.Jitter)-want) > 1 {
		t.Fatalf("jitter %v, want %v", m.Jitter, time.Duration(want))
	}
	if m.Jitter < 9*time.Millisecond {
		t.Fatalf("jitter %v has not converged towards 10ms", m.Jitter)
	}
	// The reflector's clock steps by a minute: that sample is skipped.
	g.offset += time.Minute
	sent := t0.Add(50 * DefaultInterval)
	g.s.Tick(sent)
	g.reply(50, sent, 10*time.Millisecond, 0, 10*time.Millisecond)
	m2 := g.s.Metrics(sent)
	if g.s.Counters().ClockSteps != 1 || m2.Jitter != m.Jitter {
		t.Fatalf("clock step: %d steps, jitter %v → %v", g.s.Counters().ClockSteps, m.Jitter, m2.Jitter)
	}
}

func TestWindowStatistics(t *testing.T) {
	g := newRig(t, Config{Window: 10, LossWindow: time.Second})
	// 20 probes with RTTs 1…20 ms: the window keeps 11…20.
	for i := range 20 {
		sent := t0.Add(time.Duration(i) * DefaultInterval)
		g.s.Tick(sent)
		g.reply(i, sent, time.Duration(i+1)*time.Millisecond, 0, 0)
	}
	m := g.s.Metrics(t0.Add(2 * time.Second))
	ms := time.Millisecond
	if m.Probes != 10 || m.RTTMin != 11*ms || m.RTTMax != 20*ms || m.RTTAvg != 15500*time.Microsecond || m.RTTPct != 20*ms {
		t.Fatalf("metrics %+v", m)
	}
	for _, tc := range []struct{ n, pct, want int }{
		{10, 95, 9}, {10, 50, 4}, {10, 100, 9}, {10, 1, 0}, {1, 95, 0}, {100, 95, 94}, {3, 50, 1},
	} {
		if got := nearestRank(tc.n, tc.pct); got != tc.want {
			t.Errorf("nearestRank(%d, %d) = %d, want %d", tc.n, tc.pct, got, tc.want)
		}
	}
}

func TestSenderTableWraps(t *testing.T) {
	// 2 slots, timeout of one interval: Tick running late finds the slot
	// still waiting and declares that probe lost before reusing it.
	g := newRig(t, Config{MaxOutstanding: 2, Timeout: DefaultInterval})
	g.s.Tick(t0)
	g.s.Tick(t0.Add(DefaultInterval)) // probe 0 expires here
	g.s.Tick(t0.Add(2 * DefaultInterval))
	if c := g.s.Counters(); c.Lost != 2 || c.Sent != 3 {
		t.Fatalf("counters %+v", c)
	}
	// A reply to probe 0, whose slot now holds probe 2, is stale.
	g.reply(0, t0, time.Millisecond, 0, time.Millisecond)
	if c := g.s.Counters(); c.Stale != 1 || c.Replies != 0 {
		t.Fatalf("counters %+v", c)
	}
}

func TestSenderDoesNotAllocate(t *testing.T) {
	var out [Len]byte
	var r Reflector
	var s *Sender
	s, _ = NewSender(Config{}, 1, func(b []byte) error {
		n, _ := r.Reflect(out[:], b, t0, t0)
		return s.Receive(out[:n], t0)
	})
	now := t0
	allocs := testing.AllocsPerRun(1000, func() {
		now = now.Add(DefaultInterval)
		s.Tick(now)
		s.Metrics(now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Tick, Receive and Metrics", allocs)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Interval: time.Microsecond}, "interval: "},
		{Config{Timeout: time.Millisecond}, "timeout: "},
		{Config{Window: -1}, "window: "},
		{Config{Window: 10}, "loss_window: "}, // 10 × 100 ms < 5 s
		{Config{Percentile: 101}, "percentile: "},
		{Config{MaxOutstanding: 5}, "max_outstanding: "},
	} {
		_, err := NewSender(tc.cfg, 0, func([]byte) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q…", tc.cfg, err, tc.want)
		}
	}
	if _, err := NewSender(Config{}, 0, nil); err == nil || err.Error() != "send: required" {
		t.Errorf("nil send: %v", err)
	}
	c, err := Config{}.Validate()
	want := Config{DefaultInterval, DefaultTimeout, DefaultWindow, DefaultLossWindow, DefaultPercentile, DefaultMaxOutstanding}
	if err != nil || c != want {
		t.Fatalf("defaults %+v, %v", c, err)
	}
}

// BenchmarkSenderRound is one probe: Tick sends it, the reflector
// answers, Receive matches it.
func BenchmarkSenderRound(b *testing.B) {
	s, now := benchSender()
	b.ReportAllocs()
	for b.Loop() {
		*now = now.Add(DefaultInterval)
		s.Tick(*now)
	}
}

// BenchmarkMetrics is the statistics of a full default window.
func BenchmarkMetrics(b *testing.B) {
	s, now := benchSender()
	for range DefaultWindow {
		*now = now.Add(DefaultInterval)
		s.Tick(*now)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Metrics(*now)
	}
}

func benchSender() (*Sender, *time.Time) {
	var out [Len]byte
	var r Reflector
	var s *Sender
	now := t0
	s, _ = NewSender(Config{}, 1, func(p []byte) error {
		n, _ := r.Reflect(out[:], p, now, now)
		return s.Receive(out[:n], now.Add(time.Duration(p[11])*time.Microsecond))
	})
	return s, &now
}

// TestSenderBoundsResidence: a reply claiming the reflector held the probe
// longer than the whole round trip cannot make the path look faster: its
// RTT is taken whole and the reply is counted.
func TestSenderBoundsResidence(t *testing.T) {
	g := newRig(t, Config{})
	g.s.Tick(t0)
	out := make([]byte, Len)
	rx := t0.Add(10 * time.Millisecond)
	if _, err := g.r.Reflect(out, g.sent[0], rx, rx.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := g.s.Receive(out, t0.Add(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	m := g.s.Metrics(t0.Add(20 * time.Millisecond))
	if m.RTTAvg != 20*time.Millisecond || g.s.Counters().BadResidence != 1 {
		t.Fatalf("RTT %v, BadResidence %d; want the whole 20ms and 1", m.RTTAvg, g.s.Counters().BadResidence)
	}
}

// TestSenderSetInterval: a slower interval spaces the probes out from the
// next one on; a faster one makes the next probe due at once (no later
// than now plus the new interval); an interval the other settings do not
// allow is refused, naming the field, and changes nothing.
func TestSenderSetInterval(t *testing.T) {
	g := newRig(t, Config{})
	tick := func(from, to time.Duration) { // every 10 ms
		for d := from; d < to; d += 10 * time.Millisecond {
			g.s.Tick(t0.Add(d))
		}
	}
	g.s.Tick(t0)
	if err := g.s.SetInterval(time.Second, t0); err != nil {
		t.Fatal(err)
	}
	tick(10*time.Millisecond, 2050*time.Millisecond) // probes at 100 ms, 1.1 s, 2.1 s
	if len(g.sent) != 3 {
		t.Fatalf("%d probes in 2.05 s after slowing down, want 3", len(g.sent))
	}
	if err := g.s.SetInterval(100*time.Millisecond, t0.Add(2050*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	tick(2050*time.Millisecond, 2200*time.Millisecond) // probes at 2.1 s (due at 2.15 at the latest), 2.2 s
	if len(g.sent) != 4 {
		t.Fatalf("%d probes by 2.2 s after speeding up, want 4", len(g.sent))
	}
	err := g.s.SetInterval(10*time.Second, t0) // longer than the 5 s loss window
	if err == nil || !strings.Contains(err.Error(), "loss_window") {
		t.Fatalf("10 s: %v, want a loss_window error", err)
	}
	if got := g.s.Config().Interval; got != 100*time.Millisecond {
		t.Fatalf("interval %v after a refused change", got)
	}
}

package steer

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/quality"
)

// simPath is one path's probing over a simulated network: probes are
// reflected at once and their replies arrive after rtt, unless dropped.
type simPath struct {
	id    string
	s     *probe.Sender
	r     probe.Reflector
	rtt   time.Duration
	drop  func(seq uint32) bool
	now   time.Time
	inbox []reply
}

type reply struct {
	at   time.Time
	body [probe.Len]byte
}

func newSimPath(t *testing.T, id string, rtt time.Duration) *simPath {
	p := &simPath{id: id, rtt: rtt, drop: func(uint32) bool { return false }}
	s, err := probe.NewSender(probe.Config{}, 7, func(b []byte) error {
		var q probe.Packet
		if probe.Decode(b, &q) != nil || p.drop(q.Seq) {
			return nil
		}
		rx := p.now.Add(rtt / 2)
		var r reply
		if _, err := p.r.Reflect(r.body[:], b, rx, rx); err != nil {
			t.Error(err)
		}
		r.at = p.now.Add(rtt)
		p.inbox = append(p.inbox, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p.s = s
	return p
}

// step runs the path's probing up to now and hands its metrics to the
// engine, as the data plane's path loop will.
func (p *simPath) step(t *testing.T, e *Engine, now time.Time) []Event {
	p.now = now
	p.s.Tick(now)
	keep := p.inbox[:0]
	for _, r := range p.inbox {
		if r.at.After(now) {
			keep = append(keep, r)
			continue
		}
		p.s.Receive(r.body[:], r.at)
	}
	p.inbox = keep
	evs, err := e.SetProbe(p.id, quality.FromProbe(p.s.Metrics(now)), now)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestProbesToSteering runs probes, the scoring model and the engine
// together on a simulated clock: 5 % loss on inet moves voice away (not
// bulk) within detection plus damping, and voice returns after the loss
// has left the probe window plus the hold-down.
func TestProbesToSteering(t *testing.T) {
	h := newHarness(t, testConfig())
	paths := []*simPath{newSimPath(t, "inet", 20*ms), newSimPath(t, "lte", 40*ms)}
	h.bfd("inet", packet.StateUp)
	h.bfd("lte", packet.StateUp)
	var moved, back time.Time
	var lossFrom, lossTo time.Time
	run := func(d time.Duration) {
		for end := h.now.Add(d); h.now.Before(end); {
			h.now = h.now.Add(100 * ms)
			var evs []Event
			for _, p := range paths {
				evs = append(evs, p.step(t, h.e, h.now)...)
			}
			evs = append(evs, h.e.Tick(h.now)...)
			h.flows("voice-inet", 4)
			h.flows("bulk", 4)
			for _, ev := range decisions(evs, "voice-inet") {
				if ev.To == "lte" && moved.IsZero() {
					moved = ev.Time
				}
				if ev.To == "inet" && !moved.IsZero() {
					back = ev.Time
				}
			}
			if d := decisions(evs, "bulk"); len(d) > 0 && !lossFrom.IsZero() {
				t.Fatalf("bulk moved: %+v", d)
			}
		}
	}
	run(30 * time.Second)
	if h.path("voice-inet", 1) != "inet" {
		t.Fatal("voice not on inet")
	}
	lossFrom = h.now
	paths[0].drop = func(seq uint32) bool { return seq%20 == 0 } // 5 %
	run(30 * time.Second)
	lossTo = h.now
	paths[0].drop = func(uint32) bool { return false }
	run(time.Minute)
	detect := moved.Sub(lossFrom)
	if moved.IsZero() || detect > 10*time.Second {
		t.Fatalf("voice moved %v after the loss began", detect)
	}
	recover := back.Sub(lossTo)
	// The last loss leaves the 100-probe window 10 s after it, then the
	// hold-down (20 s).
	if back.IsZero() || recover < DefaultHoldDown || recover > DefaultHoldDown+11*time.Second {
		t.Fatalf("voice back %v after the loss ended", recover)
	}
	t.Logf("5%% loss: voice left inet after %v, returned %v after the loss ended", detect, recover)
}

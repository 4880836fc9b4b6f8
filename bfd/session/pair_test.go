package session

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// wire connects two sessions back to back on a fake clock: what one
// encodes, the other decodes and receives. Packets sent at the same
// instant cross on the wire: both sides tick before either receives.
type wire struct {
	t    *testing.T
	clk  *clock
	ends [2]*Session
	cut  bool // drop every packet
	ts   [2][]Transition
	sent [2]int
}

type frame struct {
	to int
	b  []byte
}

func newWire(t *testing.T, a, b *Session, clk *clock) *wire {
	return &wire{t: t, clk: clk, ends: [2]*Session{a, b}}
}

// run advances the clock deadline by deadline until end.
func (w *wire) run(d time.Duration) {
	end := w.clk.now.Add(d)
	for i := 0; ; i++ {
		if i > 1e6 {
			w.t.Fatal("wire: deadlines do not advance")
		}
		next := w.nextDeadline()
		if next.IsZero() || next.After(end) {
			w.clk.set(end)
			return
		}
		if next.After(w.clk.now) {
			w.clk.set(next)
		}
		var q []frame
		for i, s := range w.ends {
			send, r := s.Tick(w.clk.now)
			w.note(i, r)
			if send {
				q = append(q, w.encode(i, false))
			}
		}
		w.deliver(q)
	}
}

func (w *wire) nextDeadline() time.Time {
	var next time.Time
	for _, s := range w.ends {
		if d := s.NextDeadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	return next
}

func (w *wire) note(i int, r Result) {
	if r.Changed {
		w.ts[i] = append(w.ts[i], r.Transition)
	}
}

func (w *wire) encode(from int, final bool) frame {
	b := make([]byte, packet.MaxLen)
	n, err := w.ends[from].Encode(b, final)
	if err != nil {
		w.t.Fatalf("side %d: Encode: %v", from, err)
	}
	w.sent[from]++
	return frame{to: 1 - from, b: b[:n]}
}

// deliver hands each frame to its receiver, and the Finals they ask for to
// the other side, until the wire is empty.
func (w *wire) deliver(q []frame) {
	for len(q) > 0 {
		f := q[0]
		q = q[1:]
		if w.cut {
			continue
		}
		var c packet.Control
		if err := c.Decode(f.b); err != nil {
			w.t.Fatalf("side %d sent an undecodable packet: %v", 1-f.to, err)
		}
		r := w.ends[f.to].Receive(&c, f.b, w.clk.now)
		if r.Drop != DropNone && r.Drop != DropAdminDown {
			w.t.Fatalf("side %d dropped a packet: %v", f.to, r.Drop)
		}
		w.note(f.to, r)
		if r.SendFinal {
			q = append(q, w.encode(f.to, true))
		}
	}
}

// TestPairComesUp wires two sessions that start at the same instant, with
// identical or random jitter, and checks that both reach Up (no Init
// deadlock), finish their Poll Sequences and stay Up at the configured
// rate; then a cut takes both Down by detection.
func TestPairComesUp(t *testing.T) {
	types := append([]packet.AuthType{packet.AuthNone}, authTypes...)
	for _, typ := range types {
		for _, jitter := range []string{"same", "random"} {
			t.Run(typ.String()+"/"+jitter+" jitter", func(t *testing.T) {
				cfg := fastConfig()
				if typ != packet.AuthNone {
					cfg = authConfig(typ)
				}
				ra, rb := fullJitter, fullJitter
				if jitter == "random" {
					ra = rand.New(rand.NewPCG(1, uint64(typ))).Uint32
					rb = rand.New(rand.NewPCG(2, uint64(typ))).Uint32
				}
				clk := newClock()
				w := newWire(t, New(1, cfg, clk.now, ra), New(2, cfg, clk.now, rb), clk)
				w.run(3 * time.Second)
				checkPairUp(t, w, true)
				before := w.sent
				w.run(10 * time.Second)
				for i, s := range w.ends {
					if len(w.ts[i]) != 2 {
						t.Fatalf("side %d flapped: %+v", i, w.ts[i])
					}
					// 10 s at 10 ms, jittered to 75–100 %.
					if n := w.sent[i] - before[i]; n < 1000 || n > 1340 {
						t.Errorf("side %d sent %d packets in 10 s", i, n)
					}
					if s.TxInterval() != 10*time.Millisecond || s.DetectionTime() != 30*time.Millisecond {
						t.Errorf("side %d: tx %v detect %v", i, s.TxInterval(), s.DetectionTime())
					}
				}
				w.cut = true
				w.run(100 * time.Millisecond)
				for i := range w.ends {
					want := Transition{From: up, To: down, Diag: packet.DiagControlDetectionTimeExpired}
					if got := w.ts[i][len(w.ts[i])-1]; got != want {
						t.Errorf("side %d after cut: %+v, want %+v", i, got, want)
					}
				}
			})
		}
	}
}

// checkPairUp checks that both sides are Up with their Poll done, having
// gone Down → Init → Up (or Down → Up, the side that hears Init first, when
// either may).
func checkPairUp(t *testing.T, w *wire, viaInit bool) {
	t.Helper()
	for i, s := range w.ends {
		info := s.Info()
		if info.State != up || info.Polling {
			t.Fatalf("side %d: state %v polling %v, transitions %+v", i, info.State, info.Polling, w.ts[i])
		}
		if info.RemoteDiscr != w.ends[1-i].LocalDiscr() {
			t.Errorf("side %d: RemoteDiscr %d", i, info.RemoteDiscr)
		}
		ts := w.ts[i]
		if viaInit && (len(ts) != 2 || ts[0].To != initSt) || len(ts) == 0 || len(ts) > 2 || ts[len(ts)-1].To != up {
			t.Errorf("side %d: transitions %+v", i, ts)
		}
	}
}

// TestPairPassive checks that an active and a passive session come Up,
// and two passive ones never do.
func TestPairPassive(t *testing.T) {
	active, passive := fastConfig(), fastConfig()
	passive.Passive = true
	clk := newClock()
	w := newWire(t, New(1, passive, clk.now, fullJitter), New(2, active, clk.now, fullJitter), clk)
	w.run(3 * time.Second)
	checkPairUp(t, w, false)

	clk = newClock()
	w = newWire(t, New(1, passive, clk.now, fullJitter), New(2, passive, clk.now, fullJitter), clk)
	w.run(time.Minute)
	if w.sent != [2]int{} {
		t.Errorf("two passive sessions sent %v packets", w.sent)
	}
}

// TestPairReconfigure changes intervals on both sides of a live pair, in
// both directions, and checks that Poll Sequences complete without a flap.
func TestPairReconfigure(t *testing.T) {
	clk := newClock()
	a, b := New(1, fastConfig(), clk.now, fullJitter), New(2, fastConfig(), clk.now, fullJitter)
	w := newWire(t, a, b, clk)
	w.run(3 * time.Second)
	checkPairUp(t, w, false)
	steps := []struct{ tx, rx time.Duration }{
		{100 * time.Millisecond, 100 * time.Millisecond},
		{5 * time.Millisecond, 5 * time.Millisecond},
		{300 * time.Millisecond, 20 * time.Millisecond},
		{20 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, st := range steps {
		cfg := fastConfig()
		cfg.DesiredMinTx, cfg.RequiredMinRx = st.tx, st.rx
		a.SetConfig(cfg, clk.now)
		w.run(time.Millisecond)
		b.SetConfig(cfg, clk.now) // b starts its Poll while a's runs
		w.run(5 * time.Second)
		for i, s := range w.ends {
			if s.State() != up || s.Info().Polling || s.TxInterval() != max(st.tx, st.rx) {
				t.Errorf("after %+v: side %d %v polling %v tx %v", st, i, s.State(), s.Info().Polling, s.TxInterval())
			}
			if len(w.ts[i]) != 2 {
				t.Fatalf("after %+v: side %d flapped: %+v", st, i, w.ts[i])
			}
		}
	}
}

// TestPairAdminDown checks that one side's AdminDown takes the other
// Down with diag 3 and that Enable brings both back Up.
func TestPairAdminDown(t *testing.T) {
	clk := newClock()
	a, b := New(1, fastConfig(), clk.now, fullJitter), New(2, fastConfig(), clk.now, fullJitter)
	w := newWire(t, a, b, clk)
	w.run(3 * time.Second)
	checkPairUp(t, w, false)
	a.AdminDown(packet.DiagAdministrativelyDown, clk.now)
	w.deliver([]frame{w.encode(0, false)})
	want := Transition{From: up, To: down, Diag: packet.DiagNeighborSignaledSessionDown}
	if got := w.ts[1][len(w.ts[1])-1]; got != want {
		t.Fatalf("peer: %+v, want %+v", got, want)
	}
	w.run(5 * time.Second)
	if b.State() != down {
		t.Errorf("peer of an AdminDown session: %v", b.State())
	}
	a.Enable(clk.now)
	w.run(5 * time.Second)
	if a.State() != up || b.State() != up {
		t.Errorf("after Enable: %v %v", a.State(), b.State())
	}
}

package session

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// final is a packet from the Up peer with the Final bit, advertising 10 ms.
func final() packet.Control {
	c := peerPkt(up)
	c.Final = true
	return c
}

// TestPollOnUp checks §6.8.3: leaving the slow rate on going Up is a change
// of bfd.DesiredMinTxInterval, so a Poll Sequence carries the configured
// intervals, with P set in every packet until a Final arrives.
func TestPollOnUp(t *testing.T) {
	s, clk := newIn(t, up, fastConfig())
	info := s.Info()
	if !info.Polling || info.AdvertisedTx != 10*time.Millisecond || info.AdvertisedRx != 10*time.Millisecond {
		t.Fatalf("after going Up: %+v", info)
	}
	for i := range 5 {
		p := encode(t, s, false)
		if !p.Poll || p.Final || p.DesiredMinTxInterval != 10000 {
			t.Fatalf("packet %d: P=%v F=%v tx=%dµs, want P with 10000", i, p.Poll, p.Final, p.DesiredMinTxInterval)
		}
		// Packets without F do not end the Poll Sequence.
		if r := recv(t, s, up, clk.advance(time.Millisecond)); r.PollDone {
			t.Fatal("PollDone without F")
		}
	}
	r := deliver(t, s, final(), nil, clk.now)
	if !r.PollDone || s.Info().Polling {
		t.Fatalf("Final did not end the Poll: %+v, polling %v", r, s.Info().Polling)
	}
	if p := encode(t, s, false); p.Poll || p.Final {
		t.Errorf("after the Final: P=%v F=%v", p.Poll, p.Final)
	}
	if r := deliver(t, s, final(), nil, clk.now); r.PollDone {
		t.Error("a second Final completed a Poll that is not running")
	}
}

// TestNoPollWhenSlowConfig checks that no Poll starts on going Up when the
// configured intervals are already the advertised ones.
func TestNoPollWhenSlowConfig(t *testing.T) {
	cfg := fastConfig()
	cfg.DesiredMinTx = 2 * time.Second
	s, _ := newIn(t, up, cfg)
	if s.Info().Polling {
		t.Error("Poll started without a change of interval")
	}
	if p := encode(t, s, false); p.Poll {
		t.Error("P set")
	}
}

// TestPollIntervals checks which side of a change applies before the Final
// (§6.8.3): a faster transmit rate and a longer detection at once; a slower
// transmit rate and a shorter detection only after the Final.
func TestPollIntervals(t *testing.T) {
	base := Config{DesiredMinTx: 50 * time.Millisecond, RequiredMinRx: 50 * time.Millisecond, DetectMult: 3}
	tests := []struct {
		name         string
		tx, rx       time.Duration
		txDuring     time.Duration // TxInterval while polling
		detectDuring time.Duration // DetectionTime while polling
		txAfter      time.Duration
		detectAfter  time.Duration
	}{
		{"decrease tx", 20 * time.Millisecond, 50 * time.Millisecond,
			20 * time.Millisecond, 150 * time.Millisecond, 20 * time.Millisecond, 150 * time.Millisecond},
		{"increase tx", 200 * time.Millisecond, 50 * time.Millisecond,
			50 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 150 * time.Millisecond},
		{"decrease rx", 50 * time.Millisecond, 20 * time.Millisecond,
			50 * time.Millisecond, 150 * time.Millisecond, 50 * time.Millisecond, 60 * time.Millisecond},
		{"increase rx", 50 * time.Millisecond, 200 * time.Millisecond,
			50 * time.Millisecond, 600 * time.Millisecond, 50 * time.Millisecond, 600 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := newUp(t, base)
			// The peer allows 1 ms and sends every 10 ms: our intervals rule.
			peer := peerPkt(up)
			peer.RequiredMinRxInterval = 1000
			deliver(t, s, peer, nil, clk.now)
			cfg := base
			cfg.DesiredMinTx, cfg.RequiredMinRx = tt.tx, tt.rx
			s.SetConfig(cfg, clk.advance(time.Millisecond))
			p := encode(t, s, false)
			if !p.Poll || p.DesiredMinTxInterval != toUsec(tt.tx) || p.RequiredMinRxInterval != toUsec(tt.rx) {
				t.Errorf("packet during Poll: P=%v tx=%d rx=%d", p.Poll, p.DesiredMinTxInterval, p.RequiredMinRxInterval)
			}
			if s.TxInterval() != tt.txDuring || s.DetectionTime() != tt.detectDuring {
				t.Errorf("during Poll: tx %v detect %v, want %v %v",
					s.TxInterval(), s.DetectionTime(), tt.txDuring, tt.detectDuring)
			}
			f := final()
			f.RequiredMinRxInterval = 1000
			if r := deliver(t, s, f, nil, clk.now); !r.PollDone {
				t.Fatal("Final did not complete the Poll")
			}
			if s.TxInterval() != tt.txAfter || s.DetectionTime() != tt.detectAfter {
				t.Errorf("after Final: tx %v detect %v, want %v %v",
					s.TxInterval(), s.DetectionTime(), tt.txAfter, tt.detectAfter)
			}
		})
	}
}

// TestFasterRateAtOnce checks that a faster transmit interval is used by
// the next transmission, not after an old, longer interval.
func TestFasterRateAtOnce(t *testing.T) {
	base := Config{DesiredMinTx: 500 * time.Millisecond, RequiredMinRx: 10 * time.Millisecond, DetectMult: 3}
	s, clk := newUp(t, base)
	peer := peerPkt(up)
	peer.RequiredMinRxInterval, peer.DesiredMinTxInterval = 1000, 1000000
	deliver(t, s, peer, nil, clk.now)
	sends, _ := tickUntil(s, clk, clk.now.Add(time.Second))
	last := sends[len(sends)-1]
	cfg := base
	cfg.DesiredMinTx = 10 * time.Millisecond
	s.SetConfig(cfg, clk.now)
	if d := s.NextDeadline(); d.After(last.Add(10 * time.Millisecond)) {
		t.Errorf("next packet %v after the last one, want ≤ 10ms", d.Sub(last))
	}
}

// TestPollQueued checks that a change during a Poll Sequence is advertised
// by a second Poll once the first completes (§6.8.3: "MUST NOT initiate a
// new Poll Sequence while one is in progress").
func TestPollQueued(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	a, b := fastConfig(), fastConfig()
	a.DesiredMinTx = 20 * time.Millisecond
	b.DesiredMinTx = 30 * time.Millisecond
	s.SetConfig(a, clk.now)
	s.SetConfig(b, clk.now)
	if p := encode(t, s, false); !p.Poll || p.DesiredMinTxInterval != 20000 {
		t.Fatalf("first Poll: P=%v tx=%d, want the first change", p.Poll, p.DesiredMinTxInterval)
	}
	if r := deliver(t, s, final(), nil, clk.now); !r.PollDone {
		t.Fatal("first Final ignored")
	}
	if p := encode(t, s, false); !p.Poll || p.DesiredMinTxInterval != 30000 {
		t.Fatalf("second Poll: P=%v tx=%d, want the queued change", p.Poll, p.DesiredMinTxInterval)
	}
	if s.TxInterval() != 20*time.Millisecond {
		t.Errorf("TxInterval = %v between the Polls, want the first change", s.TxInterval())
	}
	if r := deliver(t, s, final(), nil, clk.now); !r.PollDone || s.Info().Polling {
		t.Fatal("second Final did not end polling")
	}
	if s.TxInterval() != 30*time.Millisecond {
		t.Errorf("TxInterval = %v, want 30ms", s.TxInterval())
	}
}

// TestSetConfigIdempotent checks that an identical configuration starts no
// Poll.
func TestSetConfigIdempotent(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	s.SetConfig(fastConfig(), clk.now)
	if s.Info().Polling {
		t.Error("identical config started a Poll")
	}
	// A change of multiplier alone needs no Poll either.
	cfg := fastConfig()
	cfg.DetectMult = 5
	s.SetConfig(cfg, clk.now)
	if s.Info().Polling {
		t.Error("multiplier change started a Poll")
	}
	if p := encode(t, s, false); p.DetectMult != 5 {
		t.Errorf("Detect Mult = %d, want 5", p.DetectMult)
	}
}

// TestSetConfigNotUp checks that outside Up a change applies at once
// without a Poll, the slow rate still applying.
func TestSetConfigNotUp(t *testing.T) {
	s, clk := newIn(t, down, fastConfig())
	cfg := fastConfig()
	cfg.RequiredMinRx = 70 * time.Millisecond
	s.SetConfig(cfg, clk.now)
	p := encode(t, s, false)
	if p.Poll || p.RequiredMinRxInterval != 70000 || p.DesiredMinTxInterval != 1000000 {
		t.Errorf("P=%v rx=%d tx=%d", p.Poll, p.RequiredMinRxInterval, p.DesiredMinTxInterval)
	}
}

// TestAnswerPoll checks §6.8.6 and §6.8.7: a received P is answered at once
// with F, and no packet ever has both P and F (§6.5), even while a Poll of
// ours runs.
func TestAnswerPoll(t *testing.T) {
	for _, st := range []packet.State{down, initSt, up} {
		t.Run(st.String(), func(t *testing.T) {
			s, clk := newIn(t, st, fastConfig())
			c := peerPkt(up)
			if st == down {
				c = peerPkt(adminDown) // leaves Down unchanged
			}
			c.Poll = true
			r := deliver(t, s, c, nil, clk.now)
			if !r.SendFinal {
				t.Fatalf("Receive(P) = %+v, want SendFinal", r)
			}
			if p := encode(t, s, true); !p.Final || p.Poll {
				t.Errorf("answer: P=%v F=%v", p.Poll, p.Final)
			}
			c.Poll = false
			if r := deliver(t, s, c, nil, clk.now); r.SendFinal {
				t.Error("SendFinal without P")
			}
		})
	}
	s, _ := newIn(t, up, fastConfig())
	if !s.Info().Polling {
		t.Fatal("setup: not polling")
	}
	for _, fin := range []bool{false, true} {
		p := encode(t, s, fin)
		if p.Poll && p.Final || p.Final != fin {
			t.Errorf("Encode(final=%v) while polling: P=%v F=%v", fin, p.Poll, p.Final)
		}
	}
}

// TestPassive checks §6.1 and §6.8.7: a passive session sends nothing
// until it has heard from the peer, and stops again when it forgets it.
func TestPassive(t *testing.T) {
	cfg := fastConfig()
	cfg.Passive = true
	clk := newClock()
	s := New(localDisc, cfg, clk.now, fullJitter)
	if d := s.NextDeadline(); !d.IsZero() {
		t.Errorf("NextDeadline = %v, want none", d)
	}
	if sends, _ := tickUntil(s, clk, clk.now.Add(time.Minute)); len(sends) != 0 {
		t.Fatalf("passive session sent %d packets unprompted", len(sends))
	}
	recv(t, s, down, clk.now)
	if d := s.NextDeadline(); d.After(clk.now) {
		t.Errorf("first packet after hearing the peer due in %v, want now", d.Sub(clk.now))
	}
	if send, _ := s.Tick(clk.now); !send {
		t.Fatal("no packet after hearing the peer")
	}
	if p := encode(t, s, false); p.YourDiscriminator != peerDisc || p.State != initSt {
		t.Errorf("packet: your %#x state %v", p.YourDiscriminator, p.State)
	}
	// The peer goes silent: Init times out, RemoteDiscr is reset, and
	// the passive session is quiet again.
	sends, ts := tickUntil(s, clk, clk.now.Add(time.Minute))
	if len(ts) != 1 || ts[0].To != down {
		t.Fatalf("transitions %+v", ts)
	}
	for _, at := range sends {
		if at.After(s.Info().LastReceived.Add(s.DetectionTime())) {
			t.Fatalf("passive session sent %v after the peer went silent", at.Sub(s.Info().LastReceived))
		}
	}
	// Switching to active starts transmitting at once.
	cfg.Passive = false
	s.SetConfig(cfg, clk.now)
	if send, _ := s.Tick(clk.now); !send {
		t.Error("no packet on leaving the passive role")
	}
}

// TestRemoteDemand checks §6.8.7: with Demand mode active on the remote
// system (its D bit, both sessions Up) periodic transmission stops, except
// while a Poll Sequence of ours runs; it resumes when D clears.
func TestRemoteDemand(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	c := peerPkt(up)
	c.Demand = true
	c.DesiredMinTxInterval = 1000000 // the peer sends rarely: detection 3 s
	deliver(t, s, c, nil, clk.now)
	sends, ts := tickUntil(s, clk, clk.now.Add(time.Second))
	if len(sends) != 0 || len(ts) != 0 {
		t.Fatalf("remote Demand: %d sends, transitions %+v", len(sends), ts)
	}
	cfg := fastConfig()
	cfg.DesiredMinTx = 20 * time.Millisecond
	s.SetConfig(cfg, clk.now)
	sends, _ = tickUntil(s, clk, clk.now.Add(100*time.Millisecond))
	if len(sends) < 4 {
		t.Errorf("%d Poll packets in 100 ms in remote Demand mode", len(sends))
	}
	f := c
	f.Final = true
	deliver(t, s, f, nil, clk.now)
	if sends, _ = tickUntil(s, clk, clk.now.Add(time.Second)); len(sends) != 0 {
		t.Errorf("%d packets after the Poll in remote Demand mode", len(sends))
	}
	// A Poll from the demand-mode peer is still answered.
	p := c
	p.Poll = true
	if r := deliver(t, s, p, nil, clk.now); !r.SendFinal {
		t.Error("Poll not answered in remote Demand mode")
	}
	c.Demand = false
	deliver(t, s, c, nil, clk.now)
	if sends, _ = tickUntil(s, clk, clk.now.Add(100*time.Millisecond)); len(sends) < 5 {
		t.Errorf("%d packets in 100 ms at 20 ms after D cleared", len(sends))
	}
}

// TestDemandNotUp checks that remote Demand mode stops nothing before both
// sessions are Up.
func TestDemandNotUp(t *testing.T) {
	s, clk := newIn(t, initSt, fastConfig())
	c := peerPkt(down)
	c.Demand = true
	deliver(t, s, c, nil, clk.now)
	if send, _ := s.Tick(clk.now); !send {
		t.Error("no packet in Init with a Demand-mode peer")
	}
}

// TestFasterRxPollAtOnce: a system that lowers its Required Min RX
// Interval while Up sends its Poll at once, not after the (slow)
// interval its peer asked for; a slower Required Min RX waits for the
// next packet as usual.
func TestFasterRxPollAtOnce(t *testing.T) {
	base := Config{DesiredMinTx: 10 * time.Millisecond, RequiredMinRx: time.Second, DetectMult: 3}
	s, clk := newUp(t, base)
	peer := peerPkt(up)
	peer.RequiredMinRxInterval = 1000000 // the peer asks for a packet a second
	deliver(t, s, peer, nil, clk.now)
	if sends, _ := tickUntil(s, clk, clk.now.Add(1500*time.Millisecond)); len(sends) == 0 {
		t.Fatal("no packet in 1.5 s")
	}
	deliver(t, s, peer, nil, clk.now)
	fast := base
	fast.RequiredMinRx = 10 * time.Millisecond
	s.SetConfig(fast, clk.now)
	if d := s.NextDeadline(); d.After(clk.now) {
		t.Fatalf("Poll for a faster rx due %v from now, want now", d.Sub(clk.now))
	}
	if send, _ := s.Tick(clk.now); !send {
		t.Fatal("no packet due")
	}
	if p := encode(t, s, false); !p.Poll || p.RequiredMinRxInterval != 10000 {
		t.Fatalf("packet P=%v rx=%dµs, want a Poll with 10000", p.Poll, p.RequiredMinRxInterval)
	}
	deliver(t, s, final(), nil, clk.now)
	if s.Info().Polling {
		t.Fatal("the Final did not end the Poll")
	}
	deliver(t, s, peer, nil, clk.now)
	s.SetConfig(base, clk.now) // back to slow: the next packet carries the Poll
	if d := s.NextDeadline(); !d.After(clk.now) || !s.Info().Polling {
		t.Fatalf("Poll for a slower rx due now (polling %v), want at the next interval", s.Info().Polling)
	}
}

// TestFasterRxBehindPoll: a faster Required Min RX Interval set while a
// Poll Sequence is in flight (here one for a slower transmit interval,
// which waits for the next periodic packet at the peer's slow rate) does
// not wait for that packet: the Poll in flight goes out at once, and its
// Final starts the Poll for the faster interval at once too.
func TestFasterRxBehindPoll(t *testing.T) {
	base := Config{DesiredMinTx: 10 * time.Millisecond, RequiredMinRx: time.Second, DetectMult: 3}
	s, clk := newUp(t, base)
	peer := peerPkt(up)
	peer.RequiredMinRxInterval = 1000000 // the peer asks for a packet a second
	deliver(t, s, peer, nil, clk.now)
	if sends, _ := tickUntil(s, clk, clk.now.Add(1500*time.Millisecond)); len(sends) == 0 {
		t.Fatal("no packet in 1.5 s")
	}
	deliver(t, s, peer, nil, clk.now)
	slowTx := base
	slowTx.DesiredMinTx = 20 * time.Millisecond
	s.SetConfig(slowTx, clk.now)
	if !s.Info().Polling || !s.NextDeadline().After(clk.now) {
		t.Fatal("setup: want a Poll waiting for the next periodic packet")
	}
	fast := slowTx
	fast.RequiredMinRx = 10 * time.Millisecond
	s.SetConfig(fast, clk.now)
	if d := s.NextDeadline(); d.After(clk.now) {
		t.Fatalf("Poll in flight due %v from now, want now", d.Sub(clk.now))
	}
	if send, _ := s.Tick(clk.now); !send {
		t.Fatal("no packet due")
	}
	if p := encode(t, s, false); !p.Poll || p.RequiredMinRxInterval != 1000000 {
		t.Fatalf("packet P=%v rx=%dµs, want the Poll in flight (1000000)", p.Poll, p.RequiredMinRxInterval)
	}
	deliver(t, s, final(), nil, clk.now)
	if d := s.NextDeadline(); d.After(clk.now) || !s.Info().Polling {
		t.Fatalf("next Poll due %v from now (polling %v), want now", d.Sub(clk.now), s.Info().Polling)
	}
	if send, _ := s.Tick(clk.now); !send {
		t.Fatal("no packet due")
	}
	if p := encode(t, s, false); !p.Poll || p.RequiredMinRxInterval != 10000 {
		t.Fatalf("packet P=%v rx=%dµs, want a Poll with 10000", p.Poll, p.RequiredMinRxInterval)
	}
	s.SetConfig(fast, clk.now) // the same again: nothing out of turn
	if d := s.NextDeadline(); !d.After(clk.now) {
		t.Fatal("an unchanged configuration sent a packet out of turn")
	}
}

package session

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// TestSlowRate checks §6.8.3: while not Up, the advertised Desired Min TX
// Interval is at least one second and packets go at that rate; a configured
// value above one second is kept.
func TestSlowRate(t *testing.T) {
	tests := []struct {
		name     string
		tx       time.Duration
		wantAdv  uint32 // µs
		wantIntv time.Duration
	}{
		{"fast config", 10 * time.Millisecond, 1000000, time.Second},
		{"exactly 1s", time.Second, 1000000, time.Second},
		{"slower than 1s", 2 * time.Second, 2000000, 2 * time.Second},
	}
	for _, tt := range tests {
		for _, st := range []packet.State{down, initSt, adminDown} {
			t.Run(tt.name+"/"+st.String(), func(t *testing.T) {
				cfg := fastConfig()
				cfg.DesiredMinTx = tt.tx
				s, clk := newIn(t, st, cfg)
				p := encode(t, s, false)
				if p.DesiredMinTxInterval != tt.wantAdv {
					t.Errorf("advertised Desired Min TX = %dµs, want %d", p.DesiredMinTxInterval, tt.wantAdv)
				}
				if p.RequiredMinRxInterval != 10000 {
					t.Errorf("advertised Required Min RX = %dµs, want the configured 10000", p.RequiredMinRxInterval)
				}
				if s.TxInterval() != tt.wantIntv {
					t.Errorf("TxInterval = %v, want %v", s.TxInterval(), tt.wantIntv)
				}
				// The Detection Time would expire Init; feed packets
				// from a peer that is Init too (Init+Down keeps Init).
				end := clk.now.Add(20 * tt.wantIntv)
				var sends []time.Time
				for clk.now.Before(end) {
					ss, _ := tickUntil(s, clk, clk.now.Add(20*time.Millisecond))
					sends = append(sends, ss...)
					if st == initSt {
						recv(t, s, down, clk.now)
					}
				}
				for i := 1; i < len(sends); i++ {
					if gap := sends[i].Sub(sends[i-1]); gap < tt.wantIntv*3/4 || gap > tt.wantIntv {
						t.Fatalf("gap %d = %v, want within [75%%, 100%%] of %v", i, gap, tt.wantIntv)
					}
				}
				if len(sends) < 19 {
					t.Errorf("%d packets in 20 intervals", len(sends))
				}
			})
		}
	}
}

// TestFirstPacketAtOnce checks that a new session transmits immediately.
func TestFirstPacketAtOnce(t *testing.T) {
	clk := newClock()
	s := New(localDisc, fastConfig(), clk.now, fullJitter)
	if d := s.NextDeadline(); !d.Equal(clk.now) {
		t.Fatalf("NextDeadline = %v, want now", d)
	}
	if send, _ := s.Tick(clk.now); !send {
		t.Fatal("Tick at creation does not send")
	}
	if d := s.NextDeadline(); !d.Equal(clk.now.Add(time.Second)) {
		t.Errorf("second packet at +%v, want +1s", d.Sub(clk.now))
	}
	if send, _ := s.Tick(clk.advance(time.Second - 1)); send {
		t.Error("Tick before the interval sends")
	}
}

// TestTxInterval checks §6.8.2 and §6.8.7: the interval is the greater of
// bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval.
func TestTxInterval(t *testing.T) {
	tests := []struct {
		name          string
		desired       time.Duration
		remoteMinRxUs uint32
		want          time.Duration
	}{
		{"remote slower", 10 * time.Millisecond, 50000, 50 * time.Millisecond},
		{"local slower", 80 * time.Millisecond, 5000, 80 * time.Millisecond},
		{"equal", 20 * time.Millisecond, 20000, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.DesiredMinTx = tt.desired
			s, clk := newUp(t, cfg)
			c := peerPkt(up)
			c.RequiredMinRxInterval = tt.remoteMinRxUs
			c.DesiredMinTxInterval = 1000000 // detection 3 s: no expiry below
			deliver(t, s, c, nil, clk.now)
			if s.TxInterval() != tt.want {
				t.Errorf("TxInterval = %v, want %v", s.TxInterval(), tt.want)
			}
			tickUntil(s, clk, clk.now.Add(tt.want)) // past the old schedule
			sends, ts := tickUntil(s, clk, clk.now.Add(20*tt.want))
			if len(ts) != 0 || len(sends) != 20 {
				t.Fatalf("%d sends, transitions %+v", len(sends), ts)
			}
			for i := 1; i < len(sends); i++ {
				// fullJitter makes the interval exactly 100 %.
				if gap := sends[i].Sub(sends[i-1]); gap != tt.want {
					t.Fatalf("gap %v, want %v", gap, tt.want)
				}
			}
		})
	}
}

// TestRemoteMinRxZero checks §6.8.7: no periodic transmission while the
// remote's Required Min RX Interval is zero, but a Poll is still answered.
func TestRemoteMinRxZero(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	c := peerPkt(up)
	c.RequiredMinRxInterval = 0
	deliver(t, s, c, nil, clk.now)
	if s.TxInterval() != 0 {
		t.Errorf("TxInterval = %v, want 0", s.TxInterval())
	}
	var sends []time.Time
	for range 50 {
		ss, _ := tickUntil(s, clk, clk.now.Add(10*time.Millisecond))
		sends = append(sends, ss...)
		deliver(t, s, c, nil, clk.now) // keep the session Up
	}
	if len(sends) != 0 {
		t.Errorf("%d periodic packets with remote Required Min RX 0", len(sends))
	}
	if d, dl := s.NextDeadline(), clk.now.Add(s.DetectionTime()); !d.Equal(dl) {
		t.Errorf("NextDeadline = %v, want the detection deadline %v", d, dl)
	}
	c.Poll = true
	if r := deliver(t, s, c, nil, clk.now); !r.SendFinal {
		t.Error("Poll not answered while Required Min RX is 0")
	}
	c.Poll, c.RequiredMinRxInterval = false, 10000
	deliver(t, s, c, nil, clk.now)
	sends = nil
	for range 10 {
		ss, _ := tickUntil(s, clk, clk.now.Add(10*time.Millisecond))
		sends = append(sends, ss...)
		deliver(t, s, c, nil, clk.now)
	}
	if len(sends) < 10 {
		t.Errorf("%d packets in 100 ms after the remote allowed 10 ms", len(sends))
	}
}

// TestDetectionTime checks §6.8.4: remote Detect Mult × max(local Required
// Min RX, remote Desired Min TX).
func TestDetectionTime(t *testing.T) {
	tests := []struct {
		name      string
		localRx   time.Duration
		remoteTx  uint32 // µs
		remoteMul uint8
		want      time.Duration
	}{
		{"remote tx slower", 10 * time.Millisecond, 50000, 3, 150 * time.Millisecond},
		{"local rx slower", 100 * time.Millisecond, 20000, 3, 300 * time.Millisecond},
		{"remote multiplier, not ours", 10 * time.Millisecond, 10000, 7, 70 * time.Millisecond},
		{"multiplier 1", 10 * time.Millisecond, 10000, 1, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.RequiredMinRx = tt.localRx
			cfg.DetectMult = 2 // never used for our own detection
			s, clk := newUp(t, cfg)
			c := peerPkt(up)
			c.DesiredMinTxInterval, c.DetectMult = tt.remoteTx, tt.remoteMul
			deliver(t, s, c, nil, clk.now)
			if got := s.DetectionTime(); got != tt.want {
				t.Errorf("DetectionTime = %v, want %v", got, tt.want)
			}
			if d := s.NextDeadline(); d.After(clk.now.Add(tt.want)) {
				t.Errorf("NextDeadline %v after the detection deadline", d.Sub(clk.now))
			}
		})
	}
}

// TestNoDetectionBeforeFirstPacket checks that a session that never heard
// from its peer has no detection timer.
func TestNoDetectionBeforeFirstPacket(t *testing.T) {
	clk := newClock()
	s := New(localDisc, fastConfig(), clk.now, fullJitter)
	if s.DetectionTime() != 0 {
		t.Errorf("DetectionTime = %v before any packet", s.DetectionTime())
	}
	if _, ts := tickUntil(s, clk, clk.now.Add(time.Minute)); len(ts) != 0 {
		t.Errorf("transitions without packets: %+v", ts)
	}
}

// TestJitter checks §6.8.7 over many draws of a real random source: each
// interval is 75–100 % of the negotiated one, and at most 90 % when
// bfd.DetectMult is 1. Both ends of the range must be reached.
func TestJitter(t *testing.T) {
	tests := []struct {
		mult   uint8
		lo, hi int // percent
	}{
		{3, 75, 100},
		{2, 75, 100},
		{1, 75, 90},
	}
	for _, tt := range tests {
		t.Run("mult "+string('0'+rune(tt.mult)), func(t *testing.T) {
			cfg := fastConfig()
			cfg.DetectMult = tt.mult
			r := rand.New(rand.NewPCG(1, uint64(tt.mult)))
			clk := newClock()
			s := New(localDisc, cfg, clk.now, r.Uint32)
			const draws = 20000
			const iv = time.Second // slow rate: no peer
			sends, _ := tickUntil(s, clk, clk.now.Add(draws*iv))
			if len(sends) < draws {
				t.Fatalf("%d sends", len(sends))
			}
			minP, maxP := 1000, 0
			for i := 1; i < len(sends); i++ {
				gap := sends[i].Sub(sends[i-1])
				if gap < iv*time.Duration(tt.lo)/100 || gap > iv*time.Duration(tt.hi)/100 {
					t.Fatalf("interval %v outside [%d%%, %d%%]", gap, tt.lo, tt.hi)
				}
				p := int(gap * 100 / iv)
				minP, maxP = min(minP, p), max(maxP, p)
			}
			if minP != tt.lo || maxP != tt.hi {
				t.Errorf("intervals spanned %d–%d %%, want %d–%d %%", minP, maxP, tt.lo, tt.hi)
			}
		})
	}
}

// TestDetectionTimeCapped checks that a remote system cannot stretch the
// Detection Time with its timers (71 minutes × 255 on the wire): it is
// capped at Config.MaxDetectionTime (default 30 s), never below what this
// system asks for itself, and a silent peer is declared Down at the cap.
func TestDetectionTimeCapped(t *testing.T) {
	hostile := peerPkt(up)
	hostile.DetectMult = 255
	hostile.DesiredMinTxInterval = 1<<32 - 1
	for _, tt := range []struct {
		name string
		cfg  func(*Config)
		want time.Duration
	}{
		{"default cap", func(*Config) {}, DefaultMaxDetectionTime},
		{"configured cap", func(c *Config) { c.MaxDetectionTime = 2 * time.Second }, 2 * time.Second},
		{"own timers above the cap", func(c *Config) {
			c.MaxDetectionTime = time.Second
			c.RequiredMinRx = 2 * time.Second
		}, 6 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig()
			tt.cfg(&cfg)
			s, clk := newIn(t, up, cfg)
			deliver(t, s, hostile, nil, clk.now)
			if dt := s.DetectionTime(); dt != tt.want {
				t.Fatalf("DetectionTime = %v, want %v", dt, tt.want)
			}
			start := clk.now
			if _, ts := tickUntil(s, clk, start.Add(tt.want-10*time.Millisecond)); len(ts) != 0 || s.State() != up {
				t.Fatalf("before the detection time: %v, state %v", ts, s.State())
			}
			_, ts := tickUntil(s, clk, start.Add(tt.want+10*time.Millisecond))
			if s.State() != down || len(ts) != 1 || ts[0].Diag != packet.DiagControlDetectionTimeExpired {
				t.Fatalf("after %v of silence: state %v (%+v), want Down by detection time", clk.now.Sub(start), s.State(), ts)
			}
		})
	}
	// An ordinary peer is not affected.
	s, clk := newIn(t, up, fastConfig())
	deliver(t, s, peerPkt(up), nil, clk.now)
	if dt := s.DetectionTime(); dt != 30*time.Millisecond {
		t.Fatalf("ordinary DetectionTime = %v, want 30ms", dt)
	}
}

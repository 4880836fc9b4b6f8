package session

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

const (
	adminDown = packet.StateAdminDown
	down      = packet.StateDown
	initSt    = packet.StateInit
	up        = packet.StateUp
)

// TestTransitions is the state table of RFC 5880 §6.8.6 (diagram §6.2):
// every local state against every received state.
func TestTransitions(t *testing.T) {
	tests := []struct {
		local, remote packet.State
		want          packet.State
		changed       bool
		diag          packet.Diag
		drop          DropReason
	}{
		{down, adminDown, down, false, packet.DiagNone, DropNone},
		{down, down, initSt, true, packet.DiagNone, DropNone},
		{down, initSt, up, true, packet.DiagNone, DropNone},
		{down, up, down, false, packet.DiagNone, DropNone},

		{initSt, adminDown, down, true, packet.DiagNeighborSignaledSessionDown, DropNone},
		{initSt, down, initSt, false, packet.DiagNone, DropNone},
		{initSt, initSt, up, true, packet.DiagNone, DropNone},
		{initSt, up, up, true, packet.DiagNone, DropNone},

		{up, adminDown, down, true, packet.DiagNeighborSignaledSessionDown, DropNone},
		{up, down, down, true, packet.DiagNeighborSignaledSessionDown, DropNone},
		{up, initSt, up, false, packet.DiagNone, DropNone},
		{up, up, up, false, packet.DiagNone, DropNone},

		// §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet."
		{adminDown, adminDown, adminDown, false, packet.DiagAdministrativelyDown, DropAdminDown},
		{adminDown, down, adminDown, false, packet.DiagAdministrativelyDown, DropAdminDown},
		{adminDown, initSt, adminDown, false, packet.DiagAdministrativelyDown, DropAdminDown},
		{adminDown, up, adminDown, false, packet.DiagAdministrativelyDown, DropAdminDown},
	}
	for _, tt := range tests {
		t.Run(tt.local.String()+"+"+tt.remote.String(), func(t *testing.T) {
			s, clk := newIn(t, tt.local, fastConfig())
			r := recv(t, s, tt.remote, clk.advance(time.Millisecond))
			if r.Drop != tt.drop {
				t.Errorf("Drop = %v, want %v", r.Drop, tt.drop)
			}
			if s.State() != tt.want {
				t.Errorf("state = %v, want %v", s.State(), tt.want)
			}
			if r.Changed != tt.changed {
				t.Fatalf("Changed = %v, want %v (%+v)", r.Changed, tt.changed, r.Transition)
			}
			if got := s.Info().LocalDiag; got != tt.diag {
				t.Errorf("LocalDiag = %v, want %v", got, tt.diag)
			}
			if tt.changed {
				want := Transition{From: tt.local, To: tt.want, Diag: tt.diag}
				if r.Transition != want {
					t.Errorf("Transition = %+v, want %+v", r.Transition, want)
				}
			}
			if tt.drop == DropNone && s.Info().RemoteState != tt.remote {
				t.Errorf("RemoteState = %v, want %v", s.Info().RemoteState, tt.remote)
			}
			if c := encode(t, s, false); c.State != s.State() || c.Diag != s.Info().LocalDiag {
				t.Errorf("packet carries %v/%v, session is %v/%v", c.State, c.Diag, s.State(), s.Info().LocalDiag)
			}
		})
	}
}

// TestReceiveSetsRemoteVariables checks the assignments of §6.8.6 that
// precede the state table.
func TestReceiveSetsRemoteVariables(t *testing.T) {
	s, clk := newIn(t, down, fastConfig())
	c := peerPkt(down)
	c.DetectMult, c.DesiredMinTxInterval, c.RequiredMinRxInterval = 5, 40000, 70000
	deliver(t, s, c, nil, clk.now)
	got := s.Info()
	want := Info{
		State: initSt, RemoteState: down, LocalDiscr: localDisc, RemoteDiscr: peerDisc,
		RemoteMinRx: 70 * time.Millisecond, RemoteDesiredTx: 40 * time.Millisecond, RemoteDetectMult: 5,
		TxInterval: time.Second, DetectionTime: 5 * 40 * time.Millisecond,
		AdvertisedTx: time.Second, AdvertisedRx: 10 * time.Millisecond, LastReceived: clk.now,
	}
	if got != want {
		t.Errorf("Info =\n%+v, want\n%+v", got, want)
	}
	if p := encode(t, s, false); p.YourDiscriminator != peerDisc || p.MyDiscriminator != localDisc {
		t.Errorf("packet discriminators my=%#x your=%#x", p.MyDiscriminator, p.YourDiscriminator)
	}
}

// TestDetectionExpiry checks §6.8.4: when the Detection Time passes without
// a packet in Init or Up, the session goes Down with diag 1, and
// bfd.RemoteDiscr is reset (§6.8.1).
func TestDetectionExpiry(t *testing.T) {
	for _, st := range []packet.State{initSt, up} {
		t.Run(st.String(), func(t *testing.T) {
			s, clk := newIn(t, st, fastConfig())
			last := clk.now
			// The peer still advertises 10 ms, we require 10 ms: 3 × 10 ms.
			dt := s.DetectionTime()
			if dt != 30*time.Millisecond {
				t.Fatalf("DetectionTime = %v, want 30ms", dt)
			}
			if _, ts := tickUntil(s, clk, last.Add(dt-1)); len(ts) != 0 {
				t.Fatalf("went %+v before the Detection Time", ts)
			}
			_, ts := tickUntil(s, clk, last.Add(dt))
			want := Transition{From: st, To: down, Diag: packet.DiagControlDetectionTimeExpired}
			if len(ts) != 1 || ts[0] != want {
				t.Fatalf("transitions %+v, want %+v", ts, want)
			}
			if s.Info().RemoteDiscr != 0 {
				t.Errorf("RemoteDiscr = %#x after expiry, want 0", s.Info().RemoteDiscr)
			}
			p := encode(t, s, false)
			if p.State != down || p.Diag != packet.DiagControlDetectionTimeExpired || p.YourDiscriminator != 0 {
				t.Errorf("packet after expiry: state %v diag %v your %#x", p.State, p.Diag, p.YourDiscriminator)
			}
			if p.DesiredMinTxInterval != 1000000 {
				t.Errorf("Desired Min TX after going Down = %dµs, want the slow rate", p.DesiredMinTxInterval)
			}
			// A later Tick changes nothing more.
			if _, r := s.Tick(clk.advance(time.Hour)); r.Changed {
				t.Errorf("second Tick: %+v", r.Transition)
			}
		})
	}
}

// TestDetectionExpiryInDown checks that a Down session forgets the remote
// discriminator after the Detection Time without changing state (§6.8.1).
func TestDetectionExpiryInDown(t *testing.T) {
	s, clk := newIn(t, initSt, fastConfig())
	// Back to Down through the peer's AdminDown, then keep silent.
	recv(t, s, adminDown, clk.now)
	if s.Info().RemoteDiscr != peerDisc {
		t.Fatalf("RemoteDiscr = %#x", s.Info().RemoteDiscr)
	}
	_, ts := tickUntil(s, clk, clk.now.Add(time.Second))
	if len(ts) != 0 {
		t.Errorf("transitions %+v in Down", ts)
	}
	if s.Info().RemoteDiscr != 0 || s.Info().LocalDiag != packet.DiagNeighborSignaledSessionDown {
		t.Errorf("RemoteDiscr %#x diag %v, want 0 and the diag kept", s.Info().RemoteDiscr, s.Info().LocalDiag)
	}
}

// TestPacketsKeepSessionUp checks that a packet within the Detection Time
// restarts it.
func TestPacketsKeepSessionUp(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	for range 100 {
		clk.advance(25 * time.Millisecond) // < 30 ms detection
		if _, r := s.Tick(clk.now); r.Changed {
			t.Fatalf("went %+v with packets flowing", r.Transition)
		}
		recv(t, s, up, clk.now)
	}
}

// TestAdminDownEnable checks §6.8.16.
func TestAdminDownEnable(t *testing.T) {
	s, clk := newUp(t, fastConfig())
	r := s.AdminDown(packet.DiagAdministrativelyDown, clk.advance(time.Millisecond))
	want := Transition{From: up, To: adminDown, Diag: packet.DiagAdministrativelyDown}
	if !r.Changed || r.Transition != want {
		t.Fatalf("AdminDown = %+v, want %+v", r, want)
	}
	if r := s.AdminDown(packet.DiagAdministrativelyDown, clk.now); r.Changed {
		t.Errorf("second AdminDown changed: %+v", r.Transition)
	}
	p := encode(t, s, false)
	if p.State != adminDown || p.Diag != packet.DiagAdministrativelyDown || p.DesiredMinTxInterval != 1000000 {
		t.Errorf("AdminDown packet: %v %v tx %dµs", p.State, p.Diag, p.DesiredMinTxInterval)
	}
	// bfd.RemoteDiscr is kept, so the peer finds the session by Your
	// Discriminator (FRR ignores AdminDown packets without it).
	if p.YourDiscriminator != peerDisc {
		t.Errorf("AdminDown packet: Your Discriminator %#x, want %#x", p.YourDiscriminator, peerDisc)
	}
	// AdminDown packets keep going at the slow rate, and no detection runs.
	sends, ts := tickUntil(s, clk, clk.now.Add(10*time.Second))
	if len(ts) != 0 || len(sends) < 9 || len(sends) > 11 {
		t.Errorf("in AdminDown for 10 s: %d sends, transitions %+v", len(sends), ts)
	}
	// Packets are discarded, Polls are not answered.
	c := peerPkt(up)
	c.Poll = true
	if r := deliver(t, s, c, nil, clk.now); r.Drop != DropAdminDown || r.SendFinal || r.Changed {
		t.Errorf("Receive in AdminDown = %+v", r)
	}
	r = s.Enable(clk.advance(time.Millisecond))
	want = Transition{From: adminDown, To: down, Diag: packet.DiagNone}
	if !r.Changed || r.Transition != want {
		t.Fatalf("Enable = %+v, want %+v", r, want)
	}
	if d := s.NextDeadline(); d.After(clk.now) {
		t.Errorf("first packet after Enable due in %v, want now", d.Sub(clk.now))
	}
	if r := s.Enable(clk.now); r.Changed {
		t.Errorf("second Enable changed: %+v", r.Transition)
	}
	// And the session comes up again.
	recv(t, s, down, clk.now)
	recv(t, s, initSt, clk.now)
	if s.State() != up {
		t.Errorf("state after Enable and handshake = %v", s.State())
	}
}

// TestDiagnostics lists every diagnostic code the machine produces, as
// carried in its packets.
func TestDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		do   func(t *testing.T, s *Session, clk *clock)
		want packet.Diag
	}{
		{"new session", func(*testing.T, *Session, *clock) {}, packet.DiagNone},
		{"detection time expired", func(t *testing.T, s *Session, clk *clock) {
			s.Tick(clk.advance(time.Second))
		}, packet.DiagControlDetectionTimeExpired},
		{"neighbor signaled down", func(t *testing.T, s *Session, clk *clock) {
			recv(t, s, down, clk.now)
		}, packet.DiagNeighborSignaledSessionDown},
		{"neighbor admin down", func(t *testing.T, s *Session, clk *clock) {
			recv(t, s, adminDown, clk.now)
		}, packet.DiagNeighborSignaledSessionDown},
		{"administratively down", func(t *testing.T, s *Session, clk *clock) {
			s.AdminDown(packet.DiagAdministrativelyDown, clk.now)
		}, packet.DiagAdministrativelyDown},
		{"admin down with the owner's diag", func(t *testing.T, s *Session, clk *clock) {
			s.AdminDown(packet.DiagPathDown, clk.now)
		}, packet.DiagPathDown},
		{"up again clears the diag", func(t *testing.T, s *Session, clk *clock) {
			recv(t, s, down, clk.now)
			recv(t, s, down, clk.now)
			recv(t, s, up, clk.now)
		}, packet.DiagNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := up
			if tt.name == "new session" {
				st = down
			}
			s, clk := newIn(t, st, fastConfig())
			tt.do(t, s, clk)
			if p := encode(t, s, false); p.Diag != tt.want {
				t.Errorf("packet diag = %v, want %v", p.Diag, tt.want)
			}
		})
	}
}

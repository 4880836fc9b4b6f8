package session

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

var authTypes = []packet.AuthType{
	packet.AuthSimplePassword, packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5,
	packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1,
}

var (
	secret      = []byte("s3cret")
	otherSecret = []byte("s3creT")
)

const keyID = 7

func authConfig(typ packet.AuthType) Config {
	cfg := fastConfig()
	cfg.Auth = &Auth{Type: typ, KeyID: keyID, Secret: secret}
	return cfg
}

// authPkt is a packet from the peer in state st with an authentication
// section of type typ; deliver signs it.
func authPkt(st packet.State, typ packet.AuthType, id uint8, seq uint32, key []byte) packet.Control {
	c := peerPkt(st)
	c.Auth = packet.Auth{Type: typ, KeyID: id, Sequence: seq}
	if typ == packet.AuthSimplePassword {
		c.Auth.Password = key
	}
	return c
}

// otherType returns an authentication type other than t.
func otherType(t packet.AuthType) packet.AuthType {
	if t == packet.AuthKeyedSHA1 {
		return packet.AuthKeyedMD5
	}
	return packet.AuthKeyedSHA1
}

// TestAuth checks the authentication rules of §6.7 and §6.8.6 for every
// type: a discarded packet changes no state, not even the detection timer.
func TestAuth(t *testing.T) {
	for _, typ := range authTypes {
		tests := []struct {
			name  string
			local *Auth
			pkt   packet.Control
			key   []byte
			want  DropReason
		}{
			{"valid", authConfig(typ).Auth, authPkt(down, typ, keyID, 100, secret), secret, DropNone},
			{"wrong key id", authConfig(typ).Auth, authPkt(down, typ, keyID+1, 100, secret), secret, DropAuthKeyID},
			{"wrong secret", authConfig(typ).Auth, authPkt(down, typ, keyID, 100, otherSecret), otherSecret, DropAuthDigest},
			{"missing auth", authConfig(typ).Auth, peerPkt(down), nil, DropAuthMissing},
			{"unexpected auth", nil, authPkt(down, typ, keyID, 100, secret), secret, DropAuthUnexpected},
			{"type mismatch", authConfig(typ).Auth, authPkt(down, otherType(typ), keyID, 100, secret), secret, DropAuthType},
		}
		for _, tt := range tests {
			t.Run(typ.String()+"/"+tt.name, func(t *testing.T) {
				cfg := fastConfig()
				cfg.Auth = tt.local
				clk := newClock()
				s := New(localDisc, cfg, clk.now, fullJitter)
				r := deliver(t, s, tt.pkt, tt.key, clk.advance(time.Millisecond))
				if r.Drop != tt.want {
					t.Fatalf("Drop = %v, want %v", r.Drop, tt.want)
				}
				if tt.want != DropNone && r.Drop.IsAuth() != true {
					t.Errorf("%v.IsAuth() = false", r.Drop)
				}
				info := s.Info()
				if tt.want == DropNone {
					if info.State != initSt {
						t.Errorf("valid packet: state %v, want init", info.State)
					}
					return
				}
				if r.Changed || info.State != down || info.RemoteDiscr != 0 || !info.LastReceived.IsZero() || info.RemoteDetectMult != 0 {
					t.Errorf("discarded packet changed the session: %+v", info)
				}
			})
		}
	}
}

// TestAuthTampered checks that a digest covers the whole packet.
func TestAuthTampered(t *testing.T) {
	for _, typ := range authTypes[1:] {
		t.Run(typ.String(), func(t *testing.T) {
			clk := newClock()
			s := New(localDisc, authConfig(typ), clk.now, fullJitter)
			c := authPkt(down, typ, keyID, 100, secret)
			var b [packet.MaxLen]byte
			n, _ := c.Encode(b[:])
			if err := packet.Sign(b[:n], secret); err != nil {
				t.Fatal(err)
			}
			b[15] ^= 1 // Desired Min TX Interval
			if r := receiveRaw(t, s, b[:n], clk.now); r.Drop != DropAuthDigest {
				t.Errorf("tampered packet: Drop = %v", r.Drop)
			}
		})
	}
}

// TestAuthSequence checks the sequence number windows of §6.7.3 and §6.7.4:
// Keyed accepts bfd.RcvAuthSeq to bfd.RcvAuthSeq+3×DetectMult, Meticulous
// bfd.RcvAuthSeq+1 to the same bound, in circular 32-bit arithmetic.
func TestAuthSequence(t *testing.T) {
	tests := []struct {
		name       string
		first, seq uint32
		keyed      bool // accepted by the Keyed types
		meticulous bool // accepted by the Meticulous types
	}{
		{"replay", 100, 100, true, false},
		{"next", 100, 101, true, true},
		{"window end", 100, 109, true, true}, // 3 × DetectMult 3
		{"past window", 100, 110, false, false},
		{"older", 100, 99, false, false},
		{"far older", 100, 1<<32 - 900, false, false},
		{"opposite", 100, 100 + 1<<31, false, false},
		{"replay at 2^32-1", 1<<32 - 1, 1<<32 - 1, true, false},
		{"wrap to 0", 1<<32 - 1, 0, true, true},
		{"wrap within window", 1<<32 - 3, 5, true, true},
		{"wrap window end", 1<<32 - 4, 5, true, true},
		{"wrap past window", 1<<32 - 4, 6, false, false},
		{"older across wrap", 2, 1<<32 - 1, false, false},
	}
	for _, typ := range authTypes[1:] {
		for _, tt := range tests {
			t.Run(typ.String()+"/"+tt.name, func(t *testing.T) {
				clk := newClock()
				s := New(localDisc, authConfig(typ), clk.now, fullJitter)
				if r := deliver(t, s, authPkt(down, typ, keyID, tt.first, secret), secret, clk.now); r.Drop != DropNone {
					t.Fatalf("first packet (AuthSeqKnown 0) dropped: %v", r.Drop)
				}
				want := tt.keyed
				if typ.Meticulous() {
					want = tt.meticulous
				}
				r := deliver(t, s, authPkt(down, typ, keyID, tt.seq, secret), secret, clk.advance(time.Millisecond))
				if got := r.Drop == DropNone; got != want {
					t.Errorf("seq %#x after %#x: accepted %v, want %v (Drop %v)", tt.seq, tt.first, got, want, r.Drop)
				}
				if !want && r.Drop != DropAuthSequence {
					t.Errorf("Drop = %v, want %v", r.Drop, DropAuthSequence)
				}
			})
		}
	}
}

// TestAuthSequenceWindowFollows checks that bfd.RcvAuthSeq advances with
// each accepted packet, so a long run of packets stays in the window.
func TestAuthSequenceWindowFollows(t *testing.T) {
	for _, typ := range authTypes[1:] {
		clk := newClock()
		s := New(localDisc, authConfig(typ), clk.now, fullJitter)
		seq := uint32(1<<32 - 50)
		for i := range 100 {
			seq += 3
			if r := deliver(t, s, authPkt(down, typ, keyID, seq, secret), secret, clk.now); r.Drop != DropNone {
				t.Fatalf("%v: packet %d seq %#x: %v", typ, i, seq, r.Drop)
			}
		}
	}
}

// TestXmitAuthSeq checks §6.7.3: bfd.XmitAuthSeq starts at a random value,
// goes up by one per packet and wraps at 2^32; a receiving session accepts
// the series, Meticulous included.
func TestXmitAuthSeq(t *testing.T) {
	for _, typ := range authTypes[1:] {
		t.Run(typ.String(), func(t *testing.T) {
			clk := newClock()
			tx := New(peerDisc, authConfig(typ), clk.now, seqRnd(1<<32-3))
			rx := New(localDisc, authConfig(typ), clk.now, fullJitter)
			want := []uint32{1<<32 - 2, 1<<32 - 1, 0, 1, 2}
			for i, w := range want {
				var b [packet.MaxLen]byte
				n, err := tx.Encode(b[:], false)
				if err != nil {
					t.Fatal(err)
				}
				if !packet.Verify(b[:n], secret) {
					t.Fatal("own packet does not verify")
				}
				c := decode(t, b[:n])
				if c.Auth.Sequence != w || c.Auth.KeyID != keyID || c.Auth.Type != typ {
					t.Errorf("packet %d: %+v, want seq %#x", i, c.Auth, w)
				}
				if r := rx.Receive(&c, b[:n], clk.now); r.Drop != DropNone {
					t.Errorf("packet %d (seq %#x) dropped: %v", i, w, r.Drop)
				}
			}
		})
	}
}

func decode(t *testing.T, b []byte) packet.Control {
	t.Helper()
	var c packet.Control
	if err := c.Decode(b); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSimplePasswordEncode checks §6.7.2: the password travels in clear
// with the key ID.
func TestSimplePasswordEncode(t *testing.T) {
	s := New(localDisc, authConfig(packet.AuthSimplePassword), epoch, fullJitter)
	c := encode(t, s, false)
	if c.Auth.Type != packet.AuthSimplePassword || c.Auth.KeyID != keyID || string(c.Auth.Password) != string(secret) {
		t.Errorf("auth section %+v", c.Auth)
	}
}

// TestAuthSeqKnownExpires checks §6.7.3: bfd.AuthSeqKnown is cleared when
// no packet arrived for twice the Detection Time, after which any sequence
// number is accepted again.
func TestAuthSeqKnownExpires(t *testing.T) {
	for _, typ := range authTypes[1:] {
		t.Run(typ.String(), func(t *testing.T) {
			clk := newClock()
			s := New(localDisc, authConfig(typ), clk.now, fullJitter)
			deliver(t, s, authPkt(down, typ, keyID, 100, secret), secret, clk.now)
			deliver(t, s, authPkt(up, typ, keyID, 101, secret), secret, clk.now)
			if s.State() != up {
				t.Fatalf("setup: %v", s.State())
			}
			last, dt := clk.now, s.DetectionTime()
			far := authPkt(down, typ, keyID, 5000, secret)
			_, ts := tickUntil(s, clk, last.Add(2*dt-1))
			if len(ts) != 1 || ts[0].To != down {
				t.Fatalf("transitions %+v, want down by detection", ts)
			}
			if r := deliver(t, s, far, secret, clk.now); r.Drop != DropAuthSequence {
				t.Fatalf("before 2×Detection Time: Drop = %v, want %v", r.Drop, DropAuthSequence)
			}
			if d := s.NextDeadline(); !d.Equal(last.Add(2 * dt)) {
				t.Errorf("NextDeadline = last rx + %v, want 2×%v", d.Sub(last), dt)
			}
			tickUntil(s, clk, last.Add(2*dt))
			if r := deliver(t, s, far, secret, clk.now); r.Drop != DropNone {
				t.Fatalf("after 2×Detection Time: Drop = %v", r.Drop)
			}
			// The new number is known again: the old one is now a replay.
			old := authPkt(down, typ, keyID, 101, secret)
			if r := deliver(t, s, old, secret, clk.now); r.Drop != DropAuthSequence {
				t.Errorf("old seq after relearning: Drop = %v", r.Drop)
			}
		})
	}
}

// TestAuthKeyChange checks that changing the key forgets bfd.RcvAuthSeq
// and that packets signed with the old key are refused.
func TestAuthKeyChange(t *testing.T) {
	typ := packet.AuthMeticulousKeyedSHA1
	clk := newClock()
	s := New(localDisc, authConfig(typ), clk.now, fullJitter)
	deliver(t, s, authPkt(down, typ, keyID, 100, secret), secret, clk.now)
	cfg := authConfig(typ)
	cfg.Auth.Secret = otherSecret
	s.SetConfig(cfg, clk.now)
	if r := deliver(t, s, authPkt(down, typ, keyID, 101, secret), secret, clk.now); r.Drop != DropAuthDigest {
		t.Errorf("old key: Drop = %v", r.Drop)
	}
	if r := deliver(t, s, authPkt(down, typ, keyID, 7, otherSecret), otherSecret, clk.now); r.Drop != DropNone {
		t.Errorf("new key, any seq: Drop = %v", r.Drop)
	}
}

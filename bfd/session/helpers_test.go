package session

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// Discriminators of the session under test and of its simulated peer.
const (
	localDisc = 0x1111
	peerDisc  = 0x2222
)

// epoch is the fake clock's start; any instant would do.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a fake time source that tests advance by hand.
type clock struct{ now time.Time }

func newClock() *clock { return &clock{now: epoch} }

func (c *clock) advance(d time.Duration) time.Time {
	c.now = c.now.Add(d)
	return c.now
}

func (c *clock) set(t time.Time) time.Time {
	c.now = t
	return t
}

// fullJitter makes every transmission interval 100 % of the negotiated one
// (75 + 25 % 26); with DetectMult 1 it gives 75 + 25 % 16 = 84 %.
func fullJitter() uint32 { return 25 }

// seqRnd returns a jitter source whose first draw, the initial
// bfd.XmitAuthSeq, is first; later draws give full intervals.
func seqRnd(first uint32) func() uint32 {
	used := false
	return func() uint32 {
		if used {
			return 25
		}
		used = true
		return first
	}
}

// fastConfig is an Up rate of 10 ms × 3, below the slow rate.
func fastConfig() Config {
	return Config{DesiredMinTx: 10 * time.Millisecond, RequiredMinRx: 10 * time.Millisecond, DetectMult: 3}
}

// peerPkt is a packet from the peer in state st, advertising 10 ms × 3.
func peerPkt(st packet.State) packet.Control {
	c := packet.Control{
		State: st, DetectMult: 3, MyDiscriminator: peerDisc,
		DesiredMinTxInterval: 10000, RequiredMinRxInterval: 10000,
	}
	if st == packet.StateInit || st == packet.StateUp {
		c.YourDiscriminator = localDisc
	}
	return c
}

// deliver encodes c (signing it with key when its auth type is sequenced),
// decodes it again as a receiver would, and hands it to s.
func deliver(t *testing.T, s *Session, c packet.Control, key []byte, now time.Time) Result {
	t.Helper()
	var b [packet.MaxLen]byte
	n, err := c.Encode(b[:])
	if err != nil {
		t.Fatalf("encode %+v: %v", c, err)
	}
	if c.Auth.Type.Sequenced() {
		if err := packet.Sign(b[:n], key); err != nil {
			t.Fatalf("sign: %v", err)
		}
	}
	return receiveRaw(t, s, b[:n], now)
}

// receiveRaw decodes b and hands it to s.
func receiveRaw(t *testing.T, s *Session, b []byte, now time.Time) Result {
	t.Helper()
	var d packet.Control
	if err := d.Decode(b); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return s.Receive(&d, b, now)
}

// recv hands s an unauthenticated packet from the peer in state st.
func recv(t *testing.T, s *Session, st packet.State, now time.Time) Result {
	t.Helper()
	return deliver(t, s, peerPkt(st), nil, now)
}

// encode returns the decoded form of the packet s would send now.
func encode(t *testing.T, s *Session, final bool) packet.Control {
	t.Helper()
	var b [packet.MaxLen]byte
	n, err := s.Encode(b[:], final)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	var c packet.Control
	if err := c.Decode(b[:n]); err != nil {
		t.Fatalf("own packet does not decode: %v", err)
	}
	return c
}

// newIn returns a session with cfg in state st, reached through the RFC
// transitions (Down → Init → Up by packets, AdminDown by command), and the
// clock it was driven with.
func newIn(t *testing.T, st packet.State, cfg Config) (*Session, *clock) {
	t.Helper()
	clk := newClock()
	s := New(localDisc, cfg, clk.now, fullJitter)
	switch st {
	case packet.StateInit:
		recv(t, s, packet.StateDown, clk.now)
	case packet.StateUp:
		recv(t, s, packet.StateDown, clk.now)
		recv(t, s, packet.StateUp, clk.now)
	case packet.StateAdminDown:
		s.AdminDown(packet.DiagAdministrativelyDown, clk.now)
	}
	if s.State() != st {
		t.Fatalf("setup: state %v, want %v", s.State(), st)
	}
	return s, clk
}

// newUp returns an Up session with cfg whose initial Poll Sequence is done,
// so the configured intervals are in force.
func newUp(t *testing.T, cfg Config) (*Session, *clock) {
	t.Helper()
	s, clk := newIn(t, packet.StateUp, cfg)
	c := peerPkt(packet.StateUp)
	c.Final = true
	deliver(t, s, c, nil, clk.now)
	if s.Info().Polling {
		t.Fatal("setup: Poll Sequence still running")
	}
	return s, clk
}

// tickUntil calls Tick at every deadline up to and including end and
// returns the instants at which a packet was due and the transitions seen.
func tickUntil(s *Session, clk *clock, end time.Time) (sends []time.Time, ts []Transition) {
	for i := 0; ; i++ {
		if i > 1e6 {
			panic("tickUntil: deadline does not advance")
		}
		d := s.NextDeadline()
		if d.IsZero() || d.After(end) {
			clk.set(end)
			return sends, ts
		}
		if d.After(clk.now) {
			clk.set(d)
		}
		send, r := s.Tick(clk.now)
		if send {
			sends = append(sends, clk.now)
		}
		if r.Changed {
			ts = append(ts, r.Transition)
		}
	}
}

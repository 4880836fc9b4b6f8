package shim

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// TestHelloMachine walks one end through start, answer, periodic Hellos,
// expiry, withdrawal and a change of local setting, on a fake clock.
func TestHelloMachine(t *testing.T) {
	lz4 := Hello{HoldTime: 20, Caps: CapLZ4}
	m := &helloMachine{local: true}
	type step struct {
		name       string
		do         func() (Hello, bool)
		now        float64
		send       bool
		want       Hello // when send
		active     bool
		peerAccept bool
	}
	steps := []step{
		{"start: Hello at once, asking for a reply", func() (Hello, bool) { return m.tick(at(0)) }, 0,
			true, Hello{ReplyRequested: true, HoldTime: 20, Caps: CapLZ4}, false, false},
		{"nothing due a second later", func() (Hello, bool) { return m.tick(at(1)) }, 1, false, Hello{}, false, false},
		{"peer's Hello asking for a reply is answered", func() (Hello, bool) {
			h := lz4
			h.ReplyRequested = true
			return m.receive(at(2), h)
		}, 2, true, lz4, true, true},
		{"periodic Hello: no reply needed now", func() (Hello, bool) { return m.tick(at(5)) }, 5, true, lz4, true, true},
		{"peer's Hello without R is not answered", func() (Hello, bool) { return m.receive(at(6), lz4) }, 6, false, Hello{}, true, true},
		{"still trusted just before the hold time ends", func() (Hello, bool) { return m.tick(at(25.9)) }, 25.9,
			true, lz4, true, true},
		{"expired: compression stops, Hellos ask again", func() (Hello, bool) { return m.tick(at(26)) }, 26,
			false, Hello{}, false, false},
		{"periodic Hello after expiry asks for a reply", func() (Hello, bool) { return m.tick(at(30.9)) }, 30.9,
			true, Hello{ReplyRequested: true, HoldTime: 20, Caps: CapLZ4}, false, false},
		{"peer back", func() (Hello, bool) { return m.receive(at(31), lz4) }, 31, false, Hello{}, true, true},
		{"peer stops accepting", func() (Hello, bool) { return m.receive(at(32), Hello{HoldTime: 20}) }, 32,
			false, Hello{}, false, false},
		{"peer accepts again", func() (Hello, bool) { return m.receive(at(33), lz4) }, 33, false, Hello{}, true, true},
		{"peer withdraws (hold time 0)", func() (Hello, bool) { return m.receive(at(34), Hello{Caps: CapLZ4}) }, 34,
			false, Hello{}, false, false},
		{"peer accepts again", func() (Hello, bool) { return m.receive(at(35), lz4) }, 35, false, Hello{}, true, true},
		{"local off: announced at once", func() (Hello, bool) { return m.setLocal(at(36), false) }, 36,
			true, Hello{HoldTime: 20}, false, true},
		{"same setting again: nothing", func() (Hello, bool) { return m.setLocal(at(36.5), false) }, 36.5,
			false, Hello{}, false, true},
		{"next periodic Hello counts from the change", func() (Hello, bool) { return m.tick(at(40.9)) }, 40.9,
			false, Hello{}, false, true},
		{"local on again", func() (Hello, bool) { return m.setLocal(at(41), true) }, 41, true, lz4, true, true},
	}
	for _, s := range steps {
		h, send := s.do()
		now := at(s.now)
		if send != s.send || send && h != s.want || m.active(now) != s.active || m.peerAccepts(now) != s.peerAccept {
			t.Fatalf("%s: send %v %+v, active %v, peer accepts %v; want %v %+v, %v, %v",
				s.name, send, h, m.active(now), m.peerAccepts(now), s.send, s.want, s.active, s.peerAccept)
		}
	}
}

// exchange runs two ends against each other for d seconds of fake time,
// delivering every Hello at once (or not at all with lose).
func exchange(a, b *helloMachine, from, to float64, lose bool) {
	for s := from; s <= to; s += 1 {
		now := at(s)
		for _, pair := range [][2]*helloMachine{{a, b}, {b, a}} {
			h, send := pair[0].tick(now)
			for send && !lose {
				h, send = pair[1].receive(now, h)
				pair[0], pair[1] = pair[1], pair[0]
			}
		}
	}
}

// TestHelloNegotiationBetweenEnds: compression is active at an end only
// when both ends enable it; a mismatch compresses nowhere.
func TestHelloNegotiationBetweenEnds(t *testing.T) {
	for _, tc := range []struct{ a, b bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		a, b := &helloMachine{local: tc.a}, &helloMachine{local: tc.b}
		exchange(a, b, 0, 1, false)
		now := at(1)
		if a.active(now) != (tc.a && tc.b) || b.active(now) != (tc.a && tc.b) {
			t.Errorf("a=%v b=%v: active %v %v", tc.a, tc.b, a.active(now), b.active(now))
		}
		if a.peerAccepts(now) != tc.b || b.peerAccepts(now) != tc.a {
			t.Errorf("a=%v b=%v: peer accepts %v %v", tc.a, tc.b, a.peerAccepts(now), b.peerAccepts(now))
		}
	}
	// Hellos lost for longer than the hold time: compression stops; they
	// come back: it resumes within one interval.
	a, b := &helloMachine{local: true}, &helloMachine{local: true}
	exchange(a, b, 0, 10, false)
	exchange(a, b, 11, 11+helloHold.Seconds(), true)
	if now := at(11 + helloHold.Seconds()); a.active(now) || b.active(now) {
		t.Error("still compressing after the peer's Hellos stopped for the hold time")
	}
	exchange(a, b, 32, 32+helloInterval.Seconds(), false)
	if now := at(32 + helloInterval.Seconds()); !a.active(now) || !b.active(now) {
		t.Error("compression did not resume when Hellos came back")
	}
}

// TestFirstHelloHeldBack: an Endpoint sends its first Hello (which would
// start a WireGuard handshake) only at the time it is given; by default
// at once.
func TestFirstHelloHeldBack(t *testing.T) {
	now := at(0)
	const delay = 1500 * time.Millisecond
	lower := NewEndpoint(EndpointConfig{LocalSite: 1, PeerSite: 2, MTU: 1420})
	if _, send := lower.Tick(now); !send {
		t.Error("lower ID: no Hello at once")
	}
	higher := NewEndpoint(EndpointConfig{LocalSite: 2, PeerSite: 1, MTU: 1420, FirstHello: now.Add(delay)})
	if _, send := higher.Tick(now); send {
		t.Error("higher ID: a Hello at once")
	}
	if _, send := higher.Tick(now.Add(delay - time.Millisecond)); send {
		t.Error("higher ID: a Hello before its time")
	}
	if _, send := higher.Tick(now.Add(delay)); !send {
		t.Error("higher ID: no Hello at its time")
	}
}

func TestWindow(t *testing.T) {
	var w Window
	steps := []struct {
		seq  uint32
		want SeqVerdict
	}{
		{100, SeqFresh}, {100, SeqDuplicate}, {101, SeqFresh}, {99, SeqFresh}, {99, SeqDuplicate},
		{105, SeqFresh}, {103, SeqFresh}, {103, SeqDuplicate}, {101, SeqDuplicate},
		// The window moves: what left it is too old; what it forgot on the
		// way (102) is fresh, never taken for a copy.
		{105 + WindowLen, SeqFresh}, {105, SeqTooOld}, {106, SeqFresh}, {106, SeqDuplicate},
		// A jump ahead larger than the window clears it.
		{5000, SeqFresh}, {5000, SeqDuplicate},
		// Wrapping around 2^32.
		{0xffffffff, SeqTooOld},
		// A restarted sender (far behind: a new random start) is taken.
		{200000, SeqFresh}, {200000 - windowResync - 5, SeqFresh}, {200000 - windowResync - 5, SeqDuplicate}, {200000, SeqFresh},
	}
	for i, s := range steps {
		if got := w.Check(s.seq); got != s.want {
			t.Errorf("step %d: seq %d = %d, want %d", i, s.seq, got, s.want)
		}
	}
	var v Window
	for _, s := range []uint32{0xfffffffe, 0xffffffff, 0, 1} {
		if v.Check(s) != SeqFresh || v.Check(s) != SeqDuplicate {
			t.Errorf("around the wrap: %d", s)
		}
	}
	if a := testing.AllocsPerRun(100, func() { v.Check(7) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

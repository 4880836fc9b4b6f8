package bfd_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/bfdtest"
	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// TestSubscribeOrder checks that every subscriber sees each session's
// changes in order (each From is the previous To), that a reader that
// starts late loses nothing, and that cancel closes the channel.
func TestSubscribeOrder(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	early, cancelEarly := m.Subscribe()
	late, cancelLate := m.Subscribe() // not read until the end
	defer cancelLate()
	cfg := sessionConfig(addrA, addrB)
	disc, err := m.Add(cfg, discard{})
	if err != nil {
		t.Fatal(err)
	}
	// Drive the session by hand: Down → Init → Up → Down (diag 3) and
	// around again, then AdminDown and back. The peer advertises 1 s, so
	// no Detection Time expires meanwhile.
	const peer = 0xbeef
	for range 3 {
		m.Receive(peerPacket(t, packet.StateDown, peer, 0, time.Second), rxFrom)
		m.Receive(peerPacket(t, packet.StateUp, peer, disc, time.Second), rxFrom)
		m.Receive(peerPacket(t, packet.StateDown, peer, disc, time.Second), rxFrom)
	}
	m.SetAdminDown(cfg.Key, true)
	m.SetAdminDown(cfg.Key, false)
	want := []packet.State{}
	for range 3 {
		want = append(want, packet.StateInit, packet.StateUp, packet.StateDown)
	}
	want = append(want, packet.StateAdminDown, packet.StateDown)

	for name, ch := range map[string]<-chan bfd.StateChange{"early": early, "late": late} {
		prev := packet.StateDown
		for i, to := range want {
			ev := waitState(t, ch, cfg.Key, 0xff, waitTimeout)
			if ev.From != prev || ev.To != to {
				t.Fatalf("%s: change %d = %v→%v, want %v→%v", name, i, ev.From, ev.To, prev, to)
			}
			prev = to
		}
	}
	cancelEarly()
	cancelEarly() // idempotent
	for range early {
		// Drain: nothing more must come, and the channel must close.
	}
}

// TestSubscribeCancelUndrained checks that cancelling a subscription
// whose reader never read ends it (goleak would report its goroutine).
func TestSubscribeCancelUndrained(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	ch, cancel := m.Subscribe()
	cfg := sessionConfig(addrA, addrB)
	if _, err := m.Add(cfg, discard{}); err != nil {
		t.Fatal(err)
	}
	m.Receive(peerPacket(t, packet.StateDown, 0xbeef, 0, fastInterval), rxFrom)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			// At most the one event the pump already held.
			if _, ok := <-ch; ok {
				t.Error("events after cancel")
			}
		}
	case <-time.After(waitTimeout):
		t.Fatal("channel not closed by cancel")
	}
}

// TestSubscribeAfterClose checks that a subscription to a closed Manager
// is closed at once, and that cancel after Close is harmless.
func TestSubscribeAfterClose(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	held, cancelHeld := m.Subscribe()
	if _, err := m.Add(sessionConfig(addrA, addrB), discard{}); err != nil {
		t.Fatal(err)
	}
	m.Close()
	ch, cancel := m.Subscribe()
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("event on a subscription made after Close")
		}
	case <-time.After(waitTimeout):
		t.Fatal("subscription after Close not closed")
	}
	cancel()
	// held has an undelivered AdminDown change; cancel must still end it.
	cancelHeld()
	eventuallyClosed(t, held)
}

func eventuallyClosed(t *testing.T, ch <-chan bfd.StateChange) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed")
		}
	}
}

// TestManySessions brings 100 sessions Up between two Managers, one Pipe
// (one address pair) each, and removes them all.
func TestManySessions(t *testing.T) {
	// Not parallel: its load would delay the timers of the real-time
	// tests running beside it past their 60 ms Detection Time.
	const n = 100
	a, b := bfd.NewManager(nil), bfd.NewManager(nil)
	evA, cancelA := a.Subscribe()
	evB, cancelB := b.Subscribe()
	defer cancelA()
	defer cancelB()
	pipes := make([]*bfdtest.Pipe, 0, n)
	defer func() {
		a.Close()
		b.Close()
		for _, p := range pipes {
			p.Close()
		}
	}()
	keys := map[bfd.Key]bool{}
	for i := range n {
		la := netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)})
		lb := netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
		p := bfdtest.NewPipe(a, b, la, lb)
		pipes = append(pipes, p)
		if _, err := a.Add(sessionConfig(la, lb), p.AtoB); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Add(sessionConfig(lb, la), p.BtoA); err != nil {
			t.Fatal(err)
		}
		keys[bfd.Key{Local: la, Peer: lb}] = false
		keys[bfd.Key{Local: lb, Peer: la}] = false
	}
	deadline := time.After(10 * time.Second)
	for up := 0; up < 2*n; {
		select {
		case ev := <-evA:
			up += markUp(t, keys, ev)
		case ev := <-evB:
			up += markUp(t, keys, ev)
		case <-deadline:
			t.Fatalf("%d of %d sessions Up", up, 2*n)
		}
	}
	discs := map[uint32]bool{}
	for _, si := range append(a.Sessions(), b.Sessions()...) {
		if si.Session.State != packet.StateUp {
			t.Errorf("%s: %v", si.Key, si.Session.State)
		}
		discs[si.Session.LocalDiscr] = true
	}
	if len(discs) < n { // unique per Manager; the two may collide by chance
		t.Errorf("%d distinct discriminators", len(discs))
	}
}

func markUp(t *testing.T, keys map[bfd.Key]bool, ev bfd.StateChange) int {
	t.Helper()
	if ev.To == packet.StateDown || ev.To == packet.StateAdminDown {
		t.Fatalf("%s went %v (%v)", ev.Key, ev.To, ev.Diag)
	}
	if ev.To != packet.StateUp {
		return 0
	}
	if keys[ev.Key] {
		t.Fatalf("%s Up twice", ev.Key)
	}
	keys[ev.Key] = true
	return 1
}

// TestSubscribeBounded leaves a subscriber unread while one session flaps
// far more often than the queue holds: the queue is folded, not grown, and
// the reader still learns the session's final state.
func TestSubscribeBounded(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	ch, cancel := m.Subscribe()
	defer cancel()
	cfg := sessionConfig(addrA, addrB)
	disc, err := m.Add(cfg, discard{})
	if err != nil {
		t.Fatal(err)
	}
	const peer = 0xbeef
	flaps := 3 * bfd.SubscriberQueue
	for range flaps {
		m.Receive(peerPacket(t, packet.StateDown, peer, 0, time.Second), rxFrom)
		m.Receive(peerPacket(t, packet.StateUp, peer, disc, time.Second), rxFrom)
		m.Receive(peerPacket(t, packet.StateDown, peer, disc, time.Second), rxFrom)
	}
	m.Receive(peerPacket(t, packet.StateDown, peer, 0, time.Second), rxFrom)
	m.Receive(peerPacket(t, packet.StateUp, peer, disc, time.Second), rxFrom) // ends Up
	var got []bfd.StateChange
	deadline := time.After(waitTimeout)
	for done := false; !done; {
		select {
		case ev := <-ch:
			got = append(got, ev)
		case <-time.After(200 * time.Millisecond):
			done = true
		case <-deadline:
			t.Fatal("timed out draining")
		}
	}
	if len(got) == 0 || len(got) > bfd.SubscriberQueue+1 {
		t.Fatalf("%d changes delivered of %d made, want 1..%d", len(got), 3*flaps+2, bfd.SubscriberQueue+1)
	}
	if last := got[len(got)-1]; last.To != packet.StateUp {
		t.Fatalf("last change delivered %v→%v, want the session's final Up", last.From, last.To)
	}
}

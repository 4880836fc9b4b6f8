package bfd

import (
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

type nopSender struct{}

func (nopSender) Send([]byte) error { return nil }

// TestSchedulerHeapBounded checks that packets which only push a session's
// deadline later (the detection deadline) add nothing to the scheduler's
// heap: a flood of valid packets, e.g. replays accepted by Keyed MD5/SHA1,
// must not grow it by one stale item per packet.
func TestSchedulerHeapBounded(t *testing.T) {
	m := NewManager(nil)
	defer m.Close()
	local, peer := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	// We send every 10 s; the peer every second, so our Detection Time (3 s)
	// is the earliest deadline and each packet moves it.
	cfg := SessionConfig{Key: Key{Local: local, Peer: peer}, Config: session.Config{
		DesiredMinTx: 10 * time.Second, RequiredMinRx: time.Second, DetectMult: 3}}
	disc, err := m.Add(cfg, nopSender{})
	if err != nil {
		t.Fatal(err)
	}
	e := m.byDisc.get(disc)
	pkt := func(st packet.State, your uint32) []byte {
		c := packet.Control{State: st, DetectMult: 3, MyDiscriminator: 0xbeef, YourDiscriminator: your,
			DesiredMinTxInterval: 1000000, RequiredMinRxInterval: 10000000}
		b := make([]byte, packet.MaxLen)
		n, err := c.Encode(b)
		if err != nil {
			t.Fatal(err)
		}
		return b[:n]
	}
	meta := RxMeta{Src: peer, Dst: local, TTL: 255}
	for deadline := time.Now().Add(3 * time.Second); e.ctr.packetsOut.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("first packet not sent")
		}
	}
	m.Receive(pkt(packet.StateDown, 0), meta)
	up := pkt(packet.StateUp, disc)
	for range 10000 {
		m.Receive(up, meta)
	}
	m.sched.mu.Lock()
	n, due := len(m.sched.items), e.due
	m.sched.mu.Unlock()
	if n > 3 {
		t.Errorf("%d heap items after 10000 packets", n)
	}
	if e.sess.State() != packet.StateUp || due.IsZero() || due.After(e.sess.NextDeadline()) {
		t.Errorf("state %v, pending wakeup %v, next deadline %v", e.sess.State(), due, e.sess.NextDeadline())
	}
}

// TestSchedulerEarlierWins checks that an earlier deadline replaces a
// pending later one, and that the zero time cancels.
func TestSchedulerEarlierWins(t *testing.T) {
	s := newScheduler(nil, nil)
	defer s.close()
	e := &entry{}
	now := time.Now()
	s.set(e, now.Add(time.Hour))
	s.set(e, now.Add(2*time.Hour)) // later: the pending wakeup stays
	if !e.due.Equal(now.Add(time.Hour)) || len(s.items) != 1 {
		t.Fatalf("later set: due %v, %d items", e.due.Sub(now), len(s.items))
	}
	s.set(e, now.Add(time.Minute))
	if !e.due.Equal(now.Add(time.Minute)) || len(s.items) != 2 {
		t.Errorf("earlier set: due %v, %d items", e.due.Sub(now), len(s.items))
	}
	s.set(e, time.Time{})
	if !e.due.IsZero() {
		t.Errorf("zero set: due %v", e.due)
	}
	s.set(e, now.Add(2*time.Hour)) // nothing pending: taken as is
	if !e.due.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("set after cancel: due %v", e.due.Sub(now))
	}
}

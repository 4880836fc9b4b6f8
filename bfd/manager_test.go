package bfd_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/bfdtest"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// TestPairUp checks that two Managers over a Pipe bring their sessions Up
// through Init, finish the Poll Sequence of going Up, and run at the
// configured rate.
func TestPairUp(t *testing.T) {
	t.Parallel()
	p := newPair(t, nil)
	// Each side goes Down → Init → Up, or Down → Up when it hears the
	// other's Init first (RFC 5880 §6.2).
	var changes []uint64
	for _, side := range []struct {
		ch <-chan bfd.StateChange
		k  bfd.Key
	}{{p.evA, p.ka}, {p.evB, p.kb}} {
		var path []packet.State
		for prev := packet.StateDown; prev != packet.StateUp; {
			ev := waitState(t, side.ch, side.k, 0xff, upTimeout)
			if ev.From != prev || ev.Diag != packet.DiagNone || ev.LocalDiscr == 0 || ev.Time.IsZero() {
				t.Fatalf("%s: change %+v after %v", side.k, ev, path)
			}
			path = append(path, ev.To)
			prev = ev.To
		}
		if len(path) > 2 {
			t.Errorf("%s: path %v", side.k, path)
		}
		changes = append(changes, uint64(len(path)))
	}
	eventually(t, waitTimeout, "Poll completed", func() bool {
		return info(t, p.a, p.ka).Counters.PollsCompleted == 1 && info(t, p.b, p.kb).Counters.PollsCompleted == 1
	})
	a, b := info(t, p.a, p.ka), info(t, p.b, p.kb)
	if a.Session.RemoteDiscr != b.Session.LocalDiscr || b.Session.RemoteDiscr != a.Session.LocalDiscr {
		t.Errorf("discriminators: a %+v b %+v", a.Session, b.Session)
	}
	for i, si := range []bfd.SessionInfo{a, b} {
		s := si.Session
		if s.TxInterval != fastInterval || s.DetectionTime != 3*fastInterval || s.Polling {
			t.Errorf("%s: tx %v detect %v polling %v", si.Key, s.TxInterval, s.DetectionTime, s.Polling)
		}
		c := si.Counters
		if c.PacketsIn == 0 || c.PacketsOut == 0 || c.Transitions != changes[i] || len(c.Drops) != 0 || c.SendErrors != 0 {
			t.Errorf("%s: counters %+v", si.Key, c)
		}
	}
	noChange(t, p.evA, 10*fastInterval)
}

// TestCutDetects checks that a cut link takes both sides Down by the
// Detection Time (RFC 5880 §6.8.4) and that they come back when it heals.
func TestCutDetects(t *testing.T) {
	t.Parallel()
	p := newPair(t, nil)
	p.up(t)
	eventually(t, waitTimeout, "Poll completed", func() bool {
		return info(t, p.a, p.ka).Counters.PollsCompleted == 1 && info(t, p.b, p.kb).Counters.PollsCompleted == 1
	})
	p.pipe.Cut(true)
	cut := time.Now()
	for _, ev := range []bfd.StateChange{
		waitState(t, p.evA, p.ka, packet.StateDown, waitTimeout),
		waitState(t, p.evB, p.kb, packet.StateDown, waitTimeout),
	} {
		if ev.From != packet.StateUp || ev.Diag != packet.DiagControlDetectionTimeExpired {
			t.Errorf("%s: %+v, want up→down control_detection_time_expired", ev.Key, ev)
		}
	}
	if took := time.Since(cut); took < 2*fastInterval {
		t.Errorf("Down %v after the cut, before a Detection Time of %v", took, 3*fastInterval)
	}
	if c := info(t, p.a, p.ka).Counters; c.LastDownDiag != packet.DiagControlDetectionTimeExpired {
		t.Errorf("LastDownDiag = %v", c.LastDownDiag)
	}
	if s := info(t, p.a, p.ka).Session; s.RemoteDiscr != 0 {
		t.Errorf("RemoteDiscr %d after detection", s.RemoteDiscr)
	}
	p.pipe.Cut(false)
	p.up(t)
}

// TestRemoveSignalsPeer checks RFC 5880 §6.8.16: a removed session sends
// AdminDown and the peer goes Down with diag 3 at once, not by detection.
func TestRemoveSignalsPeer(t *testing.T) {
	t.Parallel()
	p := newPair(t, func(a, b *bfd.SessionConfig) {
		// A long Detection Time on b: Down must come from the packet.
		a.DesiredMinTx, b.RequiredMinRx, a.DetectMult = 200*time.Millisecond, 200*time.Millisecond, 10
	})
	p.up(t)
	if err := p.a.Remove(p.ka); err != nil {
		t.Fatal(err)
	}
	ev := waitState(t, p.evA, p.ka, packet.StateAdminDown, waitTimeout)
	if ev.From != packet.StateUp || ev.Diag != packet.DiagAdministrativelyDown {
		t.Errorf("removed side: %+v", ev)
	}
	ev = waitState(t, p.evB, p.kb, packet.StateDown, time.Second)
	if ev.From != packet.StateUp || ev.Diag != packet.DiagNeighborSignaledSessionDown {
		t.Errorf("peer: %+v, want up→down neighbor_signaled_session_down", ev)
	}
	if _, ok := p.a.Session(p.ka); ok || len(p.a.Sessions()) != 0 {
		t.Error("session still listed after Remove")
	}
	if err := p.a.Remove(p.ka); !errors.Is(err, bfd.ErrNotFound) {
		t.Errorf("second Remove = %v, want ErrNotFound", err)
	}
	// Packets from b now find no session on a.
	eventually(t, 3*time.Second, "no_session counted", func() bool { return p.a.Stats().NoSession > 0 })
}

// TestSetAdminDown checks AdminDown and its reversal on a live pair.
func TestSetAdminDown(t *testing.T) {
	t.Parallel()
	p := newPair(t, nil)
	p.up(t)
	if err := p.a.SetAdminDown(p.ka, true); err != nil {
		t.Fatal(err)
	}
	if ev := waitState(t, p.evB, p.kb, packet.StateDown, time.Second); ev.Diag != packet.DiagNeighborSignaledSessionDown {
		t.Errorf("peer: %+v", ev)
	}
	if s := info(t, p.a, p.ka).Session; s.State != packet.StateAdminDown || s.LocalDiag != packet.DiagAdministrativelyDown {
		t.Errorf("admin down side: %v %v", s.State, s.LocalDiag)
	}
	// The peer stays Down while we are AdminDown.
	noChange(t, p.evB, 1500*time.Millisecond)
	if c := info(t, p.a, p.ka).Counters; c.Drops["session_admin_down"] == 0 {
		t.Errorf("packets received in AdminDown not counted: %+v", c.Drops)
	}
	if err := p.a.SetAdminDown(p.ka, false); err != nil {
		t.Fatal(err)
	}
	p.up(t)
	if err := p.a.SetAdminDown(bfd.Key{Local: addrA, Peer: addrA}, true); !errors.Is(err, bfd.ErrNotFound) {
		t.Errorf("SetAdminDown of an unknown key = %v", err)
	}
}

// TestUpdatePoll checks that changing intervals on an Up session runs a
// Poll Sequence (RFC 5880 §6.8.3) to completion without a flap, in both
// directions of change.
func TestUpdatePoll(t *testing.T) {
	t.Parallel()
	p := newPair(t, nil)
	p.up(t)
	polls := func() uint64 { return info(t, p.a, p.ka).Counters.PollsCompleted }
	eventually(t, waitTimeout, "first Poll completed", func() bool { return polls() == 1 })
	for i, iv := range []time.Duration{50 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
		cfg := sessionConfig(addrA, addrB)
		cfg.DesiredMinTx, cfg.RequiredMinRx = iv, iv
		if err := p.a.Update(cfg); err != nil {
			t.Fatal(err)
		}
		want := uint64(i + 2)
		eventually(t, waitTimeout, "Poll completed", func() bool { return polls() == want })
		s := info(t, p.a, p.ka).Session
		if s.Polling || s.AdvertisedTx != iv || s.TxInterval != max(iv, fastInterval) || s.DetectionTime != 3*max(iv, fastInterval) {
			t.Errorf("after update to %v: %+v", iv, s)
		}
	}
	// Reapplying the same configuration is a no-op.
	cfg := sessionConfig(addrA, addrB)
	cfg.DesiredMinTx, cfg.RequiredMinRx = 30*time.Millisecond, 30*time.Millisecond
	if err := p.a.Update(cfg); err != nil {
		t.Fatal(err)
	}
	if info(t, p.a, p.ka).Session.Polling {
		t.Error("identical Update started a Poll")
	}
	noChange(t, p.evA, 100*time.Millisecond)
	noChange(t, p.evB, 0)
	if err := p.a.Update(sessionConfig(addrA, netip.MustParseAddr("192.0.2.99"))); !errors.Is(err, bfd.ErrNotFound) {
		t.Errorf("Update of an unknown key = %v", err)
	}
	bad := cfg
	bad.DetectMult = 0
	if err := p.a.Update(bad); err == nil {
		t.Error("Update accepted multiplier 0")
	}
}

// TestTTLOnPipe checks GTSM (RFC 5881 §5) end to end: a single-hop peer
// whose packets arrive with TTL 64 never comes Up, and each packet is
// counted as a "ttl" drop.
func TestTTLOnPipe(t *testing.T) {
	t.Parallel()
	p := newPair(t, nil)
	p.pipe.BtoA.SetFilter(bfdtest.SetTTL(64))
	eventually(t, waitTimeout, "ttl drops", func() bool { return info(t, p.a, p.ka).Counters.Drops["ttl"] >= 2 })
	if s := info(t, p.a, p.ka).Session; s.State != packet.StateDown || s.RemoteDiscr != 0 {
		t.Errorf("a heard b despite TTL 64: %+v", s)
	}
	if c := info(t, p.a, p.ka).Counters; c.PacketsIn != 0 {
		t.Errorf("PacketsIn = %d", c.PacketsIn)
	}
}

// TestDrops injects packets into a Manager and checks each drop counter.
func TestDrops(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	cfg := sessionConfig(addrA, addrB)
	disc, err := m.Add(cfg, discard{})
	if err != nil {
		t.Fatal(err)
	}
	mh := sessionConfig(addrA, netip.MustParseAddr("198.51.100.7"))
	mh.Multihop = true
	mhDisc, err := m.Add(mh, discard{})
	if err != nil {
		t.Fatal(err)
	}
	valid := peerPacket(t, packet.StateDown, 0xbeef, disc, fastInterval)
	with := func(meta func(*bfd.RxMeta)) bfd.RxMeta {
		r := rxFrom
		meta(&r)
		return r
	}
	// Up with Your Discriminator 0 cannot be encoded: patch a Down one.
	upZero := peerPacket(t, packet.StateDown, 0xbeef, 0, fastInterval)
	upZero[1] = byte(packet.StateUp) << 6
	withAuth := func() []byte {
		c := packet.Control{State: packet.StateDown, DetectMult: 3, MyDiscriminator: 0xbeef, YourDiscriminator: disc,
			DesiredMinTxInterval: 1000, RequiredMinRxInterval: 1000,
			Auth: packet.Auth{Type: packet.AuthSimplePassword, KeyID: 1, Password: []byte("x")}}
		b := make([]byte, packet.MaxLen)
		n, _ := c.Encode(b)
		return b[:n]
	}()
	tests := []struct {
		name string
		b    []byte
		meta bfd.RxMeta
		drop string // session drop counter, or
		stat string // Manager counter: "no_session" or a malformed reason
	}{
		{"ttl 64 single-hop", valid, with(func(r *bfd.RxMeta) { r.TTL = 64 }), "ttl", ""},
		{"ttl 254 single-hop", valid, with(func(r *bfd.RxMeta) { r.TTL = 254 }), "ttl", ""},
		{"wrong source", valid, with(func(r *bfd.RxMeta) { r.Src = netip.MustParseAddr("192.0.2.66") }), "source_address_mismatch", ""},
		{"multihop port", valid, with(func(r *bfd.RxMeta) { r.Multihop = true }), "wrong_port", ""},
		{"multihop ttl below minimum", peerPacket(t, packet.StateDown, 0xbeef, mhDisc, fastInterval),
			bfd.RxMeta{Src: mh.Peer, Dst: addrA, TTL: 253, Multihop: true}, "ttl", ""},
		{"unexpected auth", withAuth, rxFrom, "auth_unexpected", ""},
		{"unknown discriminator", peerPacket(t, packet.StateDown, 0xbeef, disc+1, fastInterval), rxFrom, "", "no_session"},
		{"unknown addresses", peerPacket(t, packet.StateDown, 0xbeef, 0, fastInterval),
			with(func(r *bfd.RxMeta) { r.Src = netip.MustParseAddr("192.0.2.66") }), "", "no_session"},
		{"too short", valid[:20], rxFrom, "", "too_short"},
		{"bad version", append([]byte{0x40}, valid[1:]...), rxFrom, "", "bad_version"},
		{"detect mult 0", append(append([]byte{}, valid[:2]...), append([]byte{0}, valid[3:]...)...), rxFrom, "", "detect_mult_zero"},
		{"up with your discriminator 0", upZero, rxFrom, "", "your_discriminator_zero"},
	}

	for _, tt := range tests {
		before, beforeStats := info(t, m, cfg.Key).Counters, m.Stats()
		beforeMH := info(t, m, mh.Key).Counters
		m.Receive(tt.b, tt.meta)
		after, afterStats := info(t, m, cfg.Key).Counters, m.Stats()
		afterMH := info(t, m, mh.Key).Counters
		switch {
		case tt.drop != "":
			d := after.Drops[tt.drop] - before.Drops[tt.drop] + afterMH.Drops[tt.drop] - beforeMH.Drops[tt.drop]
			if d != 1 {
				t.Errorf("%s: drops[%q] +%d, want +1 (%v)", tt.name, tt.drop, d, after.Drops)
			}
		case tt.stat == "no_session":
			if afterStats.NoSession != beforeStats.NoSession+1 {
				t.Errorf("%s: no_session %d → %d", tt.name, beforeStats.NoSession, afterStats.NoSession)
			}
		default:
			if afterStats.Malformed[tt.stat] != beforeStats.Malformed[tt.stat]+1 {
				t.Errorf("%s: malformed %v → %v, want +1 %q", tt.name, beforeStats.Malformed, afterStats.Malformed, tt.stat)
			}
		}
		if after.PacketsIn != before.PacketsIn || after.Transitions != before.Transitions {
			t.Errorf("%s: dropped packet counted as received: %+v", tt.name, after)
		}
	}
	c := info(t, m, cfg.Key).Counters
	if c.AuthFailures != 1 {
		t.Errorf("AuthFailures = %d, want 1", c.AuthFailures)
	}
	// And a valid packet is taken.
	m.Receive(valid, rxFrom)
	if c := info(t, m, cfg.Key).Counters; c.PacketsIn != 1 || c.Transitions != 1 {
		t.Errorf("valid packet: %+v", c)
	}
	if s := info(t, m, cfg.Key).Session; s.State != packet.StateInit {
		t.Errorf("state %v after a Down packet", s.State)
	}
}

// TestDemuxByAddress checks RFC 5880 §6.8.6: a packet with Your
// Discriminator 0 is matched by addresses, with or without an interface.
func TestDemuxByAddress(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	cfg := sessionConfig(addrA, addrB)
	cfg.IfIndex = 3
	if _, err := m.Add(cfg, discard{}); err != nil {
		t.Fatal(err)
	}
	v6 := sessionConfig(netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"))
	if _, err := m.Add(v6, discard{}); err != nil {
		t.Fatal(err)
	}
	down := peerPacket(t, packet.StateDown, 0xbeef, 0, fastInterval)
	m.Receive(down, bfd.RxMeta{Src: addrB, Dst: addrA, TTL: 255, IfIndex: 4})
	if got := m.Stats().NoSession; got != 1 {
		t.Errorf("wrong interface: no_session = %d, want 1", got)
	}
	m.Receive(down, bfd.RxMeta{Src: addrB, Dst: addrA, TTL: 255, IfIndex: 3})
	if s := info(t, m, cfg.Key).Session; s.State != packet.StateInit {
		t.Errorf("right interface: %v", s.State)
	}
	m.Receive(down, bfd.RxMeta{Src: v6.Peer, Dst: v6.Local, TTL: 255, IfIndex: 9})
	if s := info(t, m, v6.Key).Session; s.State != packet.StateInit {
		t.Errorf("IPv6, any interface: %v", s.State)
	}
}

// TestAddErrors checks the errors of Add, Update, Remove and Close.
func TestAddErrors(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	cfg := sessionConfig(addrA, addrB)
	if _, err := m.Add(cfg, discard{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Add(cfg, discard{}); !errors.Is(err, bfd.ErrExists) {
		t.Errorf("duplicate Add = %v, want ErrExists", err)
	}
	mapped := cfg
	mapped.Peer = netip.AddrFrom16(addrB.As16())
	if _, err := m.Add(mapped, discard{}); !errors.Is(err, bfd.ErrExists) {
		t.Errorf("duplicate Add with a v4-mapped peer = %v, want ErrExists", err)
	}
	mh := cfg
	mh.Multihop = true
	if _, err := m.Add(mh, discard{}); err != nil {
		t.Errorf("multihop session beside a single-hop one: %v", err)
	}
	for _, bad := range []func(*bfd.SessionConfig){
		func(c *bfd.SessionConfig) { c.Local = netip.Addr{} },
		func(c *bfd.SessionConfig) { c.Peer = netip.MustParseAddr("2001:db8::1") },
		func(c *bfd.SessionConfig) { c.DesiredMinTx = 0 },
		func(c *bfd.SessionConfig) { c.Auth = &session.Auth{Type: packet.AuthKeyedSHA1} },
	} {
		c := sessionConfig(addrA, netip.MustParseAddr("192.0.2.50"))
		bad(&c)
		if _, err := m.Add(c, discard{}); err == nil {
			t.Errorf("Add accepted %+v", c)
		}
	}
	if n := len(m.Sessions()); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
	ch, cancel := m.Subscribe()
	defer cancel()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if n := len(m.Sessions()); n != 0 {
		t.Errorf("%d sessions after Close", n)
	}
	if _, err := m.Add(cfg, discard{}); !errors.Is(err, bfd.ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := m.Remove(cfg.Key); !errors.Is(err, bfd.ErrNotFound) {
		t.Errorf("Remove after Close = %v", err)
	}
	// Close ends subscriptions after delivering the AdminDown changes.
	var n int
	for ev := range ch {
		if ev.To != packet.StateAdminDown {
			t.Errorf("change on Close: %+v", ev)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d changes on Close, want 2", n)
	}
	m.Receive(peerPacket(t, packet.StateDown, 1, 0, fastInterval), rxFrom) // no panic
}

// closerSender records whether the Manager closed it.
type closerSender struct {
	discard
	closed chan struct{}
}

func (c *closerSender) Close() error { close(c.closed); return nil }

// TestRemoveClosesSender checks that a Sender that is an io.Closer is
// closed with its session, after the AdminDown packets.
func TestRemoveClosesSender(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	tx := &closerSender{closed: make(chan struct{})}
	cfg := sessionConfig(addrA, addrB)
	if _, err := m.Add(cfg, tx); err != nil {
		t.Fatal(err)
	}
	if err := m.Remove(cfg.Key); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tx.closed:
	default:
		t.Error("Sender not closed by Remove")
	}
}

// sendErr is a Sender that always fails.
type sendErr struct{}

func (sendErr) Send([]byte) error { return errors.New("no route") }

func TestSendErrorsCounted(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	cfg := sessionConfig(addrA, addrB)
	if _, err := m.Add(cfg, sendErr{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitTimeout, "send error counted", func() bool { return info(t, m, cfg.Key).Counters.SendErrors > 0 })
	if c := info(t, m, cfg.Key).Counters; c.PacketsOut != 0 {
		t.Errorf("PacketsOut = %d with a failing Sender", c.PacketsOut)
	}
}

// TestPassivePair checks the passive role through the Manager: a passive
// session is silent until its peer speaks, then comes Up.
func TestPassivePair(t *testing.T) {
	t.Parallel()
	p := newPair(t, func(a, b *bfd.SessionConfig) { a.Passive, b.Passive = true, true })
	noChange(t, p.evA, 1500*time.Millisecond)
	if sent, _, _ := p.pipe.AtoB.Stats(); sent != 0 {
		t.Fatalf("passive side sent %d packets", sent)
	}
	cfg := sessionConfig(addrB, addrA)
	if err := p.b.Update(cfg); err != nil { // b turns active
		t.Fatal(err)
	}
	p.up(t)
}

// TestAuthPair brings a pair Up with each authentication type, and checks
// that a key mismatch keeps it Down with the failures counted.
func TestAuthPair(t *testing.T) {
	t.Parallel()
	for _, typ := range []packet.AuthType{packet.AuthSimplePassword, packet.AuthKeyedMD5,
		packet.AuthMeticulousKeyedMD5, packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1} {
		t.Run(typ.String(), func(t *testing.T) {
			t.Parallel()
			p := newPair(t, func(a, b *bfd.SessionConfig) {
				a.Auth = &session.Auth{Type: typ, KeyID: 1, Secret: []byte("k1")}
				b.Auth = &session.Auth{Type: typ, KeyID: 1, Secret: []byte("k1")}
			})
			p.up(t)
			eventually(t, waitTimeout, "Poll completed", func() bool {
				return info(t, p.a, p.ka).Counters.PollsCompleted == 1
			})
			noChange(t, p.evA, 10*fastInterval)
			if c := info(t, p.a, p.ka).Counters; c.AuthFailures != 0 {
				t.Errorf("auth failures %+v", c)
			}
			// b changes its secret: a drops b's packets and goes Down.
			cb := sessionConfig(addrB, addrA)
			cb.Auth = &session.Auth{Type: typ, KeyID: 1, Secret: []byte("k2")}
			if err := p.b.Update(cb); err != nil {
				t.Fatal(err)
			}
			if ev := waitState(t, p.evA, p.ka, packet.StateDown, waitTimeout); ev.Diag != packet.DiagControlDetectionTimeExpired {
				t.Errorf("a: %+v", ev)
			}
			if c := info(t, p.a, p.ka).Counters; c.AuthFailures == 0 || c.Drops["auth_digest_mismatch"] == 0 {
				t.Errorf("a counters %+v", c)
			}
		})
	}
}

// TestWrongInterfaceDropped: a session bound to an interface (in the edge,
// a path: its index) takes no packet that arrived elsewhere, even one
// that names it by discriminator.
func TestWrongInterfaceDropped(t *testing.T) {
	t.Parallel()
	m := bfd.NewManager(nil)
	defer m.Close()
	cfg := sessionConfig(addrA, addrB)
	cfg.IfIndex = 7
	disc, err := m.Add(cfg, discard{})
	if err != nil {
		t.Fatal(err)
	}
	pkt := peerPacket(t, packet.StateDown, 0xbeef, disc, fastInterval)
	m.Receive(pkt, bfd.RxMeta{Src: addrB, Dst: addrA, TTL: -1, IfIndex: 8})
	if c := info(t, m, cfg.Key).Counters; c.Drops["wrong_interface"] != 1 || c.PacketsIn != 0 {
		t.Errorf("other interface: %+v", c)
	}
	m.Receive(pkt, bfd.RxMeta{Src: addrB, Dst: addrA, TTL: -1, IfIndex: 7})
	if c := info(t, m, cfg.Key).Counters; c.PacketsIn != 1 || c.Transitions != 1 {
		t.Errorf("its interface: %+v", c)
	}
}

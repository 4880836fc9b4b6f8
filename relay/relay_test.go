package relay

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/patronus-sdwan/patronus/relay/wire"
)

var testKey = bytes.Repeat([]byte{7}, wire.KeyLen)

// rig is a relay serving on loopback and two edges' sockets.
type rig struct {
	s    *Server
	addr netip.AddrPort
	a, b *net.UDPConn
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = testKey
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := udp(t)
	done := make(chan error, 1)
	go func() { done <- s.Serve(c) }()
	t.Cleanup(func() {
		c.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &rig{s: s, addr: c.LocalAddr().(*net.UDPAddr).AddrPort(), a: udp(t), b: udp(t)}
}

func udp(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// register sends a registration of side for session from c, MACed with
// the token key issues (or tok when given).
func (r *rig) register(t *testing.T, c *net.UDPConn, session uint64, side uint8, site string, at time.Time, key []byte) {
	t.Helper()
	msg, err := wire.AppendRegister(nil, wire.Register{Session: session, Side: side, Site: site, Time: at}, wire.Token(key, session, side, site))
	if err != nil {
		t.Fatal(err)
	}
	r.send(t, c, msg)
}

func (r *rig) send(t *testing.T, c *net.UDPConn, msg []byte) {
	t.Helper()
	if _, err := c.WriteToUDPAddrPort(msg, r.addr); err != nil {
		t.Fatal(err)
	}
}

// data is a Data message of session carrying a WireGuard transport
// message with payload p.
func data(session uint64, p string) []byte {
	b := make([]byte, wire.DataHeaderLen, wire.DataHeaderLen+4+len(p))
	wire.PutDataHeader(b, session)
	return append(append(b, 4, 0, 0, 0), p...)
}

// recv reads one datagram from c, or fails after a second.
func recv(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("nothing forwarded: %v", err)
	}
	return buf[:n]
}

// nothing checks that c receives nothing for 100 ms.
func nothing(t *testing.T, c *net.UDPConn) {
	t.Helper()
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(buf); err == nil {
		t.Fatalf("received %x, want nothing", buf[:n])
	}
}

// waitFor waits until the counter reaches want.
func waitFor(t *testing.T, c prometheus.Collector, want float64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for testutil.ToFloat64(c) < want && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if got := testutil.ToFloat64(c); got != want {
		t.Fatalf("counter %v, want %v", got, want)
	}
}

const sess = 0x1122334455667788

// bound is a rig with both sides of sess registered.
func bound(t *testing.T, cfg Config) *rig {
	r := newRig(t, cfg)
	now := time.Now()
	r.register(t, r.a, sess, 0, "alpha", now, testKey)
	r.register(t, r.b, sess, 1, "beta", now, testKey)
	waitFor(t, r.s.m.registrations.WithLabelValues(resultOK), 2)
	return r
}

// TestForwardBothWays: once both sides registered, a Data message from
// one reaches the other unchanged, both ways, and is counted.
func TestForwardBothWays(t *testing.T) {
	r := bound(t, Config{})
	for i, dir := range [][2]*net.UDPConn{{r.a, r.b}, {r.b, r.a}} {
		msg := data(sess, "ciphertext")
		r.send(t, dir[0], msg)
		if got := recv(t, dir[1]); !bytes.Equal(got, msg) {
			t.Fatalf("direction %d: forwarded %x, want %x", i, got, msg)
		}
	}
	waitFor(t, r.s.m.packets, 2)
	waitFor(t, r.s.m.bytes, float64(2*len(data(sess, "ciphertext"))))
	if g := testutil.ToFloat64(r.s.m.sessions); g != 1 {
		t.Errorf("sessions gauge %v, want 1", g)
	}
}

// TestForgedTokenRefused: a registration MACed with a token of another
// key is refused and counted, and binds nothing: the other side's data
// is not sent to the forger.
func TestForgedTokenRefused(t *testing.T) {
	r := newRig(t, Config{})
	r.register(t, r.a, sess, 0, "alpha", time.Now(), testKey)
	forger := udp(t)
	r.register(t, forger, sess, 1, "beta", time.Now(), bytes.Repeat([]byte{8}, wire.KeyLen))
	waitFor(t, r.s.m.registrations.WithLabelValues(resultBadMAC), 1)
	r.send(t, r.a, data(sess, "x"))
	waitFor(t, r.s.m.drops.WithLabelValues(reasonPeerUnbound), 1)
	nothing(t, forger)
}

// TestTokenBoundToSideAndSite: a genuine token used for the other side,
// or with another site name, does not verify.
func TestTokenBoundToSideAndSite(t *testing.T) {
	tok := wire.Token(testKey, sess, 0, "alpha")
	for _, reg := range []wire.Register{{Session: sess, Side: 1, Site: "alpha"}, {Session: sess, Side: 0, Site: "beta"}, {Session: sess + 1, Side: 0, Site: "alpha"}} {
		reg.Time = time.Now()
		msg, err := wire.AppendRegister(nil, reg, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wire.VerifyRegister(msg, testKey); err != wire.ErrBadMAC {
			t.Errorf("%+v with alpha's side 0 token: %v, want ErrBadMAC", reg, err)
		}
	}
}

// TestStrangersNotForwarded: data from an address bound to no side, for
// a session nobody registered, or not shaped like WireGuard is dropped
// and counted by reason.
func TestStrangersNotForwarded(t *testing.T) {
	r := bound(t, Config{})
	stranger := udp(t)
	r.send(t, stranger, data(sess, "inject"))
	waitFor(t, r.s.m.drops.WithLabelValues(reasonUnknownSource), 1)
	r.send(t, r.a, data(sess+1, "x"))
	waitFor(t, r.s.m.drops.WithLabelValues(reasonNoSession), 1)
	plain := data(sess, "x")
	plain[wire.DataHeaderLen] = 'G'
	r.send(t, r.a, plain)
	waitFor(t, r.s.m.drops.WithLabelValues(reasonNotWireGuard), 1)
	r.send(t, r.a, []byte{0x99, 1, 2})
	r.send(t, r.a, []byte{wire.TypeData, 1})
	waitFor(t, r.s.m.drops.WithLabelValues(reasonMalformed), 2)
	nothing(t, r.b)
}

// TestReplayAndStale: a registration not later than the side's last,
// or far from the relay's clock, is refused; the side stays where it
// was.
func TestReplayAndStale(t *testing.T) {
	r := bound(t, Config{})
	at := time.Now()
	r.register(t, r.b, sess, 1, "beta", at.Add(-time.Second), testKey)
	waitFor(t, r.s.m.registrations.WithLabelValues(resultReplay), 1)
	r.register(t, r.b, sess, 1, "beta", at.Add(time.Hour), testKey)
	waitFor(t, r.s.m.registrations.WithLabelValues(resultStale), 1)
	msg := data(sess, "still b")
	r.send(t, r.a, msg)
	if got := recv(t, r.b); !bytes.Equal(got, msg) {
		t.Fatalf("forwarded %x", got)
	}
}

// TestSideMoves: a later registration from a new address (the edge's
// NAT mapping changed) moves the side there.
func TestSideMoves(t *testing.T) {
	r := bound(t, Config{})
	moved := udp(t)
	r.register(t, moved, sess, 1, "beta", time.Now().Add(time.Millisecond), testKey)
	waitFor(t, r.s.m.registrations.WithLabelValues(resultOK), 3)
	msg := data(sess, "to the new address")
	r.send(t, r.a, msg)
	if got := recv(t, moved); !bytes.Equal(got, msg) {
		t.Fatalf("forwarded %x", got)
	}
	nothing(t, r.b)
}

// TestBounds: sessions per site and in all are bounded; a side sending
// faster than Rate has the excess dropped.
func TestBounds(t *testing.T) {
	r := newRig(t, Config{MaxPerSite: 2, MaxSessions: 3})
	now := time.Now()
	for i := range 3 {
		r.register(t, r.a, uint64(i), 0, "alpha", now, testKey)
	}
	waitFor(t, r.s.m.registrations.WithLabelValues(resultLimit), 1)
	r.register(t, r.b, 10, 0, "beta", now, testKey)
	r.register(t, r.b, 11, 0, "gamma", now, testKey)
	waitFor(t, r.s.m.registrations.WithLabelValues(resultLimit), 2)
	waitFor(t, r.s.m.sessions, 3)

	r2 := bound(t, Config{Rate: 1})
	big := data(sess, string(make([]byte, 1000)))
	for range 100 {
		r2.send(t, r2.a, big)
		time.Sleep(100 * time.Microsecond) // no overflow of the relay's socket buffer
	}
	waitFor(t, r2.s.m.drops.WithLabelValues(reasonRate), float64(100-minBurst/len(big)))
	if got := testutil.ToFloat64(r2.s.m.packets); got != float64(minBurst/len(big)) {
		t.Errorf("forwarded %v within the burst, want %d", got, minBurst/len(big))
	}
}

// TestIdleForgotten: a session nothing came for is forgotten at the next
// sweep, and its sites' counts go back.
func TestIdleForgotten(t *testing.T) {
	clock := time.Now()
	s, err := New(Config{Key: testKey, Idle: time.Minute, MaxPerSite: 1, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	reg := func(id uint64, at time.Time) {
		msg, _ := wire.AppendRegister(nil, wire.Register{Session: id, Site: "alpha", Time: at}, wire.Token(testKey, id, 0, "alpha"))
		s.register(msg, netip.MustParseAddrPort("192.0.2.1:1"), at)
	}
	reg(1, clock)
	reg(2, clock)
	if got := testutil.ToFloat64(s.m.registrations.WithLabelValues(resultLimit)); got != 1 {
		t.Fatalf("second session of a site with MaxPerSite 1: limit count %v, want 1", got)
	}
	clock = clock.Add(2 * time.Minute)
	s.sweep(clock)
	if len(s.sessions) != 0 || len(s.perSite) != 0 {
		t.Fatalf("after Idle: %d sessions, per site %v", len(s.sessions), s.perSite)
	}
	reg(2, clock)
	if len(s.sessions) != 1 {
		t.Fatal("a new session after the old one was forgotten was refused")
	}
}

// TestConfigRefused: a short key or a negative bound is refused by name.
func TestConfigRefused(t *testing.T) {
	for _, c := range []Config{{Key: []byte("short")}, {Key: testKey, MaxPerSite: -1}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

// TestForwardIPv6: a relay on an IPv6 socket forwards between IPv6 ends.
func TestForwardIPv6(t *testing.T) {
	s, err := New(Config{Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	udp6 := func() *net.UDPConn {
		c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := udp6()
	done := make(chan error, 1)
	go func() { done <- s.Serve(c) }()
	t.Cleanup(func() { c.Close(); <-done })
	r := &rig{s: s, addr: c.LocalAddr().(*net.UDPAddr).AddrPort(), a: udp6(), b: udp6()}
	now := time.Now()
	r.register(t, r.a, sess, 0, "alpha", now, testKey)
	r.register(t, r.b, sess, 1, "beta", now, testKey)
	waitFor(t, s.m.registrations.WithLabelValues(resultOK), 2)
	msg := data(sess, "over IPv6")
	r.send(t, r.a, msg)
	if got := recv(t, r.b); !bytes.Equal(got, msg) {
		t.Fatalf("forwarded %x", got)
	}
}

package wgbind

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun/tuntest"

	"github.com/patronus-sdwan/patronus/relay"
	"github.com/patronus-sdwan/patronus/relay/wire"
)

var relayKey = bytes.Repeat([]byte{3}, wire.KeyLen)

var fastTimers = RelayTimers{DirectTimeout: 300 * time.Millisecond, ProbeEvery: 50 * time.Millisecond, RegisterEvery: 100 * time.Millisecond}

// startRelay serves a relay on 127.0.0.5 and returns its address and
// metrics registry.
func startRelay(t testing.TB) (netip.AddrPort, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := relay.New(relay.Config{Key: relayKey, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 5)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(c) }()
	t.Cleanup(func() { c.Close(); <-done })
	return c.LocalAddr().(*net.UDPAddr).AddrPort(), reg
}

// relayOf is site's side of the session between ends a and b.
func relayOf(addr netip.AddrPort, self, other wire.End) Relay {
	s, side := wire.Session(relayKey, self, other)
	return Relay{Addr: addr, Session: s, Side: side, Site: self.Site, Token: wire.Token(relayKey, s, side, self.Site), Timers: fastTimers}
}

// blackhole is an address whose socket never reads: a direct way that
// does not work.
func blackhole(t testing.TB, ip string) netip.AddrPort {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// relayedPair is two sites' WireGuard devices on one path with a relay;
// remoteA and remoteB are the direct endpoints each side is given.
func relayedPair(t *testing.T, relayAddr netip.AddrPort, a1, b1 *Link, remoteA, remoteB netip.AddrPort) (pa, pb *Path, ta, tb *tuntest.ChannelTUN) {
	t.Helper()
	ea, eb := wire.End{Site: "alpha", Link: "inet"}, wire.End{Site: "beta", Link: "inet"}
	pa, err := a1.RelayedPath(remoteA, relayOf(relayAddr, ea, eb))
	if err != nil {
		t.Fatal(err)
	}
	pb, err = b1.RelayedPath(remoteB, relayOf(relayAddr, eb, ea))
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := newSite(t), newSite(t)
	wgEndpoint := func(p netip.AddrPort) netip.AddrPort {
		if p.IsValid() {
			return p
		}
		return relayAddr // a path with no endpoint: any address, Send takes the relay
	}
	ta = startDevice(t, sa, sb, pa, wgEndpoint(remoteA), "10.2.0.0/16")
	tb = startDevice(t, sb, sa, pb, wgEndpoint(remoteB), "10.1.0.0/16")
	return pa, pb, ta, tb
}

func pingBothWays(t *testing.T, ta, tb *tuntest.ChannelTUN, round int) {
	t.Helper()
	p := tuntest.Ping(netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1"))
	ta.Outbound <- p
	expect(t, fmt.Sprintf("a to b, round %d", round), tb.Inbound, p)
	back := tuntest.Ping(netip.MustParseAddr("10.1.0.1"), netip.MustParseAddr("10.2.0.1"))
	tb.Outbound <- back
	expect(t, fmt.Sprintf("b to a, round %d", round), ta.Inbound, back)
}

func waitTransport(t *testing.T, want string, paths ...*Path) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range paths {
		for p.Transport() != want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := p.Transport(); got != want {
			t.Fatalf("transport %s, want %s", got, want)
		}
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestRelayedWhenDirectFails: both sides' direct ways lead nowhere; after
// DirectTimeout each path takes the relay, and a WireGuard session comes
// up and carries packets both ways through it. The relay forwarded
// WireGuard messages only.
func TestRelayedWhenDirectFails(t *testing.T) {
	relayAddr, reg := startRelay(t)
	a1, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.3:0")
	pa, pb, ta, tb := relayedPair(t, relayAddr, a1, b1, blackhole(t, "127.0.0.7"), blackhole(t, "127.0.0.8"))
	if pa.Transport() != TransportDirect {
		t.Fatalf("a path with an endpoint starts %s, want direct", pa.Transport())
	}
	waitTransport(t, TransportRelayed, pa, pb)
	for i := range 3 {
		pingBothWays(t, ta, tb, i)
	}
	if n := counter(t, reg, "patronus_relay_forwarded_packets_total", ""); n < 6 {
		t.Errorf("relay forwarded %v datagrams, want the handshake and 6 pings at least", n)
	}
	if n := counter(t, reg, "patronus_relay_dropped_packets_total", "not_wireguard"); n != 0 {
		t.Errorf("relay was sent %v datagrams that are not WireGuard", n)
	}
}

// TestRelayedWithoutEndpoint: a path whose peer link has no endpoint is
// relayed from the start.
func TestRelayedWithoutEndpoint(t *testing.T) {
	relayAddr, _ := startRelay(t)
	a1, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.3:0")
	pa, pb, ta, tb := relayedPair(t, relayAddr, a1, b1, netip.AddrPort{}, netip.AddrPort{})
	if pa.Transport() != TransportRelayed || pb.Transport() != TransportRelayed {
		t.Fatalf("transports %s, %s; want relayed", pa.Transport(), pb.Transport())
	}
	pingBothWays(t, ta, tb, 0)
}

// TestBackToDirect: relayed paths whose direct way works (the block
// lifted) find it by probing and switch to it, and the WireGuard
// session carries on across the switch.
func TestBackToDirect(t *testing.T) {
	relayAddr, _ := startRelay(t)
	a1, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.3:0")
	pa, pb, ta, tb := relayedPair(t, relayAddr, a1, b1, endpoint(b1, "127.0.0.3"), endpoint(a1, "127.0.0.1"))
	pa.relay.viaRelay.Store(true)
	pb.relay.viaRelay.Store(true)
	pingBothWays(t, ta, tb, 0)
	waitTransport(t, TransportDirect, pa, pb)
	pingBothWays(t, ta, tb, 1)
	if pa.TransportSwitches() == 0 {
		t.Error("no switch counted")
	}
}

// TestRelayedDataFromStrangerDropped: a Data message for a path's
// session from an address that is not its relay is dropped and counted.
func TestRelayedDataFromStrangerDropped(t *testing.T) {
	relayAddr, _ := startRelay(t)
	a1 := listen(t, "127.0.0.1:0")
	p, err := a1.RelayedPath(netip.AddrPort{}, relayOf(relayAddr, wire.End{Site: "alpha", Link: "x"}, wire.End{Site: "beta", Link: "y"}))
	if err != nil {
		t.Fatal(err)
	}
	fns, _, err := p.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	go func() { // the receive function reads the socket for the link
		bufs, sizes, eps := [][]byte{make([]byte, 2048)}, make([]int, 1), make([]conn.Endpoint, 1)
		for {
			if _, err := fns[0](bufs, sizes, eps); err != nil {
				return
			}
		}
	}()
	stray, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 4)}, net.UDPAddrFromAddrPort(endpoint(a1, "127.0.0.1")))
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()
	msg := make([]byte, wire.DataHeaderLen, 100)
	wire.PutDataHeader(msg, p.relay.cfg.Session)
	msg = append(msg, 4, 0, 0, 0, 1, 2, 3)
	if _, err := stray.Write(msg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for a1.stats.DropNoPath.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if a1.stats.DropNoPath.Load() != 1 {
		t.Fatalf("Data from a stranger: %d dropped, want 1", a1.stats.DropNoPath.Load())
	}
}

// BenchmarkTimeToFirstPacket: from two new WireGuard devices to the first
// packet delivered, on loopback with the default timers: direct; direct
// blocked (the path finds the relay after DirectTimeout, and WireGuard
// retries its handshake); and without endpoints (relayed from the start).
// Run with -benchtime=1x (docs/BENCHMARKS.md).
func BenchmarkTimeToFirstPacket(b *testing.B) {
	for _, mode := range []string{"direct", "blocked", "relay-only"} {
		b.Run(mode, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				total += firstPacket(b, mode)
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first-packet")
		})
	}
}

func firstPacket(b *testing.B, mode string) time.Duration {
	relayAddr, _ := startRelay(b)
	a1, b1 := listen(b, "127.0.0.1:0"), listen(b, "127.0.0.3:0")
	var ra, rb netip.AddrPort
	switch mode {
	case "direct":
		ra, rb = endpoint(b1, "127.0.0.3"), endpoint(a1, "127.0.0.1")
	case "blocked":
		ra, rb = blackhole(b, "127.0.0.7"), blackhole(b, "127.0.0.8")
	}
	ea, eb := wire.End{Site: "alpha", Link: "inet"}, wire.End{Site: "beta", Link: "inet"}
	rA, rB := relayOf(relayAddr, ea, eb), relayOf(relayAddr, eb, ea)
	rA.Timers, rB.Timers = RelayTimers{}, RelayTimers{}
	start := time.Now()
	pa, err := a1.RelayedPath(ra, rA)
	if err != nil {
		b.Fatal(err)
	}
	pb, err := b1.RelayedPath(rb, rB)
	if err != nil {
		b.Fatal(err)
	}
	wgEP := func(p netip.AddrPort) netip.AddrPort {
		if p.IsValid() {
			return p
		}
		return relayAddr
	}
	sa, sb := newSite(b), newSite(b)
	ta := startDevice(b, sa, sb, pa, wgEP(ra), "10.2.0.0/16")
	tb := startDevice(b, sb, sa, pb, wgEP(rb), "10.1.0.0/16")
	p := tuntest.Ping(netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1"))
	ta.Outbound <- p
	select {
	case <-tb.Inbound:
	case <-time.After(30 * time.Second):
		b.Fatalf("%s: no packet within 30 s", mode)
	}
	return time.Since(start)
}

// oneWay is a userspace wire between two links that forwards only from
// b to a: a sends to aSide, b to bSide; what reaches a seems to come from
// aSide, what would reach b from bSide.
type oneWay struct{ aSide, bSide *net.UDPConn }

func newOneWay(t *testing.T, a netip.AddrPort) *oneWay {
	t.Helper()
	w := &oneWay{aSide: udpOn(t, "127.0.0.7"), bSide: udpOn(t, "127.0.0.8")}
	go func() { // b -> a: forwarded
		buf := make([]byte, 65535)
		for {
			n, err := w.bSide.Read(buf)
			if err != nil {
				return
			}
			_, _ = w.aSide.WriteToUDPAddrPort(buf[:n], a)
		}
	}()
	go func() { // a -> b: dropped
		buf := make([]byte, 65535)
		for {
			if _, err := w.aSide.Read(buf); err != nil {
				return
			}
		}
	}()
	return w
}

func udpOn(t *testing.T, ip string) *net.UDPConn {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestOneWayBlockGoesRelayed: the direct way works from b to a but not
// from a to b. b's probes reach a, but only an echo of a's own probes
// proves a's way: both ends end relayed, and packets cross both ways.
func TestOneWayBlockGoesRelayed(t *testing.T) {
	relayAddr, _ := startRelay(t)
	a1, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.3:0")
	w := newOneWay(t, endpoint(a1, "127.0.0.1"))
	pa, pb, ta, tb := relayedPair(t, relayAddr, a1, b1, addrOf(w.aSide), addrOf(w.bSide))
	waitTransport(t, TransportRelayed, pa, pb)
	pingBothWays(t, ta, tb, 0)
	time.Sleep(3 * fastTimers.DirectTimeout)
	if pa.Transport() != TransportRelayed || pb.Transport() != TransportRelayed {
		t.Fatalf("one way blocked: a %s, b %s; want both relayed", pa.Transport(), pb.Transport())
	}
	pingBothWays(t, ta, tb, 1)
}

// TestRelayedPathRelease: a relayed path is released like any other (the
// edge does so when a peer's configuration changes), twice without harm,
// and its session and endpoint are free again.
func TestRelayedPathRelease(t *testing.T) {
	relayAddr, _ := startRelay(t)
	a1 := listen(t, "127.0.0.1:0")
	remote := netip.MustParseAddrPort("127.0.0.1:9")
	r := relayOf(relayAddr, wire.End{Site: "alpha", Link: "x"}, wire.End{Site: "beta", Link: "y"})
	p, err := a1.RelayedPath(remote, r)
	if err != nil {
		t.Fatal(err)
	}
	a1.Release(p)
	a1.Release(p)
	select {
	case <-p.released:
	default:
		t.Fatal("released not closed")
	}
	if _, err := a1.RelayedPath(remote, r); err != nil {
		t.Fatalf("the same session and endpoint after the release: %v", err)
	}
}

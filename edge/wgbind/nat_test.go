package wgbind

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/internal/stun"
)

func stunResponder(t *testing.T) netip.AddrPort {
	t.Helper()
	cfg := stun.Config{Listen: netip.MustParseAddrPort("127.0.0.9:0"), Alternate: netip.MustParseAddrPort("127.0.0.9:0")}
	for _, p := range []*netip.AddrPort{&cfg.Listen, &cfg.Alternate} {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(*p))
		if err != nil {
			t.Fatal(err)
		}
		*p = c.LocalAddr().(*net.UDPAddr).AddrPort()
		c.Close()
	}
	s, err := stun.Listen(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return cfg.Listen
}

// drain runs a path's receive function as WireGuard would, until the
// path closes; what it returns goes to the channel.
func drain(t *testing.T, p *Path) chan []byte {
	t.Helper()
	fns, _, err := p.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan []byte, 64)
	go func() {
		bufs, sizes, eps := [][]byte{make([]byte, 2000)}, make([]int, 1), make([]conn.Endpoint, 1)
		for {
			n, err := fns[0](bufs, sizes, eps)
			if err != nil {
				return
			}
			for i := range n {
				select {
				case out <- bytes.Clone(bufs[i][:sizes[i]]):
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { p.Close() })
	return out
}

// TestSTUNOnTheLinkSocket: discovery learns the link socket's own
// endpoint through the link, with no path reading the socket (ReadSTUN
// reads) and with one (the path's reader hands STUN over); WireGuard's
// datagrams still reach the path.
func TestSTUNOnTheLinkSocket(t *testing.T) {
	srv := stunResponder(t)
	l := listen(t, "127.0.0.1:0")
	want := endpoint(l, "127.0.0.1")
	check := func(when string) {
		got, err := natdisc.Mapped(context.Background(), l, srv, natdisc.Config{RTO: 200 * time.Millisecond})
		if err != nil || got != want {
			t.Fatalf("%s: mapped %v (%v), want %v", when, got, err, want)
		}
	}
	check("no path")
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	p, err := l.Path(peer.LocalAddr().(*net.UDPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, p)
	check("a path reading")
	data := append([]byte{4, 0, 0, 0}, make([]byte, 28)...)
	if _, err := peer.WriteToUDPAddrPort(data, want); err != nil {
		t.Fatal(err)
	}
	expect(t, "wireguard data after stun", got, data)
}

// TestPunchSendsHeldInitiationAgain: a punching path sends punches until
// it hears from its remote; the handshake initiation it sent before is
// sent again the moment it does (the remote's NAT dropped the first),
// and the remote's punch never reaches WireGuard.
func TestPunchSendsHeldInitiationAgain(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	remote, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	p, err := l.Path(remote.LocalAddr().(*net.UDPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, p)
	p.Punch(10*time.Millisecond, 5*time.Second)
	init := append([]byte{1, 0, 0, 0}, bytes.Repeat([]byte{7}, wgInitiationSize-4)...)
	if err := p.Send([][]byte{init}, p.ep); err != nil {
		t.Fatal(err)
	}
	read := func() []byte {
		buf := make([]byte, 2000)
		_ = remote.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := remote.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		return buf[:n]
	}
	punches, inits := 0, 0
	for inits == 0 || punches < 3 {
		switch b := read(); {
		case bytes.Equal(b, punchMsg):
			punches++
		case bytes.Equal(b, init):
			inits++
		}
	}
	if p.Heard() {
		t.Fatal("heard before the remote sent anything")
	}
	if _, err := remote.WriteToUDPAddrPort(punchMsg, endpoint(l, "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	for !bytes.Equal(read(), init) {
	}
	if !p.Heard() || l.stats.Reinitiations.Load() != 1 {
		t.Fatalf("heard %v, initiations sent again %d", p.Heard(), l.stats.Reinitiations.Load())
	}
	select {
	case b := <-got:
		t.Fatalf("a punch reached WireGuard: %x", b)
	case <-time.After(100 * time.Millisecond):
	}
	// Punching stopped: at most one punch was in flight.
	time.Sleep(50 * time.Millisecond)
	_ = remote.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	n := 0
	for {
		if _, _, err := remote.ReadFromUDPAddrPort(make([]byte, 2000)); err != nil {
			break
		}
		n++
	}
	if n > 1 {
		t.Errorf("%d punches after the remote was heard", n)
	}
}

// TestPunchAtWaits: a path told to punch at a time sends nothing before
// it and starts then.
func TestPunchAtWaits(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	remote := udpOn(t, "127.0.0.2")
	p, err := l.Path(addrOf(remote))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.PunchAt(start.Add(300*time.Millisecond), 20*time.Millisecond, time.Second)
	buf := make([]byte, 100)
	_ = remote.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := remote.ReadFromUDPAddrPort(buf)
	if err != nil || !bytes.Equal(buf[:n], punchMsg) {
		t.Fatalf("no punch: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("first punch %v after PunchAt, want at 300 ms or later", d)
	}
}

package wgbind

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// udpNAT is a userspace NAT in front of one inside endpoint: what the
// inside sends to the NAT's inside socket leaves from its outside socket
// towards one remote, and what the remote sends to the outside socket
// goes to the inside. rebind moves the outside socket to a new port, as
// a NAT that forgot its mapping.
type udpNAT struct {
	t      *testing.T
	in     *net.UDPConn
	inside netip.AddrPort // where replies go
	remote netip.AddrPort

	mu  sync.Mutex
	out *net.UDPConn // guarded by mu
}

func newUDPNAT(t *testing.T, inside, remote netip.AddrPort) *udpNAT {
	n := &udpNAT{t: t, in: udpOn(t, "127.0.0.3"), inside: inside, remote: remote}
	n.rebind()
	go func() {
		buf := make([]byte, 2000)
		for {
			k, _, err := n.in.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			out := n.out
			n.mu.Unlock()
			_, _ = out.WriteToUDPAddrPort(buf[:k], n.remote)
		}
	}()
	return n
}

// rebind opens a new outside socket; the old one is closed.
func (n *udpNAT) rebind() {
	out := udpOn(n.t, "127.0.0.4")
	n.mu.Lock()
	old := n.out
	n.out = out
	n.mu.Unlock()
	if old != nil {
		old.Close()
	}
	go func() {
		buf := make([]byte, 2000)
		for {
			k, _, err := out.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = n.in.WriteToUDPAddrPort(buf[:k], n.inside)
		}
	}()
}

func (n *udpNAT) outside() netip.AddrPort {
	n.mu.Lock()
	defer n.mu.Unlock()
	return addrOf(n.out)
}

// handshakeTime is a device's last handshake with its peer, as UAPI
// reports it.
func handshakeTime(t *testing.T, dev *device.Device) string {
	t.Helper()
	cfg, err := dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	var sec, nsec string
	for _, l := range strings.Split(cfg, "\n") {
		if v, ok := strings.CutPrefix(l, "last_handshake_time_sec="); ok {
			sec = v
		}
		if v, ok := strings.CutPrefix(l, "last_handshake_time_nsec="); ok {
			nsec = v
		}
	}
	return sec + "." + nsec
}

// TestRepointKeepsTheSession: site A is behind a NAT; its NAT rebinds
// (A's datagrams now come from another port, which B's link drops as
// no path's); B's path repointed to the new mapping carries traffic both
// ways again at once, on the same WireGuard session (no new handshake).
func TestRepointKeepsTheSession(t *testing.T) {
	a1, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.2:0")
	nat := newUDPNAT(t, endpoint(a1, "127.0.0.1"), endpoint(b1, "127.0.0.2"))
	pa, err := a1.Path(addrOf(nat.in))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b1.Path(nat.outside())
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := newSite(t), newSite(t)
	ta, devA := startDeviceDev(t, sa, sb, pa, addrOf(nat.in), "10.2.0.0/16")
	tb, devB := startDeviceDev(t, sb, sa, pb, nat.outside(), "10.1.0.0/16")
	pingBothWays(t, ta, tb, 1)
	hsA, hsB := handshakeTime(t, devA), handshakeTime(t, devB)

	nat.rebind()
	drops := b1.stats.DropNoPath.Load()
	p := tuntest.Ping(netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1"))
	ta.Outbound <- p
	select {
	case <-tb.Inbound:
		t.Fatal("a packet from the new mapping reached B before the path was repointed")
	case <-time.After(200 * time.Millisecond):
	}
	if b1.stats.DropNoPath.Load() == drops {
		t.Fatal("B's link did not drop the datagram from A's new mapping")
	}
	if err := pb.Repoint(nat.outside(), 20*time.Millisecond, time.Second); err != nil {
		t.Fatal(err)
	}
	if pb.Remote() != nat.outside() {
		t.Fatalf("B's path goes to %v, want %v", pb.Remote(), nat.outside())
	}
	pingBothWays(t, ta, tb, 2)
	if a, b := handshakeTime(t, devA), handshakeTime(t, devB); a != hsA || b != hsB {
		t.Errorf("a new handshake after the repoint (A %s → %s, B %s → %s), want the session kept", hsA, a, hsB, b)
	}
	if !pb.Heard() {
		t.Error("B's path has not heard from A's new mapping")
	}
}

// TestRepointRefusesATakenEndpoint: a path cannot be repointed to the
// remote of another path of its link.
func TestRepointRefusesATakenEndpoint(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	x, y := blackhole(t, "127.0.0.2"), blackhole(t, "127.0.0.2")
	px, err := l.Path(x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Path(y); err != nil {
		t.Fatal(err)
	}
	if err := px.Repoint(y, time.Second, time.Second); err == nil {
		t.Fatal("repointed onto another path's remote")
	}
	if px.Remote() != x {
		t.Fatalf("a refused repoint moved the path to %v", px.Remote())
	}
}

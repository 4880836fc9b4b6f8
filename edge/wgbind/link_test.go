package wgbind

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

type site struct {
	key *ecdh.PrivateKey
}

func newSite(t testing.TB) site {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return site{key: k}
}

func listen(t testing.TB, addr string) *Link {
	t.Helper()
	l, err := Listen(netip.MustParseAddrPort(addr), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func endpoint(l *Link, addr string) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(addr), l.Port())
}

// device starts a WireGuard device for one path: local site key, peer
// site key, the path's Bind, the peer's overlay address.
func startDevice(t testing.TB, local, peer site, bind *Path, remote netip.AddrPort, allowed string) *tuntest.ChannelTUN {
	t.Helper()
	tn, _ := startDeviceDev(t, local, peer, bind, remote, allowed)
	return tn
}

// startDeviceDev is startDevice, also returning the device.
func startDeviceDev(t testing.TB, local, peer site, bind *Path, remote netip.AddrPort, allowed string) (*tuntest.ChannelTUN, *device.Device) {
	t.Helper()
	tn := tuntest.NewChannelTUN()
	dev := device.NewDevice(tn.TUN(), bind, device.NewLogger(device.LogLevelError, ""))
	cfg := fmt.Sprintf("private_key=%s\npublic_key=%s\nendpoint=%s\nallowed_ip=%s\n",
		hex.EncodeToString(local.key.Bytes()), hex.EncodeToString(peer.key.PublicKey().Bytes()), remote, allowed)
	if err := dev.IpcSet(cfg); err != nil {
		t.Fatal(err)
	}
	if err := dev.Up(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.Close)
	return tn, dev
}

func expect(t *testing.T, what string, ch chan []byte, want []byte) {
	t.Helper()
	select {
	case got := <-ch:
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: got a different packet", what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing arrived", what)
	}
}

// TestPathsShareALinkSocket: site A has two WAN links, site B one; the two
// paths A1-B1 and A2-B1 are two WireGuard devices on each side, and on B
// both share B1's single socket. Each path carries its own traffic, and a
// datagram from an endpoint that is no path is dropped and counted.
func TestPathsShareALinkSocket(t *testing.T) {
	a, b := newSite(t), newSite(t)
	a1, a2, b1 := listen(t, "127.0.0.1:0"), listen(t, "127.0.0.2:0"), listen(t, "127.0.0.3:0")
	epA1, epA2, epB1 := endpoint(a1, "127.0.0.1"), endpoint(a2, "127.0.0.2"), endpoint(b1, "127.0.0.3")

	pathA1, err := a1.Path(epB1)
	if err != nil {
		t.Fatal(err)
	}
	pathA2, _ := a2.Path(epB1)
	pathB1, _ := b1.Path(epA1)
	pathB2, _ := b1.Path(epA2)
	if _, err := b1.Path(epA1); err == nil {
		t.Error("a second path to the same remote endpoint was accepted")
	}

	tunA1 := startDevice(t, a, b, pathA1, epB1, "10.2.0.0/16")
	tunA2 := startDevice(t, a, b, pathA2, epB1, "10.2.0.0/16")
	tunB1 := startDevice(t, b, a, pathB1, epA1, "10.1.0.0/16")
	tunB2 := startDevice(t, b, a, pathB2, epA2, "10.1.0.0/16")

	for i := range 3 {
		p1 := tuntest.Ping(netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.1.0.1"))
		tunA1.Outbound <- p1
		expect(t, fmt.Sprintf("path 1, packet %d", i), tunB1.Inbound, p1)
		p2 := tuntest.Ping(netip.MustParseAddr("10.2.0.2"), netip.MustParseAddr("10.1.0.2"))
		tunA2.Outbound <- p2
		expect(t, fmt.Sprintf("path 2, packet %d", i), tunB2.Inbound, p2)
		back := tuntest.Ping(netip.MustParseAddr("10.1.0.1"), netip.MustParseAddr("10.2.0.1"))
		tunB2.Outbound <- back
		expect(t, fmt.Sprintf("path 2 back, packet %d", i), tunA2.Inbound, back)
	}

	stray, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 4)}, net.UDPAddrFromAddrPort(epB1))
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()
	before := b1.stats.DropNoPath.Load()
	if _, err := stray.Write([]byte("not from a path")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for b1.stats.DropNoPath.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("a datagram from no path was not counted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case pkt := <-tunB1.Inbound:
		t.Errorf("stray datagram reached a device: %x", pkt)
	case pkt := <-tunB2.Inbound:
		t.Errorf("stray datagram reached a device: %x", pkt)
	default:
	}
}

func TestSetMarkRefused(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	p, err := l.Path(netip.MustParseAddrPort("127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	if p.SetMark(0) != nil || p.SetMark(7) == nil {
		t.Error("SetMark: want 0 accepted and a real mark refused")
	}
	if _, _, err := p.Open(l.Port() + 1); err == nil {
		t.Error("Open on another port was accepted")
	}
}

//go:build linux

package udp

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// rxTimeout bounds the wait for a packet over loopback.
const rxTimeout = 5 * time.Second

var (
	lo4 = netip.MustParseAddr("127.0.0.1")
	lo6 = netip.MustParseAddr("::1")
)

// rxPacket is one packet a chanReceiver got.
type rxPacket struct {
	b []byte
	m bfd.RxMeta
}

// chanReceiver collects packets into a channel. It never blocks the
// reader: packets beyond the channel's capacity are lost.
type chanReceiver struct {
	ch     chan rxPacket
	closed atomic.Bool // set by a test once the Transport is closed
	late   atomic.Int64
}

var _ bfd.Receiver = (*chanReceiver)(nil)

func newChanReceiver() *chanReceiver {
	return &chanReceiver{ch: make(chan rxPacket, 1024)}
}

func (r *chanReceiver) Receive(b []byte, m bfd.RxMeta) {
	if r.closed.Load() {
		r.late.Add(1)
	}
	select {
	case r.ch <- rxPacket{bytes.Clone(b), m}:
	default:
	}
}

func (r *chanReceiver) next(t *testing.T) rxPacket {
	t.Helper()
	select {
	case p := <-r.ch:
		return p
	case <-time.After(rxTimeout):
		t.Fatal("no packet received")
		return rxPacket{}
	}
}

// countReceiver counts packets without allocating and signals done when
// the count reaches want.
type countReceiver struct {
	n, want atomic.Int64
	done    chan struct{}
}

func newCountReceiver() *countReceiver {
	return &countReceiver{done: make(chan struct{}, 1)}
}

func (r *countReceiver) Receive(b []byte, m bfd.RxMeta) {
	if r.n.Add(1) == r.want.Load() {
		r.done <- struct{}{}
	}
}

// freePorts returns n distinct UDP ports that are free on both 127.0.0.1
// and ::1 at the time of the call.
func freePorts(t testing.TB, n int) []uint16 {
	t.Helper()
	var ports []uint16
	var held []*net.UDPConn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100 {
			t.Fatal("no free ports")
		}
		c4, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c4)
		port := c4.LocalAddr().(*net.UDPAddr).Port
		c6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback, Port: port})
		if err != nil {
			continue
		}
		held = append(held, c6)
		ports = append(ports, uint16(port))
	}
	return ports
}

// loopbackConfig listens on both families and both ports of loopback.
func loopbackConfig(t testing.TB) Config {
	p := freePorts(t, 2)
	return Config{
		ListenV4: lo4, ListenV6: lo6,
		EnableV4: true, EnableV6: true,
		SingleHop: true, Multihop: true,
		SingleHopPort: p[0], MultihopPort: p[1],
	}
}

func listen(t testing.TB, cfg Config, r bfd.Receiver) *Transport {
	t.Helper()
	tr, err := Listen(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func openSender(t testing.TB, tr *Transport, local, peer netip.Addr, multihop bool, ifname string) *Sender {
	t.Helper()
	s, err := tr.NewSender(local, peer, multihop, ifname)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loIndex(t testing.TB) int {
	t.Helper()
	ifi, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	return ifi.Index
}

// plainSocket is a UDP socket outside the package, sending with hop limit
// ttl to dst.
func plainSocket(t testing.TB, dst netip.AddrPort, ttl int) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	level, opt := unix.IPPROTO_IP, unix.IP_TTL
	if dst.Addr().Is6() {
		level, opt = unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS
	}
	if err := sockoptInt(c, level, opt, ttl, true); err != nil {
		t.Fatal(err)
	}
	return c
}

// sockoptInt sets (set) or reads an integer option of c's socket; when
// reading, it returns an error unless the option equals v.
func sockoptInt(c syscall.Conn, level, opt, v int, set bool) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if set {
			serr = unix.SetsockoptInt(int(fd), level, opt, v)
			return
		}
		got, err := unix.GetsockoptInt(int(fd), level, opt)
		if err == nil && got != v {
			err = fmt.Errorf("option %d/%d is %d, want %d", level, opt, got, v)
		}
		serr = err
	})
	if err != nil {
		return err
	}
	return serr
}

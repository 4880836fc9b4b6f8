//go:build linux

package udp

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// TestDeliveryMeta sends through Senders of both families to both ports
// and checks the packet and all of RxMeta: TTL 255 (RFC 5881 §5), the
// destination, the interface and the multihop flag (RFC 5883 §5).
func TestDeliveryMeta(t *testing.T) {
	r := newChanReceiver()
	tr := listen(t, loopbackConfig(t), r)
	lo := loIndex(t)
	for _, tc := range []struct {
		name     string
		addr     netip.Addr
		multihop bool
	}{
		{"v4 single-hop", lo4, false},
		{"v4 multihop", lo4, true},
		{"v6 single-hop", lo6, false},
		{"v6 multihop", lo6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openSender(t, tr, tc.addr, tc.addr, tc.multihop, "")
			payload := []byte("bfd control " + tc.name)
			before := time.Now()
			if err := s.Send(payload); err != nil {
				t.Fatal(err)
			}
			p := r.next(t)
			if p.m.Time.Before(before) || p.m.Time.After(time.Now()) {
				t.Errorf("meta.Time = %v, not between send and delivery", p.m.Time)
			}
			p.m.Time = time.Time{}
			want := bfd.RxMeta{Src: tc.addr, Dst: tc.addr, IfIndex: lo, TTL: 255, Multihop: tc.multihop}
			if p.m != want {
				t.Errorf("meta = %+v, want %+v", p.m, want)
			}
			if !bytes.Equal(p.b, payload) {
				t.Errorf("payload = %q, want %q", p.b, payload)
			}
		})
	}
}

// TestForeignTTLReported checks that a packet sent with TTL / Hop Limit 64
// is delivered with that value, for the Manager to discard (RFC 5881 §5).
func TestForeignTTLReported(t *testing.T) {
	r := newChanReceiver()
	cfg := loopbackConfig(t)
	listen(t, cfg, r)
	for _, addr := range []netip.Addr{lo4, lo6} {
		t.Run(addr.String(), func(t *testing.T) {
			c := plainSocket(t, netip.AddrPortFrom(addr, cfg.SingleHopPort), 64)
			if _, err := c.Write([]byte("ttl 64")); err != nil {
				t.Fatal(err)
			}
			p := r.next(t)
			if p.m.TTL != 64 || p.m.Src != addr || p.m.Multihop {
				t.Errorf("meta = %+v, want TTL 64 from %v, single-hop", p.m, addr)
			}
		})
	}
}

// TestSourcePortOnWire checks that a Sender's packets leave from
// LocalPort, in the RFC 5881 §4 range, towards the single-hop port.
func TestSourcePortOnWire(t *testing.T) {
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	cfg := loopbackConfig(t)
	cfg.SingleHop, cfg.SingleHopPort = false, uint16(peer.LocalAddr().(*net.UDPAddr).Port)
	tr := listen(t, cfg, newChanReceiver())
	s := openSender(t, tr, lo4, lo4, false, "")
	if err := s.Send([]byte("port")); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(rxTimeout))
	_, from, err := peer.ReadFromUDPAddrPort(make([]byte, 64))
	if err != nil {
		t.Fatal(err)
	}
	if from.Port() != s.LocalPort() || s.LocalPort() < DefaultSourcePortMin {
		t.Errorf("packet from port %d, LocalPort %d", from.Port(), s.LocalPort())
	}
}

// TestSourcePortsUnique holds 200 Senders open at once and checks their
// source ports are distinct and within 49152..65535 (RFC 5881 §4), and
// that Close frees them.
func TestSourcePortsUnique(t *testing.T) {
	tr := listen(t, loopbackConfig(t), newChanReceiver())
	seen := make(map[uint16]bool)
	var senders []*Sender
	for i := range 200 {
		addr := []netip.Addr{lo4, lo6}[i%2]
		s := openSender(t, tr, addr, addr, i%3 == 0, "")
		p := s.LocalPort()
		if p < DefaultSourcePortMin || seen[p] {
			t.Fatalf("sender %d: port %d out of range or reused", i, p)
		}
		seen[p] = true
		senders = append(senders, s)
	}
	for _, s := range senders {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tr.ports); n != 0 {
		t.Errorf("%d source ports still held after Close", n)
	}
}

// TestSourcePortExhaustion fills a four-port range, then frees one port.
func TestSourcePortExhaustion(t *testing.T) {
	cfg := loopbackConfig(t)
	cfg.SourcePortMin, cfg.SourcePortMax = 64000, 64003
	tr := listen(t, cfg, newChanReceiver())
	var senders []*Sender
	for {
		s, err := tr.NewSender(lo4, lo4, false, "")
		if errors.Is(err, ErrNoSourcePort) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := s.LocalPort(); p < 64000 || p > 64003 {
			t.Fatalf("port %d outside 64000..64003", p)
		}
		senders = append(senders, s)
		if len(senders) > 4 {
			t.Fatal("more Senders than ports")
		}
	}
	if len(senders) == 0 {
		t.Skip("every port of 64000..64003 is in use on this host")
	}
	freed := senders[0].LocalPort()
	senders[0].Close()
	s := openSender(t, tr, lo4, lo4, false, "")
	if s.LocalPort() != freed {
		t.Errorf("got port %d, want the freed %d", s.LocalPort(), freed)
	}
}

func TestConfigErrors(t *testing.T) {
	good := Config{EnableV4: true, SingleHop: true}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"source port below 49152", func(c *Config) { c.SourcePortMin = 1024 }},
		{"source range inverted", func(c *Config) { c.SourcePortMin, c.SourcePortMax = 60000, 50000 }},
		{"no family", func(c *Config) { c.EnableV4 = false }},
		{"no port", func(c *Config) { c.SingleHop = false }},
		{"v6 ListenV4", func(c *Config) { c.ListenV4 = lo6 }},
		{"v4-mapped ListenV6", func(c *Config) { c.ListenV6 = netip.AddrFrom16(lo4.As16()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			if tr, err := Listen(cfg, newChanReceiver()); err == nil {
				tr.Close()
				t.Fatal("Listen succeeded")
			}
		})
	}
	if _, err := Listen(good, nil); err == nil {
		t.Error("Listen accepted a nil Receiver")
	}
}

func TestNewSenderErrors(t *testing.T) {
	tr := listen(t, loopbackConfig(t), newChanReceiver())
	for _, tc := range []struct {
		name        string
		local, peer netip.Addr
		ifname      string
	}{
		{"no peer", lo4, netip.Addr{}, ""},
		{"unspecified peer", lo4, netip.IPv4Unspecified(), ""},
		{"family mismatch", lo6, lo4, ""},
		{"no such interface", lo4, lo4, "nonexistent0"},
		{"address not local", netip.MustParseAddr("192.0.2.1"), lo4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := tr.NewSender(tc.local, tc.peer, false, tc.ifname); err == nil {
				s.Close()
				t.Fatal("NewSender succeeded")
			}
		})
	}
	if n := len(tr.ports); n != 0 {
		t.Errorf("%d source ports held after failures", n)
	}
}

// TestBindToDevice sends from a Sender bound to lo, with a zero local
// address and a v4-mapped peer.
func TestBindToDevice(t *testing.T) {
	r := newChanReceiver()
	tr := listen(t, loopbackConfig(t), r)
	s := openSender(t, tr, netip.Addr{}, netip.AddrFrom16(lo4.As16()), false, "lo")
	if err := s.Send([]byte("lo")); err != nil {
		t.Fatal(err)
	}
	if p := r.next(t); p.m.IfIndex != loIndex(t) || p.m.Src != lo4 {
		t.Errorf("meta = %+v", p.m)
	}
}

// TestSocketOptions reads back the options of the listening sockets and
// of a Sender of each family.
func TestSocketOptions(t *testing.T) {
	tr := listen(t, loopbackConfig(t), newChanReceiver())
	for _, rd := range tr.readers {
		opts := listenOpts4
		if localAddr(rd.conn).Addr().Is6() {
			opts = listenOpts6
		}
		checkOpts(t, rd.conn, opts)
	}
	checkFdOpts(t, openSender(t, tr, lo4, lo4, false, "").fd, sendOpts4)
	checkFdOpts(t, openSender(t, tr, lo6, lo6, true, "").fd, sendOpts6)
}

func checkOpts(t *testing.T, c *net.UDPConn, opts []sockopt) {
	t.Helper()
	for _, o := range opts {
		if err := sockoptInt(c, o.level, o.opt, o.value, false); err != nil {
			t.Errorf("%v %s: %v", c.LocalAddr(), o.name, err)
		}
	}
}

func checkFdOpts(t *testing.T, fd int, opts []sockopt) {
	t.Helper()
	for _, o := range opts {
		if v, err := unix.GetsockoptInt(fd, o.level, o.opt); err != nil || v != o.value {
			t.Errorf("sender socket %s = %d, %v; want %d", o.name, v, err, o.value)
		}
	}
}

// TestV6Only checks that an IPv6 wildcard listener leaves the IPv4
// wildcard of its port free.
func TestV6Only(t *testing.T) {
	port := freePorts(t, 1)[0]
	cfg := Config{EnableV6: true, SingleHop: true, SingleHopPort: port}
	listen(t, cfg, newChanReceiver())
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: int(port)})
	if err != nil {
		t.Fatalf("IPv4 bind beside the IPv6 listener: %v", err)
	}
	c.Close()
}

// TestTruncated sends a datagram larger than the receive buffer, then a
// small one: only the second is delivered, the first is counted.
func TestTruncated(t *testing.T) {
	r := newChanReceiver()
	cfg := loopbackConfig(t)
	tr := listen(t, cfg, r)
	c := plainSocket(t, netip.AddrPortFrom(lo4, cfg.SingleHopPort), 255)
	for _, n := range []int{rxBufSize + 1, 24} {
		if _, err := c.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	if p := r.next(t); len(p.b) != 24 {
		t.Fatalf("delivered %d bytes, want 24", len(p.b))
	}
	st := tr.Stats()
	if st.Truncated != 1 || st.Received != 2 || st.Delivered != 1 {
		t.Errorf("stats = %+v, want 1 truncated of 2 received", st)
	}
}

// TestConnRefused sends to a port nobody listens on, which the kernel
// answers with ICMP Port Unreachable, then starts a listener there. Send
// never fails, and the packets sent once the listener is up all arrive,
// although the first of them met the ECONNREFUSED left pending by the
// last refused packet (a connected UDP socket reports it instead of
// sending).
func TestConnRefused(t *testing.T) {
	cfg := loopbackConfig(t)
	cfg.SingleHop = false // nobody on cfg.SingleHopPort yet
	tr := listen(t, cfg, newChanReceiver())
	s := openSender(t, tr, lo4, lo4, false, "")
	for i := 0; tr.Stats().ConnRefused < 2; i++ {
		if i == 1000 {
			t.Fatal("no ECONNREFUSED seen")
		}
		if err := s.Send([]byte("refused")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	peer, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(lo4, cfg.SingleHopPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	before := tr.Stats().ConnRefused
	const n = 3
	for range n {
		if err := s.Send([]byte("after")); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	peer.SetReadDeadline(time.Now().Add(rxTimeout))
	buf := make([]byte, 64)
	for got := 0; got < n; {
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatalf("%d of %d packets arrived: %v", got, n, err)
		}
		if string(buf[:k]) == "after" {
			got++
		}
	}
	if tr.Stats().ConnRefused == before {
		t.Error("no pending ECONNREFUSED met after the listener started")
	}
}

// TestCloseNoLeak closes a Transport with open Senders: no goroutine is
// left, the Senders are closed, and the Transport refuses new Senders.
func TestCloseNoLeak(t *testing.T) {
	r := newChanReceiver()
	tr, err := Listen(loopbackConfig(t), r)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.NewSender(lo6, lo6, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t)
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Send([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Sender.Close after Transport.Close: %v", err)
	}
	if _, err := tr.NewSender(lo4, lo4, false, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("NewSender after Close = %v, want ErrClosed", err)
	}
}

// TestCloseUnderLoad closes the Transport while packets stream in: Close
// returns, and Receive is not called once it has.
func TestCloseUnderLoad(t *testing.T) {
	r := newChanReceiver()
	cfg := loopbackConfig(t)
	tr, err := Listen(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	c := plainSocket(t, netip.AddrPortFrom(lo4, cfg.SingleHopPort), 255)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				c.Write([]byte("load"))
			}
		}
	}()
	r.next(t)
	if err := tr.Close(); err != nil {
		t.Error(err)
	}
	r.closed.Store(true)
	close(stop)
	<-done
	if n := r.late.Load(); n != 0 {
		t.Errorf("%d packets delivered after Close", n)
	}
}

func TestSendResult(t *testing.T) {
	for _, tc := range []struct {
		in, want error
	}{
		{nil, nil},
		{unix.EAGAIN, ErrBufferFull},
		{unix.ENOBUFS, ErrBufferFull},
		{unix.ECONNREFUSED, nil},
		{unix.EHOSTUNREACH, unix.EHOSTUNREACH},
	} {
		var c counters
		if got := c.sendResult(tc.in); got != tc.want {
			t.Errorf("sendResult(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !errors.Is(ErrBufferFull, syscall.EAGAIN) {
		t.Error("ErrBufferFull does not match EAGAIN")
	}
}

func TestBatchSizes(t *testing.T) {
	var c counters
	for _, n := range []int{1, 2, 3, 4, 7, 8, 16, 31, 32} {
		c.batch(n)
	}
	want := [batchBuckets]uint64{1, 2, 2, 1, 2, 1}
	if got := c.snapshot().BatchSizes; got != want {
		t.Errorf("BatchSizes = %v, want %v", got, want)
	}
}

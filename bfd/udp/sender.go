//go:build linux

package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/patronus-sdwan/patronus/bfd"
	"golang.org/x/sys/unix"
)

// ErrNoSourcePort is returned by NewSender when every port of the source
// port range is held by another Sender or in use on the system.
var ErrNoSourcePort = errors.New("bfd/udp: no free source port")

// ErrBufferFull is returned by Send when the socket send buffer is full
// (EAGAIN, ENOBUFS) and the packet was dropped. errors.Is(err,
// syscall.EAGAIN) also holds.
var ErrBufferFull error = bufferFullError{}

type bufferFullError struct{}

func (bufferFullError) Error() string        { return "bfd/udp: send buffer full, packet dropped" }
func (bufferFullError) Is(target error) bool { return target == syscall.EAGAIN }

// Sender transmits the Control packets of one session from its own socket,
// bound to the session's local address and a source port no other Sender
// of the Transport uses, and connected to the peer's BFD port.
//
// The socket is a plain non-blocking file descriptor, not a net.UDPConn:
// it only ever sends, and a socket in Go's netpoller (epoll, edge
// triggered) is woken each time a sent datagram frees its buffer space.
// With 10,000 sessions that is a netpoller wakeup per transmitted packet
// for nothing (docs/BENCHMARKS.md, "Sessions at scale").
type Sender struct {
	t    *Transport
	port uint16

	mu sync.Mutex // serialises Send and Close; guards fd
	fd int        // -1 once closed

	closeOnce sync.Once
	closeErr  error
}

var _ bfd.Sender = (*Sender)(nil)

// NewSender opens the socket of one session, sending from local to peer.
//
// Its source port is taken from Config.SourcePortMin..SourcePortMax,
// resuming after the port last handed out and skipping ports in use, so it
// is unique among the Transport's Senders: RFC 5881 §4 wants one source
// port per session, unique on the system where possible. It sends to
// Config.SingleHopPort, or to Config.MultihopPort if multihop (RFC 5883
// §5), with TTL / Hop Limit 255 (RFC 5881 §5). A zero local means the
// wildcard of peer's family. A non-empty ifname binds the socket to that
// interface (SO_BINDTODEVICE) and is the zone of link-local addresses
// given without one.
func (t *Transport) NewSender(local, peer netip.Addr, multihop bool, ifname string) (*Sender, error) {
	local, peer, err := endpoints(local, peer, ifname)
	if err != nil {
		return nil, err
	}
	raddr := netip.AddrPortFrom(peer, t.cfg.destPort(multihop))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	fd, port, err := t.bindLocked(local, raddr, ifname)
	if err != nil {
		return nil, err
	}
	s := newSender(t, fd, port)
	t.senders[s] = struct{}{}
	t.ports[port] = struct{}{}
	return s, nil
}

// endpoints validates and normalises the addresses of a Sender.
func endpoints(local, peer netip.Addr, ifname string) (netip.Addr, netip.Addr, error) {
	if !peer.IsValid() || peer.IsUnspecified() {
		return local, peer, fmt.Errorf("bfd/udp: invalid peer address %v", peer)
	}
	peer = withZone(peer.Unmap(), ifname)
	if !local.IsValid() {
		local = netip.IPv4Unspecified()
		if peer.Is6() {
			local = netip.IPv6Unspecified()
		}
	}
	local = withZone(local.Unmap(), ifname)
	if local.Is4() != peer.Is4() {
		return local, peer, fmt.Errorf("bfd/udp: local %v and peer %v differ in family", local, peer)
	}
	return local, peer, nil
}

// withZone gives a zone-less IPv6 link-local address the zone ifname.
func withZone(a netip.Addr, ifname string) netip.Addr {
	if a.Is6() && a.Zone() == "" && ifname != "" && a.IsLinkLocalUnicast() {
		return a.WithZone(ifname)
	}
	return a
}

// bindLocked opens a socket from local, on the next free source port,
// connected to raddr. t.mu must be held.
func (t *Transport) bindLocked(local netip.Addr, raddr netip.AddrPort, ifname string) (int, uint16, error) {
	span := int(t.cfg.SourcePortMax-t.cfg.SourcePortMin) + 1
	for range span {
		port := t.advancePortLocked()
		if _, held := t.ports[port]; held {
			continue
		}
		fd, err := dial(netip.AddrPortFrom(local, port), raddr, ifname)
		if errors.Is(err, syscall.EADDRINUSE) {
			continue
		}
		return fd, port, err
	}
	return -1, 0, ErrNoSourcePort
}

// advancePortLocked returns the port at the cursor and moves the cursor
// on, wrapping within the range. t.mu must be held.
func (t *Transport) advancePortLocked() uint16 {
	port := t.nextPort
	if port >= t.cfg.SourcePortMax {
		t.nextPort = t.cfg.SourcePortMin
	} else {
		t.nextPort = port + 1
	}
	return port
}

// dial opens a non-blocking UDP socket with the sending options, bound to
// laddr and connected to raddr.
func dial(laddr, raddr netip.AddrPort, ifname string) (int, error) {
	family, opts := unix.AF_INET, sendOpts4
	if raddr.Addr().Is6() {
		family, opts = unix.AF_INET6, sendOpts6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return -1, fmt.Errorf("bfd/udp: sender %v -> %v: socket: %w", laddr, raddr, err)
	}
	la, err := sockaddr(laddr)
	if err == nil {
		err = setOpts(fd, opts, ifname)
	}
	if err == nil {
		err = unix.Bind(fd, la)
	}
	var ra unix.Sockaddr
	if err == nil {
		ra, err = sockaddr(raddr)
	}
	if err == nil {
		err = unix.Connect(fd, ra)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bfd/udp: sender %v -> %v: %w", laddr, raddr, err)
	}
	return fd, nil
}

// sockaddr converts an address and port, with the zone of an IPv6
// link-local address as its scope, to a unix.Sockaddr.
func sockaddr(ap netip.AddrPort) (unix.Sockaddr, error) {
	a := ap.Addr()
	if a.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return nil, fmt.Errorf("zone %q: %w", z, err)
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, nil
}

func newSender(t *Transport, fd int, port uint16) *Sender {
	return &Sender{t: t, fd: fd, port: port}
}

// LocalPort returns the UDP source port of the session's packets.
func (s *Sender) LocalPort() uint16 {
	return s.port
}

// Send transmits one Control packet without blocking and without
// allocating. A full socket buffer drops the packet and returns
// ErrBufferFull; an ICMP Port Unreachable from the peer (ECONNREFUSED) is
// counted, not returned. Other failures return the errno. Send is safe for
// concurrent use and does not retain b.
//
// A connected UDP socket reports an ICMP error received for an earlier
// packet as the result of the next send, and that send is then not
// performed; so after ECONNREFUSED the packet is written once more.
func (s *Sender) Send(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return net.ErrClosed
	}
	_, err := unix.Write(s.fd, b)
	if err == unix.ECONNREFUSED {
		s.t.stats.connRefused.Add(1)
		_, err = unix.Write(s.fd, b)
	}
	return s.t.stats.sendResult(err)
}

// sendResult counts the outcome of one write and maps it to Send's result.
func (c *counters) sendResult(err error) error {
	switch err {
	case nil:
		c.sent.Add(1)
		return nil
	case unix.EAGAIN, unix.ENOBUFS:
		c.sendDropped.Add(1)
		return ErrBufferFull
	case unix.ECONNREFUSED:
		c.connRefused.Add(1)
		return nil
	}
	c.sendErrors.Add(1)
	return err
}

// Close closes the session's socket and frees its source port. Further
// calls return the first call's result.
func (s *Sender) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closeErr = unix.Close(s.fd)
		s.fd = -1
		s.mu.Unlock()
		s.t.release(s)
	})
	return s.closeErr
}

func (t *Transport) release(s *Sender) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.senders, s)
	delete(t.ports, s.port)
}

//go:build linux

package udp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"github.com/patronus-sdwan/patronus/bfd"
	"golang.org/x/sys/unix"
)

const (
	// maxSendBatch is the number of datagrams one sendmmsg call takes.
	maxSendBatch = 64
	// txBufSize holds a Control packet: at most 52 bytes (keyed SHA1).
	txBufSize = 64
	// txOOBSize holds one IP_PKTINFO or IPV6_PKTINFO control message.
	txOOBSize = 40
)

// BatchedSender transmits the Control packets of one session through a
// socket shared by all batched sessions of its address family and kind.
// Packets are queued and leave with one sendmmsg call per Flush, so a
// process with thousands of sessions makes one system call per scheduler
// wakeup instead of one per packet. The source address (and interface)
// is set per packet with IP_PKTINFO / IPV6_PKTINFO.
//
// The price is the source port: every batched session of a family and
// kind sends from the same port, which RFC 5881 §4 permits ("SHOULD be
// unique"; "MAY be reused" beyond 16384 sessions) but does not recommend
// below that. Use NewSender for one port per session.
type BatchedSender struct {
	b    *batcher
	name [unix.SizeofSockaddrInet6]byte
	nlen uint32
	oob  [txOOBSize]byte
	olen int

	mu     sync.Mutex // guards closed
	closed bool
}

var _ bfd.Sender = (*BatchedSender)(nil)

// NewBatchedSender returns a sender for one session whose packets leave
// through the shared socket of its family and kind on the next Flush. A
// non-empty ifname sends through that interface.
func (t *Transport) NewBatchedSender(local, peer netip.Addr, multihop bool, ifname string) (*BatchedSender, error) {
	local, peer, err := endpoints(local, peer, ifname)
	if err != nil {
		return nil, err
	}
	ifindex := 0
	if ifname != "" {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return nil, fmt.Errorf("bfd/udp: interface %q: %w", ifname, err)
		}
		ifindex = ifi.Index
	}
	b, err := t.batcherFor(peer.Is4(), multihop)
	if err != nil {
		return nil, err
	}
	s := &BatchedSender{b: b}
	s.nlen = putSockaddr(&s.name, netip.AddrPortFrom(peer, t.cfg.destPort(multihop)))
	s.olen = putPktinfo(&s.oob, local, ifindex)
	return s, nil
}

// Send queues one packet for the next Flush; it does not retain b. A full
// queue is flushed first.
func (s *BatchedSender) Send(b []byte) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	return s.b.queue(s, b)
}

// Close ends the sender; the shared socket stays open for the others.
func (s *BatchedSender) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// LocalPort returns the source port shared by the batched sessions.
func (s *BatchedSender) LocalPort() uint16 { return s.b.port }

// Flush sends every queued packet of every batched sender. The bfd.Manager
// calls it after each round of timers (Manager.SetFlush) and the readers
// after each received batch, so answers to Polls leave at once.
func (t *Transport) Flush() {
	if !t.batching.Load() {
		return
	}
	t.mu.Lock()
	bs := t.batchers
	t.mu.Unlock()
	for _, b := range bs {
		if b != nil {
			b.flush()
		}
	}
}

// batcherFor returns, opening it on first use, the shared socket of a
// family and kind. Index: v4 single-hop, v4 multihop, v6 single-hop, v6
// multihop.
func (t *Transport) batcherFor(v4, multihop bool) (*batcher, error) {
	i := 0
	if !v4 {
		i = 2
	}
	if multihop {
		i++
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, ErrClosed
	}
	if t.batchers[i] != nil {
		return t.batchers[i], nil
	}
	b, err := t.openBatcherLocked(v4)
	if err != nil {
		return nil, err
	}
	t.batchers[i] = b
	t.batching.Store(true)
	return b, nil
}

// openBatcherLocked binds an unconnected socket to the family's wildcard
// address and the next free source port. t.mu must be held.
func (t *Transport) openBatcherLocked(v4 bool) (*batcher, error) {
	network, opts, wild := "udp6", append([]sockopt{{"IPV6_V6ONLY", unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1}}, sendOpts6...), netip.IPv6Unspecified()
	if v4 {
		network, opts, wild = "udp4", sendOpts4, netip.IPv4Unspecified()
	}
	span := int(t.cfg.SourcePortMax-t.cfg.SourcePortMin) + 1
	for range span {
		port := t.advancePortLocked()
		if _, held := t.ports[port]; held {
			continue
		}
		lc := net.ListenConfig{Control: control(opts, "")}
		pc, err := lc.ListenPacket(context.Background(), network, netip.AddrPortFrom(wild, port).String())
		if err != nil {
			continue
		}
		t.ports[port] = struct{}{}
		return newBatcher(t, pc.(*net.UDPConn), port)
	}
	return nil, ErrNoSourcePort
}

// batcher is one shared socket and its queue of datagrams.
type batcher struct {
	t      *Transport
	conn   *net.UDPConn
	rc     syscall.RawConn
	port   uint16
	sendFn func(fd uintptr) bool // b.send, bound once so flush does not allocate

	mu    sync.Mutex // guards everything below; held across sendmmsg, which does not block
	n     int        // queued datagrams
	off   int        // first datagram not yet handed to the kernel
	sent  int        // result of the last sendmmsg
	errno unix.Errno
	msgs  [maxSendBatch]mmsghdr
	iovs  [maxSendBatch]unix.Iovec
	bufs  [maxSendBatch][txBufSize]byte
	names [maxSendBatch][unix.SizeofSockaddrInet6]byte
	oobs  [maxSendBatch][txOOBSize]byte
}

func newBatcher(t *Transport, conn *net.UDPConn, port uint16) (*batcher, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	b := &batcher{t: t, conn: conn, rc: rc, port: port}
	b.sendFn = b.send
	for i := range b.msgs {
		b.iovs[i].Base = &b.bufs[i][0]
		h := &b.msgs[i].Hdr
		h.Name = &b.names[i][0]
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		h.Control = &b.oobs[i][0]
	}
	return b, nil
}

func (b *batcher) queue(s *BatchedSender, pkt []byte) error {
	if len(pkt) > txBufSize {
		return fmt.Errorf("bfd/udp: %d-byte packet exceeds the batch buffer", len(pkt))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == maxSendBatch {
		b.flushLocked()
	}
	i := b.n
	copy(b.bufs[i][:], pkt)
	b.iovs[i].SetLen(len(pkt))
	b.names[i] = s.name
	b.oobs[i] = s.oob
	h := &b.msgs[i].Hdr
	h.Namelen = s.nlen
	h.SetControllen(s.olen)
	b.n++
	return nil
}

func (b *batcher) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

// flushLocked hands the queue to the kernel. A datagram the kernel refuses
// (e.g. no route) is counted and skipped; a full socket buffer drops the
// rest of the queue, counted. b.mu must be held.
func (b *batcher) flushLocked() {
	c := &b.t.stats
	for b.off = 0; b.off < b.n; {
		if err := b.rc.Write(b.sendFn); err != nil {
			c.sendErrors.Add(uint64(b.n - b.off)) // the socket is closed
			break
		}
		switch {
		case b.errno == 0:
			c.sent.Add(uint64(b.sent))
			b.off += b.sent
		case b.errno == unix.EAGAIN || b.errno == unix.ENOBUFS:
			c.sendDropped.Add(uint64(b.n - b.off))
			b.off = b.n
		default:
			c.sendErrors.Add(1)
			b.off++
		}
	}
	b.n, b.off = 0, 0
}

// send is the syscall.RawConn.Write callback: one non-blocking sendmmsg of
// the datagrams from b.off on.
func (b *batcher) send(fd uintptr) bool {
	for {
		n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[b.off])),
			uintptr(b.n-b.off), unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		b.sent, b.errno = int(n), errno
		if errno == 0 && n == 0 {
			b.errno = unix.EAGAIN
		}
		return true
	}
}

// putSockaddr writes ap as a struct sockaddr_in or sockaddr_in6 and
// returns its length.
func putSockaddr(dst *[unix.SizeofSockaddrInet6]byte, ap netip.AddrPort) uint32 {
	*dst = [unix.SizeofSockaddrInet6]byte{}
	port := ap.Port()
	if ap.Addr().Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&dst[0]))
		sa.Family = unix.AF_INET
		sa.Port = port>>8 | port<<8
		sa.Addr = ap.Addr().As4()
		return unix.SizeofSockaddrInet4
	}
	sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&dst[0]))
	sa.Family = unix.AF_INET6
	sa.Port = port>>8 | port<<8
	sa.Addr = ap.Addr().As16()
	return unix.SizeofSockaddrInet6
}

// putPktinfo writes the control message that selects the source address
// (unless unspecified) and outgoing interface, and returns its length.
func putPktinfo(dst *[txOOBSize]byte, local netip.Addr, ifindex int) int {
	*dst = [txOOBSize]byte{}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&dst[0]))
	data := unsafe.Add(unsafe.Pointer(&dst[0]), unix.CmsgLen(0))
	if local.Is4() {
		h.Level, h.Type = unix.IPPROTO_IP, unix.IP_PKTINFO
		h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
		pi := (*unix.Inet4Pktinfo)(data)
		pi.Ifindex = int32(ifindex)
		if !local.IsUnspecified() {
			pi.Spec_dst = local.As4()
		}
		return unix.CmsgSpace(unix.SizeofInet4Pktinfo)
	}
	h.Level, h.Type = unix.IPPROTO_IPV6, unix.IPV6_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
	pi := (*unix.Inet6Pktinfo)(data)
	pi.Ifindex = uint32(ifindex)
	if !local.IsUnspecified() {
		pi.Addr = local.As16()
	}
	return unix.CmsgSpace(unix.SizeofInet6Pktinfo)
}

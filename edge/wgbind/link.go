// Package wgbind lets the WireGuard devices of all paths over one WAN link
// share that link's single UDP socket, as SD-WAN transports do: a Link owns
// the socket, and each path's device gets a Path, a conn.Bind that sends
// through the Link and receives the datagrams whose source is the path's
// remote endpoint. A relayed path (relay.go) also sends and receives
// through a relay, its datagrams told apart by their session.
package wgbind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/patronus-sdwan/patronus/relay/wire"
)

const (
	// bufSize holds the largest UDP payload: one datagram, or with UDP
	// GRO up to 64 datagrams of one source coalesced by the kernel.
	bufSize = 1<<16 - 1
	// pathQueue is how many received buffers wait for a path's device;
	// more are dropped and counted.
	pathQueue = 256
	// poolSize is the number of receive buffers of a Link. A buffer's
	// memory is only touched as far as datagrams fill it.
	poolSize = 512
	// readBatch is the most buffers one recvmmsg fills.
	readBatch = 32
	// socketBuffer is the kernel buffer of a link's socket in each
	// direction, as wireguard-go's own binds use: bursts at hundreds of
	// Mbit/s overflow the default (about 200 KiB) and lose packets.
	socketBuffer = 7 << 20
)

// Link is the UDP socket of one WAN link, shared by the paths over it.
type Link struct {
	conn *net.UDPConn
	rc   syscall.RawConn
	port uint16
	is6  bool // an AF_INET6 socket
	log  *slog.Logger
	gro  bool        // the kernel coalesces received datagrams (UDP_GRO)
	gso  atomic.Bool // sends coalesce datagrams (UDP_SEGMENT); off after EIO

	senders sync.Pool // *sender: scratch space of Send, one per concurrent call

	mu      sync.RWMutex // guards paths and relayed
	paths   map[netip.AddrPort]*Path
	relayed map[uint64]*Path // by relay session (relay.go)

	free chan *buffer  // receive buffers not in use
	quit chan struct{} // closed by Close

	// The read role: there is no reader goroutine. A path's receive
	// function with nothing queued takes tok and reads a batch for all
	// paths itself, so a link with one path hands nothing between
	// goroutines. rm and held are the reader's: tok must be held.
	tok  chan struct{}
	rm   *mmsg
	held []*buffer // free buffers taken for the next read

	stunq chan stunDatagram // STUN from sources that are no path (nat.go)

	closeOnce sync.Once
	stats     Stats
}

// Stats are a Link's counters, in datagrams.
type Stats struct {
	Received, Sent         atomic.Uint64
	DropNoPath, DropQueue  atomic.Uint64 // no path for the source; the path's queue was full
	DropTruncated          atomic.Uint64 // larger than a receive buffer
	SendErrors, ReadErrors atomic.Uint64 // send errors count datagrams, read errors system calls
	Punches, Reinitiations atomic.Uint64 // punch datagrams sent; held handshake initiations sent again (nat.go)
}

// buffer is one received message: a datagram, or with GRO several of
// seg bytes each (the last may be shorter) from one source.
type buffer struct {
	b        [bufSize]byte
	n, seg   int
	off      int // how far a path has taken the datagrams
	hdr      int // bytes of relay header before each datagram (relay.go)
	src      netip.AddrPort
	datagram int // datagrams in b
}

// Listen opens a WAN link's socket on laddr (an unspecified address means
// every address of the family; with ifname the socket is bound to that
// interface, so the link's packets leave through it).
func Listen(laddr netip.AddrPort, ifname string, log *slog.Logger) (*Link, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var gso, gro bool
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) {
			growBuffers(int(fd))
			gso, gro = offloads(int(fd))
			if ifname != "" {
				err = unix.BindToDevice(int(fd), ifname)
			}
		})
		return errors.Join(cerr, err)
	}}
	network := "udp4"
	if laddr.Addr().Is6() {
		network = "udp6"
	}
	pc, err := lc.ListenPacket(context.Background(), network, laddr.String())
	if err != nil {
		return nil, fmt.Errorf("wan link %s: %w", laddr, err)
	}
	conn := pc.(*net.UDPConn)
	rc, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("wan link %s: %w", laddr, err)
	}
	l := &Link{conn: conn, rc: rc, port: uint16(conn.LocalAddr().(*net.UDPAddr).Port), is6: network == "udp6",
		log: log, gro: gro, paths: map[netip.AddrPort]*Path{}, relayed: map[uint64]*Path{}, free: make(chan *buffer, poolSize),
		quit: make(chan struct{}), tok: make(chan struct{}, 1), rm: newMmsg(unix.SYS_RECVMMSG),
		held: make([]*buffer, 0, readBatch), stunq: make(chan stunDatagram, stunQueue)}
	l.gso.Store(gso)
	l.senders.New = func() any { return &sender{m: newMmsg(unix.SYS_SENDMMSG)} }
	for range poolSize {
		l.free <- new(buffer)
	}
	return l, nil
}

// growBuffers sets both socket buffers to socketBuffer: past the sysctl
// limits when privileged (the FORCE options), else up to them.
func growBuffers(fd int) {
	for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[0], socketBuffer) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[1], socketBuffer)
		}
	}
}

// offloads turns UDP GRO on where the kernel has it and reports whether
// UDP GSO sends and GRO receives are available, as wireguard-go's own
// bind does.
func offloads(fd int) (gso, gro bool) {
	_, err := unix.GetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	gso = err == nil
	gro = unix.SetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_GRO, 1) == nil
	return gso, gro
}

// Offloads reports whether the link sends with UDP GSO and receives with
// UDP GRO.
func (l *Link) Offloads() (gso, gro bool) { return l.gso.Load(), l.gro }

// Port is the link's UDP port.
func (l *Link) Port() uint16 { return l.port }

// StatsSnapshot returns the counters.
func (l *Link) StatsSnapshot() map[string]uint64 {
	s := &l.stats
	return map[string]uint64{"received": s.Received.Load(), "sent": s.Sent.Load(),
		"drop_no_path": s.DropNoPath.Load(), "drop_queue_full": s.DropQueue.Load(), "drop_truncated": s.DropTruncated.Load(),
		"send_errors": s.SendErrors.Load(), "read_errors": s.ReadErrors.Load(),
		"nat_punches": s.Punches.Load(), "nat_reinitiations": s.Reinitiations.Load()}
}

// Close closes the socket; every Path's receive functions return
// net.ErrClosed.
func (l *Link) Close() error {
	l.closeOnce.Do(func() { close(l.quit) })
	return l.conn.Close()
}

// readBatch reads one recvmmsg batch and hands every message to the
// path whose remote endpoint sent it. Only the holder of the read role
// (tok) calls it; closed is the caller's: a closed caller returns
// net.ErrClosed, so a receive function never waits on the socket after
// its Path was closed (Close kicks a waiting read with a deadline).
func (l *Link) readBatch(closed chan struct{}) error {
	return l.readBatchUntil(closed, time.Time{})
}

// readBatchUntil is readBatch waiting on the socket until deadline (the
// zero time: no deadline).
func (l *Link) readBatchUntil(closed chan struct{}, deadline time.Time) error {
	if !l.fill(closed) {
		return net.ErrClosed
	}
	for i, b := range l.held {
		l.rm.setRecv(i, b.b[:])
	}
	_ = l.conn.SetReadDeadline(deadline)
	select {
	case <-closed:
		return net.ErrClosed
	default:
	}
	n, err := l.rm.run(l.rc, 0, len(l.held), true)
	if err != nil {
		switch {
		case errors.Is(err, net.ErrClosed) || l.closed():
			return net.ErrClosed
		case errors.Is(err, os.ErrDeadlineExceeded):
		default:
			l.stats.ReadErrors.Add(1)
		}
		return nil
	}
	for i, b := range l.held[:n] {
		l.received(b, l.rm, i)
	}
	l.held = append(l.held[:0], l.held[n:]...)
	return nil
}

// fill tops the held buffers up to readBatch; it waits for the first.
// It is false when the Link or the caller is closed.
func (l *Link) fill(closed chan struct{}) bool {
	if len(l.held) == 0 {
		select {
		case b := <-l.free:
			l.held = append(l.held, b)
		case <-l.quit:
			return false
		case <-closed:
			return false
		}
	}
	for len(l.held) < readBatch {
		select {
		case b := <-l.free:
			l.held = append(l.held, b)
		default:
			return true
		}
	}
	return true
}

// kick ends a read waiting on the socket, so its reader looks again at
// whether it was closed.
func (l *Link) kick() { _ = l.conn.SetReadDeadline(time.Now()) }

func (l *Link) closed() bool {
	select {
	case <-l.quit:
		return true
	default:
		return false
	}
}

// received takes message i of m, read into b.
func (l *Link) received(b *buffer, m *mmsg, i int) {
	n, src, seg, trunc := m.received(i)
	b.n, b.src, b.seg, b.off, b.datagram, b.hdr = n, src, seg, 0, 1, 0
	if seg > 0 && n > seg {
		b.datagram = (n + seg - 1) / seg
	} else {
		b.seg = 0
	}
	l.stats.Received.Add(uint64(b.datagram))
	if trunc {
		l.stats.DropTruncated.Add(uint64(b.datagram))
		l.free <- b
		return
	}
	l.dispatch(b)
}

// dispatch hands b to its path: a relay's Data message or a Probe by
// what it says (relay.go), anything else by its source.
func (l *Link) dispatch(b *buffer) {
	if b.n > 0 {
		switch b.b[0] {
		case wire.TypeData:
			l.dispatchRelayed(b)
			return
		case wire.TypeProbe:
			l.probeReceived(b)
			return
		}
	}
	l.mu.RLock()
	p := l.paths[b.src]
	l.mu.RUnlock()
	if p == nil {
		if l.takeSTUN(b) {
			return
		}
		l.stats.DropNoPath.Add(uint64(b.datagram))
		l.free <- b
		return
	}
	if p.heardFrom(b) {
		l.free <- b // a punch
		return
	}
	if p.relay != nil {
		p.relay.lastDirect.Store(time.Now().UnixNano())
	}
	l.enqueue(p, b)
}

// enqueue queues b for p, or drops it when p's queue is full.
func (l *Link) enqueue(p *Path, b *buffer) {
	select {
	case p.queue <- b:
	default:
		l.stats.DropQueue.Add(uint64(b.datagram))
		l.free <- b
	}
}

// Path registers the path to remote over this link and returns its
// conn.Bind. One path per remote endpoint.
func (l *Link) Path(remote netip.AddrPort) (*Path, error) {
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	if !remote.IsValid() || remote.Port() == 0 {
		return nil, fmt.Errorf("wan link: invalid remote endpoint %v", remote)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.paths[remote]; dup {
		return nil, fmt.Errorf("wan link port %d: a path to %v exists", l.port, remote)
	}
	p := &Path{l: l, ep: &Endpoint{dst: remote}, queue: make(chan *buffer, pathQueue), released: make(chan struct{})}
	l.paths[remote] = p
	return p, nil
}

// Release unregisters a path; datagrams from its remote are then dropped.
func (l *Link) Release(p *Path) {
	l.mu.Lock()
	if dst := p.remote(); l.paths[dst] == p {
		delete(l.paths, dst)
	}
	if p.relay != nil {
		if l.relayed[p.relay.cfg.Session] == p {
			delete(l.relayed, p.relay.cfg.Session)
		}
		p.relay.stopRelay()
	}
	l.mu.Unlock()
	p.releaseOnce.Do(func() { close(p.released) })
	for {
		select {
		case b := <-p.queue:
			l.stats.DropNoPath.Add(uint64(b.datagram))
			l.free <- b
		default:
			return
		}
	}
}

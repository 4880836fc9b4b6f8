// Package wgbind lets the WireGuard devices of all paths over one WAN link
// share that link's single UDP socket, as SD-WAN transports do: a Link owns
// the socket, and each path's device gets a Path, a conn.Bind that sends
// through the Link and receives the datagrams whose source is the path's
// remote endpoint.
package wgbind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// bufSize holds one datagram: a WireGuard message for a jumbo-frame
	// MTU fits.
	bufSize = 9216
	// pathQueue is how many received datagrams wait for a path's device;
	// more are dropped and counted.
	pathQueue = 1024
	// poolSize is the number of receive buffers of a Link.
	poolSize = 2048
	// socketBuffer is the kernel buffer of a link's socket in each
	// direction, as wireguard-go's own binds use: bursts at hundreds of
	// Mbit/s overflow the default (about 200 KiB) and lose packets.
	socketBuffer = 7 << 20
)

// Link is the UDP socket of one WAN link, shared by the paths over it.
type Link struct {
	conn *net.UDPConn
	port uint16
	log  *slog.Logger

	mu    sync.RWMutex // guards paths
	paths map[netip.AddrPort]*Path

	free chan *buffer // receive buffers not in use
	done chan struct{}

	stats Stats
}

// Stats are a Link's counters.
type Stats struct {
	Received, Sent         atomic.Uint64
	DropNoPath, DropQueue  atomic.Uint64 // no path for the source; the path's queue was full
	SendErrors, ReadErrors atomic.Uint64
}

type buffer struct {
	b   [bufSize]byte
	n   int
	src netip.AddrPort
}

// Listen opens a WAN link's socket on laddr (an unspecified address means
// every address of the family; with ifname the socket is bound to that
// interface, so the link's packets leave through it).
func Listen(laddr netip.AddrPort, ifname string, log *slog.Logger) (*Link, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) {
			growBuffers(int(fd))
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
	l := &Link{conn: conn, port: uint16(conn.LocalAddr().(*net.UDPAddr).Port), log: log,
		paths: map[netip.AddrPort]*Path{}, free: make(chan *buffer, poolSize), done: make(chan struct{})}
	for range poolSize {
		l.free <- new(buffer)
	}
	go l.read()
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

// Port is the link's UDP port.
func (l *Link) Port() uint16 { return l.port }

// StatsSnapshot returns the counters.
func (l *Link) StatsSnapshot() map[string]uint64 {
	s := &l.stats
	return map[string]uint64{"received": s.Received.Load(), "sent": s.Sent.Load(),
		"drop_no_path": s.DropNoPath.Load(), "drop_queue_full": s.DropQueue.Load(),
		"send_errors": s.SendErrors.Load(), "read_errors": s.ReadErrors.Load()}
}

// Close closes the socket; every Path's receive functions return
// net.ErrClosed.
func (l *Link) Close() error {
	err := l.conn.Close()
	<-l.done
	return err
}

// read is the Link's receive loop: each datagram goes to the path whose
// remote endpoint sent it.
func (l *Link) read() {
	defer close(l.done)
	for {
		b := <-l.free
		n, src, err := l.conn.ReadFromUDPAddrPort(b.b[:])
		if err != nil {
			l.free <- b
			if errors.Is(err, net.ErrClosed) {
				return
			}
			l.stats.ReadErrors.Add(1)
			continue
		}
		l.stats.Received.Add(1)
		b.n, b.src = n, netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		l.dispatch(b)
	}
}

func (l *Link) dispatch(b *buffer) {
	l.mu.RLock()
	p := l.paths[b.src]
	l.mu.RUnlock()
	if p == nil {
		l.stats.DropNoPath.Add(1)
		l.free <- b
		return
	}
	select {
	case p.queue <- b:
	default:
		l.stats.DropQueue.Add(1)
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
	p := &Path{l: l, ep: &Endpoint{dst: remote}, queue: make(chan *buffer, pathQueue)}
	l.paths[remote] = p
	return p, nil
}

// Release unregisters a path; datagrams from its remote are then dropped.
func (l *Link) Release(p *Path) {
	l.mu.Lock()
	if l.paths[p.ep.dst] == p {
		delete(l.paths, p.ep.dst)
	}
	l.mu.Unlock()
	for {
		select {
		case b := <-p.queue:
			l.free <- b
		default:
			return
		}
	}
}

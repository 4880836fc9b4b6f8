package dptest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

// WAN carries datagrams between the Links listening on it, by address
// and port, as the internet between sites' WAN links would. A cut
// address neither sends nor receives.
type WAN struct {
	mu    sync.Mutex
	links map[netip.AddrPort]*Link
	cut   map[netip.Addr]bool
}

// NewWAN returns an empty WAN.
func NewWAN() *WAN {
	return &WAN{links: map[netip.AddrPort]*Link{}, cut: map[netip.Addr]bool{}}
}

// Listen opens a Link at addr.
func (w *WAN) Listen(addr netip.AddrPort) (*Link, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.links[addr] != nil {
		return nil, fmt.Errorf("dptest: %v is in use", addr)
	}
	l := &Link{w: w, addr: addr, binds: map[netip.AddrPort]*Bind{}}
	w.links[addr] = l
	return l, nil
}

// Cut cuts the WAN link of address a (cut) or mends it.
func (w *WAN) Cut(a netip.Addr, cut bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cut[a] = cut
}

// send carries one datagram from src to dst; it is lost when either is
// cut, nobody listens at dst, or the receiving path's queue is full.
func (w *WAN) send(src, dst netip.AddrPort, b []byte) {
	w.mu.Lock()
	l := w.links[dst]
	lost := w.cut[src.Addr()] || w.cut[dst.Addr()]
	w.mu.Unlock()
	if lost || l == nil {
		return
	}
	l.receive(src, b)
}

var _ dataplane.Link = (*Link)(nil)

// Link is one WAN link's socket on a WAN: dataplane.Link.
type Link struct {
	w    *WAN
	addr netip.AddrPort

	mu     sync.Mutex
	binds  map[netip.AddrPort]*Bind // by remote
	closed bool

	tx, rx, unknown atomic.Uint64
}

// Bind registers the path to remote.
func (l *Link) Bind(remote netip.AddrPort) (conn.Bind, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.binds[remote] != nil {
		return nil, fmt.Errorf("dptest: link %v: a path to %v exists", l.addr, remote)
	}
	b := &Bind{l: l, remote: remote, queue: make(chan []byte, bindQueue)}
	l.binds[remote] = b
	return b, nil
}

// Release unregisters a path.
func (l *Link) Release(cb conn.Bind) {
	b, ok := cb.(*Bind)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.binds[b.remote] == b {
		delete(l.binds, b.remote)
	}
}

// Port is the link's port.
func (l *Link) Port() uint16 { return l.addr.Port() }

// Counters are the datagrams sent, received, and received from no
// registered path.
func (l *Link) Counters() map[string]uint64 {
	return map[string]uint64{"tx": l.tx.Load(), "rx": l.rx.Load(), "rx_unknown": l.unknown.Load()}
}

// Close leaves the WAN.
func (l *Link) Close() error {
	l.w.mu.Lock()
	if l.w.links[l.addr] == l {
		delete(l.w.links, l.addr)
	}
	l.w.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *Link) receive(src netip.AddrPort, b []byte) {
	l.mu.Lock()
	bd := l.binds[src]
	l.mu.Unlock()
	if bd == nil {
		l.unknown.Add(1)
		return
	}
	l.rx.Add(1)
	select {
	case bd.queue <- b:
	default:
	}
}

// bindQueue bounds what a path has received and not yet read.
const bindQueue = 1024

// Bind is the conn.Bind of one path's WireGuard device.
type Bind struct {
	l      *Link
	remote netip.AddrPort
	queue  chan []byte

	mu     sync.Mutex
	closed chan struct{} // of the current Open; nil while closed
}

var _ conn.Bind = (*Bind)(nil)

// Open starts receiving.
func (b *Bind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	if port != 0 && port != b.l.addr.Port() {
		return nil, 0, errors.New("dptest: a path uses its link's port")
	}
	closed := make(chan struct{})
	b.closed = closed
	ep := &Endpoint{dst: b.remote}
	recv := func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		var d []byte
		select {
		case d = <-b.queue:
		case <-closed:
			return 0, net.ErrClosed
		}
		n := 0
		for {
			sizes[n] = copy(packets[n], d)
			eps[n] = ep
			n++
			if n == len(packets) {
				return n, nil
			}
			select {
			case d = <-b.queue:
			default:
				return n, nil
			}
		}
	}
	return []conn.ReceiveFunc{recv}, b.l.addr.Port(), nil
}

// Close stops receiving.
func (b *Bind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed != nil {
		close(b.closed)
		b.closed = nil
	}
	return nil
}

// SetMark does nothing.
func (b *Bind) SetMark(uint32) error { return nil }

// Send carries the datagrams to ep over the WAN.
func (b *Bind) Send(bufs [][]byte, ep conn.Endpoint) error {
	e, ok := ep.(*Endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	b.l.mu.Lock()
	closed := b.l.closed
	b.l.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	for _, d := range bufs {
		b.l.tx.Add(1)
		b.l.w.send(b.l.addr, e.dst, append([]byte(nil), d...))
	}
	return nil
}

// ParseEndpoint parses ADDRESS:PORT.
func (b *Bind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return &Endpoint{dst: ap}, nil
}

// BatchSize is the most datagrams a receive function returns.
func (b *Bind) BatchSize() int { return 16 }

// Endpoint is a remote link's address.
type Endpoint struct{ dst netip.AddrPort }

var _ conn.Endpoint = (*Endpoint)(nil)

func (e *Endpoint) ClearSrc()           {}
func (e *Endpoint) SrcToString() string { return "" }
func (e *Endpoint) DstToString() string { return e.dst.String() }
func (e *Endpoint) DstToBytes() []byte  { b, _ := e.dst.MarshalBinary(); return b }
func (e *Endpoint) DstIP() netip.Addr   { return e.dst.Addr() }
func (e *Endpoint) SrcIP() netip.Addr   { return netip.Addr{} }

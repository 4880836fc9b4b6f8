package wgbind

import (
	"errors"
	"net"
	"net/netip"
	"sync"

	"golang.zx2c4.com/wireguard/conn"
)

// Path is the conn.Bind of one path's WireGuard device: it sends through
// its Link's socket and receives what the path's remote endpoint sent.
type Path struct {
	l     *Link
	ep    *Endpoint
	queue chan *buffer

	mu     sync.Mutex    // guards closed
	closed chan struct{} // of the current Open; nil while closed
}

var _ conn.Bind = (*Path)(nil)

// Open starts receiving. The port is the Link's: port must be 0 or equal
// to it.
func (p *Path) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	if port != 0 && port != p.l.port {
		return nil, 0, errors.New("wgbind: a path uses its WAN link's port")
	}
	closed := make(chan struct{})
	p.closed = closed
	recv := func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		return p.receive(closed, packets, sizes, eps)
	}
	return []conn.ReceiveFunc{recv}, p.l.port, nil
}

// receive waits for the first datagram, then takes what else is queued.
func (p *Path) receive(closed chan struct{}, packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
	var b *buffer
	select {
	case b = <-p.queue:
	case <-closed:
		return 0, net.ErrClosed
	case <-p.l.done:
		return 0, net.ErrClosed
	}
	n := 0
	for {
		sizes[n] = copy(packets[n], b.b[:b.n])
		eps[n] = p.ep
		p.l.free <- b
		n++
		if n == len(packets) {
			return n, nil
		}
		select {
		case b = <-p.queue:
		default:
			return n, nil
		}
	}
}

// Close stops receiving; the receive functions of the last Open return
// net.ErrClosed.
func (p *Path) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed != nil {
		close(p.closed)
		p.closed = nil
	}
	return nil
}

// SetMark is refused for a non-zero mark: the socket is shared by all
// paths of the link, so a per-device mark cannot be honoured.
func (p *Path) SetMark(mark uint32) error {
	if mark != 0 {
		return errors.New("wgbind: fwmark is not supported on a shared WAN link socket")
	}
	return nil
}

// Send writes the datagrams to ep through the Link's socket.
func (p *Path) Send(bufs [][]byte, ep conn.Endpoint) error {
	e, ok := ep.(*Endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	var err error
	for _, b := range bufs {
		if _, werr := p.l.conn.WriteToUDPAddrPort(b, e.dst); werr != nil {
			p.l.stats.SendErrors.Add(1)
			err = werr
			continue
		}
		p.l.stats.Sent.Add(1)
	}
	return err
}

// ParseEndpoint parses ADDRESS:PORT.
func (p *Path) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return &Endpoint{dst: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}, nil
}

// BatchSize is 1 for now: one datagram per system call.
func (p *Path) BatchSize() int { return 1 }

// Endpoint is a remote WAN link's address and port.
type Endpoint struct {
	dst netip.AddrPort
}

var _ conn.Endpoint = (*Endpoint)(nil)

// The source of a path's datagrams is its Link's socket, so an Endpoint
// carries only the destination; the Src methods report none.

func (e *Endpoint) ClearSrc()           {}
func (e *Endpoint) SrcToString() string { return "" }
func (e *Endpoint) DstToString() string { return e.dst.String() }
func (e *Endpoint) DstToBytes() []byte {
	b, _ := e.dst.MarshalBinary()
	return b
}
func (e *Endpoint) DstIP() netip.Addr { return e.dst.Addr() }
func (e *Endpoint) SrcIP() netip.Addr { return netip.Addr{} }

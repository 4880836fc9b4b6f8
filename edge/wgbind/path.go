package wgbind

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/conn"
)

// Path is the conn.Bind of one path's WireGuard device: it sends through
// its Link's socket and receives what the path's remote endpoint sent.
type Path struct {
	l     *Link
	ep    *Endpoint                // the remote endpoint the path was made with
	cur   atomic.Pointer[Endpoint] // the remote endpoint now, after Repoint (nat.go); nil: ep
	queue chan *buffer
	relay *relayed // nil: direct only (relay.go)

	mu     sync.Mutex    // guards closed
	closed chan struct{} // of the current Open; nil while closed

	// NAT traversal (nat.go).
	heard       atomic.Bool   // a datagram came from the remote
	punching    atomic.Bool   // Punch was called: initiations are held until heard
	released    chan struct{} // closed by Release
	releaseOnce sync.Once
	hmu         sync.Mutex // guards held
	held        []byte     // the newest handshake initiation sent before heard
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
	r := &receiver{p: p, closed: make(chan struct{})}
	p.closed = r.closed
	return []conn.ReceiveFunc{r.receive}, p.l.port, nil
}

// receiver is the receive function of one Open. WireGuard calls it from
// one goroutine, which alone touches cur.
type receiver struct {
	p      *Path
	closed chan struct{}
	cur    *buffer // taken from the queue, datagrams from off on not yet returned
}

// receive waits for the first datagram, then takes what else is queued,
// splitting coalesced (GRO) buffers into their datagrams.
func (r *receiver) receive(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
	p := r.p
	select {
	case <-r.closed:
		r.release()
		return 0, net.ErrClosed
	default:
	}
	for r.cur == nil {
		// What is queued first: in the select below, a free tok is as
		// ready as a queued buffer and Go picks at random, so a receiver
		// could sit in the socket's read, with datagrams queued for it,
		// until the next one arrived (at the end of a burst: the time to
		// the next packet; TestBatchSendReceive with a batch smaller than
		// the burst).
		select {
		case r.cur = <-p.queue:
			continue
		default:
		}
		select {
		case r.cur = <-p.queue:
		case p.l.tok <- struct{}{}:
			err := p.l.readBatch(r.closed)
			<-p.l.tok
			if err != nil {
				return 0, err
			}
			select {
			case r.cur = <-p.queue:
			default: // the batch was all for other paths
			}
		case <-r.closed:
			return 0, net.ErrClosed
		case <-p.l.quit:
			return 0, net.ErrClosed
		}
	}
	n := 0
	for {
		n += r.take(packets[n:], sizes[n:], eps[n:])
		if n == len(packets) {
			return n, nil
		}
		select {
		case r.cur = <-p.queue:
		default:
			return n, nil
		}
	}
}

// take copies datagrams of cur into packets, and returns cur to the free
// buffers once all are taken.
func (r *receiver) take(packets [][]byte, sizes []int, eps []conn.Endpoint) int {
	b := r.cur
	seg := b.seg
	if seg == 0 {
		seg = b.n
	}
	n := 0
	for n < len(packets) && b.off < b.n {
		end := min(b.off+seg, b.n)
		sizes[n] = copy(packets[n], b.b[b.off+b.hdr:end])
		eps[n] = r.p.endpoint()
		b.off = end
		n++
	}
	if b.off >= b.n {
		r.p.l.free <- b
		r.cur = nil
	}
	return n
}

// release returns a partly taken buffer when the receive function ends.
func (r *receiver) release() {
	if r.cur != nil {
		r.p.l.free <- r.cur
		r.cur = nil
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
		p.l.kick()
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

// Send writes the datagrams to ep through the Link's socket, with
// sendmmsg and, where the kernel has it, UDP GSO.
func (p *Path) Send(bufs [][]byte, ep conn.Endpoint) error {
	e, ok := ep.(*Endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	if p.relay != nil && p.relay.viaRelay.Load() {
		return p.sendRelayed(bufs)
	}
	p.holdInitiation(bufs)
	return p.l.send(bufs, p.sendTo(e))
}

// ParseEndpoint parses ADDRESS:PORT.
func (p *Path) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return &Endpoint{dst: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}, nil
}

// BatchSize is the most datagrams a receive function returns and Send is
// given.
func (p *Path) BatchSize() int { return maxBatch }

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

package dataplane

import (
	"net"
	"os"
	"sync"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/shim"
)

// pathTUN is the tun.Device of one path's WireGuard device: what the
// forwarder chose for the path goes in through queue; what the device
// decrypted goes out through deliver, to the overlay interface.
type pathTUN struct {
	name    string
	mtu     int
	queue   chan *packetBuf
	pool    *bufPool
	deliver func(bufs [][]byte, offset int) (int, error)
	shim    *shim.Endpoint // compresses what the path sends, when active
	events  chan tun.Event

	closeOnce sync.Once
	closed    chan struct{}
}

var _ tun.Device = (*pathTUN)(nil)

func newPathTUN(name string, mtu int, pool *bufPool, sh *shim.Endpoint, deliver func([][]byte, int) (int, error)) *pathTUN {
	t := &pathTUN{name: name, mtu: mtu, queue: make(chan *packetBuf, pathQueueLen), pool: pool,
		deliver: deliver, shim: sh, events: make(chan tun.Event, 1), closed: make(chan struct{})}
	t.events <- tun.EventUp
	return t
}

func (t *pathTUN) File() *os.File { return nil }

// Read hands the device what is queued for the path: it waits for one
// packet, then takes what else is ready. While compression is active on
// the path, each packet is written compressed into the device's buffer
// when that shrinks it, else as it is.
func (t *pathTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	var p *packetBuf
	select {
	case p = <-t.queue:
	case <-t.closed:
		return 0, os.ErrClosed
	}
	n := 0
	for {
		sizes[n] = t.put(bufs[n][offset:], p.b[:p.n], p.noCompress)
		t.pool.put(p)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-t.queue:
		default:
			return n, nil
		}
	}
}

// put writes one packet into the device's buffer, compressed if it may
// and that pays, and returns its length.
func (t *pathTUN) put(out, pkt []byte, noCompress bool) int {
	if !noCompress && t.shim != nil && t.shim.Active() && !shim.IsShim(pkt) {
		if n := t.shim.Compress(out, pkt); n > 0 {
			return n
		}
	}
	return copy(out, pkt)
}

// Write takes the device's decrypted packets to the overlay interface.
func (t *pathTUN) Write(bufs [][]byte, offset int) (int, error) {
	select {
	case <-t.closed:
		return 0, net.ErrClosed
	default:
	}
	return t.deliver(bufs, offset)
}

func (t *pathTUN) MTU() (int, error)        { return t.mtu, nil }
func (t *pathTUN) Name() (string, error)    { return t.name, nil }
func (t *pathTUN) Events() <-chan tun.Event { return t.events }
func (t *pathTUN) BatchSize() int           { return 64 }

func (t *pathTUN) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		close(t.events)
	})
	return nil
}

// packetBuf is one packet on its way from the overlay to a path.
type packetBuf struct {
	b [maxPacket]byte
	n int
	// noCompress: the packet's policy says compression off.
	noCompress bool
}

// bufPool is a fixed set of packet buffers: the forwarding path does not
// allocate. It is a stack: the buffers used most recently are used again,
// so the memory an edge touches is what its traffic needs at most, not the
// whole pool (a queue would cycle through every buffer and page all of
// them in), and those buffers are warm in the cache. Its mutex is held
// for a few instructions; a channel would take one as well.
type bufPool struct {
	mu   sync.Mutex
	free []*packetBuf
}

func newBufPool(n int) *bufPool {
	p := &bufPool{free: make([]*packetBuf, n)}
	for i := range p.free {
		p.free[i] = new(packetBuf)
	}
	return p
}

// get returns a buffer, or nil when all are in flight.
func (p *bufPool) get() *packetBuf {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return nil
	}
	b := p.free[n-1]
	p.free = p.free[:n-1]
	return b
}

func (p *bufPool) put(b *packetBuf) {
	b.noCompress = false
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < cap(p.free) {
		p.free = append(p.free, b)
	}
}

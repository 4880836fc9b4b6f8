package dataplane

import (
	"net"
	"os"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/shim"
)

// pathTUN is the tun.Device of one path's WireGuard device: what the
// forwarder chose for the path goes in through q, a batch at a time;
// what the device decrypted goes out through deliver, to the overlay
// interface.
type pathTUN struct {
	name    string
	mtu     atomic.Int32 // the overlay's (setMTU)
	q       pathQueue
	pool    *bufPool
	deliver func(bufs [][]byte, offset int) (int, error)
	shim    *shim.Endpoint // compresses what the path sends, when active
	events  chan tun.Event
	// pending is the forwarder goroutine's: the packets it chose for
	// the path in the batch it is routing, pushed onto q at the batch's
	// end (forward.go).
	pending []*packetBuf
	// taken is Read's (the device's one TUN reader goroutine): the
	// buffers popped from q, given back to the pool once copied.
	taken []*packetBuf

	closeOnce sync.Once
	closed    chan struct{}
	// evMu guards sending on events against closing it (Close).
	evMu     sync.Mutex
	evClosed bool
}

var _ tun.Device = (*pathTUN)(nil)

// pathBatch is the most packets a path's device reads at once. With the
// bind's batch (wgbind) it sets the device's: wireguard-go holds that many
// 64 KiB message buffers per device for its TUN reader, and as many for
// each receive function, for as long as the path exists. At 128 (its own
// default) an idle 40-path edge held 847 MiB of Go heap it never touched;
// the collector counts it live and lets the heap grow to twice that
// before collecting, which is how resident memory crept up under traffic.
// At 32: 294 MiB, and no throughput lost in the same run
// (docs/BENCHMARKS.md "Memory per path").
const pathBatch = 32

// pendingCap is the room a path's pending list starts with: an overlay
// read is at most conn.IdealBatchSize packets, all of which may go to one
// path.
const pendingCap = conn.IdealBatchSize

func newPathTUN(name string, mtu int, pool *bufPool, sh *shim.Endpoint, deliver func([][]byte, int) (int, error)) *pathTUN {
	t := &pathTUN{name: name, q: pathQueue{ready: make(chan struct{}, 1)}, pool: pool,
		deliver: deliver, shim: sh, events: make(chan tun.Event, 2), closed: make(chan struct{}),
		pending: make([]*packetBuf, 0, pendingCap), taken: make([]*packetBuf, pathBatch)}
	t.mtu.Store(int32(mtu))
	t.events <- tun.EventUp
	return t
}

// setMTU puts a new overlay MTU in force and tells the device
// (tun.EventMTUUpdate: WireGuard pads packets up to the MTU, never past
// it). It never blocks: events has room for the first EventUp and one
// update, and an update already queued reads the MTU stored here.
func (t *pathTUN) setMTU(mtu int) {
	t.mtu.Store(int32(mtu))
	t.evMu.Lock()
	defer t.evMu.Unlock()
	if t.evClosed {
		return
	}
	select {
	case t.events <- tun.EventMTUUpdate:
	default:
	}
}

func (t *pathTUN) File() *os.File { return nil }

// Read hands the device what is queued for the path, up to len(bufs)
// packets; it waits while nothing is. While compression is active on the
// path, each packet is written compressed into the device's buffer when
// that shrinks it, else as it is. This copy is the only one between the
// overlay read and encryption: the device encrypts from its own buffers.
func (t *pathTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	taken := t.taken[:min(len(bufs), len(t.taken))]
	for {
		if n := t.q.pop(taken); n > 0 {
			for i, p := range taken[:n] {
				sizes[i] = t.put(bufs[i][offset:], p.bytes(), p.noCompress)
			}
			t.pool.putN(taken[:n])
			return n, nil
		}
		select {
		case <-t.q.ready:
		case <-t.closed:
			return 0, os.ErrClosed
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

// push1 queues one packet (control packets, Hellos); false: the queue is
// full or closed, and b is still the caller's.
func (t *pathTUN) push1(b *packetBuf) bool {
	one := [1]*packetBuf{b}
	return t.q.push(one[:]) == 1
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

func (t *pathTUN) MTU() (int, error)        { return int(t.mtu.Load()), nil }
func (t *pathTUN) Name() (string, error)    { return t.name, nil }
func (t *pathTUN) Events() <-chan tun.Event { return t.events }
func (t *pathTUN) BatchSize() int           { return pathBatch }

// Close ends Read and gives the queued packets' buffers back to the pool;
// what is pushed after is refused (the pusher keeps its buffers).
func (t *pathTUN) Close() error {
	t.closeOnce.Do(func() {
		t.pool.putN(t.q.close())
		close(t.closed)
		t.evMu.Lock()
		t.evClosed = true
		close(t.events)
		t.evMu.Unlock()
	})
	return nil
}

// pathQueue is what is queued for one path: a ring of packet buffers,
// filled a batch at a time by the forwarder (one packet at a time by the
// control loop and the Hellos), emptied a batch at a time by the path
// device's Read. mu guards ring, head, n and closed; it is held for a few
// instructions, never across I/O or a channel operation. ready holds at
// most one token: "the ring may hold packets". A push that adds packets
// and a pop that leaves some put one in, so a reader that found the ring
// empty and waits on ready always wakes for what comes after.
type pathQueue struct {
	mu     sync.Mutex
	ring   [pathQueueLen]*packetBuf
	head   int // index of the oldest packet
	n      int // packets queued
	closed bool
	ready  chan struct{}
}

// push queues the buffers of bufs in order, as many as there is room for,
// and returns how many it took: those now belong to the queue, the rest
// are still the caller's. A closed queue takes none.
func (q *pathQueue) push(bufs []*packetBuf) int {
	q.mu.Lock()
	k := 0
	if !q.closed {
		k = min(len(bufs), len(q.ring)-q.n)
		for i, b := range bufs[:k] {
			q.ring[(q.head+q.n+i)%len(q.ring)] = b
		}
		q.n += k
	}
	q.mu.Unlock()
	if k > 0 {
		q.signal()
	}
	return k
}

// pop moves the oldest queued buffers into out, as many as fit, and
// returns how many.
func (q *pathQueue) pop(out []*packetBuf) int {
	q.mu.Lock()
	k := min(len(out), q.n)
	for i := range k {
		j := (q.head + i) % len(q.ring)
		out[i], q.ring[j] = q.ring[j], nil
	}
	q.head = (q.head + k) % len(q.ring)
	q.n -= k
	more := q.n > 0
	q.mu.Unlock()
	if more {
		q.signal()
	}
	return k
}

func (q *pathQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default: // a token is there already
	}
}

// len is the number of packets queued.
func (q *pathQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// close refuses further pushes and returns what was queued.
func (q *pathQueue) close() []*packetBuf {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	left := make([]*packetBuf, 0, q.n)
	for q.n > 0 {
		left = append(left, q.ring[q.head])
		q.ring[q.head] = nil
		q.head = (q.head + 1) % len(q.ring)
		q.n--
	}
	return left
}

// packetBuf is one packet on its way from the overlay to a path: the
// forwarder reads the overlay straight into it (at tunOffset, the
// headroom the TUN's virtio header needs) and hands it to the path
// without a copy; control packets are encoded into it at offset 0.
type packetBuf struct {
	// b holds one byte more than the largest packet: a read that fills
	// it was of a packet too large (counted as malformed).
	b      [tunOffset + maxPacket + 1]byte
	off, n int // the packet is b[off:off+n]
	inner  int // the overlay packet's length, for the path's TxBytes
	// noCompress: the packet's policy says compression off.
	noCompress bool
}

func (p *packetBuf) bytes() []byte { return p.b[p.off : p.off+p.n] }

// bufPool is a bounded set of packet buffers, made as traffic first needs
// them: the forwarding path allocates only while the number in flight
// reaches a new peak, never in the steady state. It is a stack: the
// buffers used most recently are used again, so the memory an edge
// touches is what its traffic needs at most, and those buffers are warm
// in the cache. Buffers are not made up front: 8,192 of them are 74 MB of
// heap that an idle edge never touches, but that Go's collector counts as
// live, letting the heap (and, as garbage is made and reused, the resident
// memory) grow to twice that before a collection (the chaos run's edges
// grew to 545 MB). Its mutex is held for a few instructions, once per
// batch on the forwarding path (getN, putN).
type bufPool struct {
	mu   sync.Mutex
	free []*packetBuf
	made int // buffers made so far, at most cap(free)
}

func newBufPool(n int) *bufPool {
	return &bufPool{free: make([]*packetBuf, 0, n)}
}

// get returns a buffer, or nil when all are in flight.
func (p *bufPool) get() *packetBuf {
	var one [1]*packetBuf
	p.getN(one[:])
	return one[0]
}

// getN fills out with buffers, as many as are free, and returns how
// many.
func (p *bufPool) getN(out []*packetBuf) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := min(len(out), len(p.free))
	copy(out, p.free[len(p.free)-k:])
	clear(p.free[len(p.free)-k:])
	p.free = p.free[:len(p.free)-k]
	for ; k < len(out) && p.made < cap(p.free); k++ {
		out[k] = new(packetBuf)
		p.made++
	}
	return k
}

func (p *bufPool) put(b *packetBuf) {
	one := [1]*packetBuf{b}
	p.putN(one[:])
}

// putN gives buffers back, reset.
func (p *bufPool) putN(bufs []*packetBuf) {
	for _, b := range bufs {
		b.off, b.n, b.inner, b.noCompress = 0, 0, 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := min(len(bufs), cap(p.free)-len(p.free))
	p.free = append(p.free, bufs[:k]...)
}

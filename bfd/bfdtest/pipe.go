// Package bfdtest provides an in-memory transport for tests of bfd.Manager
// and of anything built on it, in the manner of wireguard-go's
// conn/bindtest: two Managers joined by a Pipe run a whole BFD exchange in
// one process, with no socket and no decoding in between.
//
// A Pipe has two Links, one per direction. A Link is the bfd.Sender of the
// sessions on its side: Send copies the packet into a queue, and a
// goroutine of the Link hands it to the other side's Receive with an
// RxMeta as a single-hop UDP socket would fill it in (TTL 255, the two
// addresses of the Pipe). Delivery is asynchronous because a Manager holds
// a session lock across Send and may answer a Poll from inside Receive; a
// synchronous loop through two Managers would deadlock. Packets keep their
// order; a full queue drops, as a real link would.
//
// Links can drop everything (SetDrop, Pipe.Cut: a link cut) or pass each
// packet through a Filter that rewrites or drops it (a wrong TTL, a spoofed
// source, corruption). These settings are taken at Send, so a test that
// changes them between two Sends knows which packet each one applies to.
// Close a Pipe when done: it owns two goroutines.
package bfdtest

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/patronus-sdwan/patronus/bfd"
)

// Queue and frame sizes of a Link.
const (
	// QueueLen is how many packets a Link holds before it drops.
	QueueLen = 256
	// MaxPacket is the largest packet a Link carries: the BFD Length
	// field is one byte.
	MaxPacket = 255
)

// ErrClosed is returned by Send on a closed Link.
var ErrClosed = errors.New("bfdtest: link closed")

// ErrTooLong is returned by Send for a packet longer than MaxPacket.
var ErrTooLong = errors.New("bfdtest: packet longer than 255 bytes")

// Filter inspects a packet before delivery. It may modify b (a private
// copy) and m; returning false drops the packet. It runs on the Link's
// goroutine.
type Filter func(b []byte, m *bfd.RxMeta) bool

// SetTTL returns a Filter that sets the received TTL, e.g. 64 to play a
// packet that crossed a router (RFC 5881 §5).
func SetTTL(ttl int) Filter {
	return func(_ []byte, m *bfd.RxMeta) bool { m.TTL = ttl; return true }
}

// SetSource returns a Filter that rewrites the source address.
func SetSource(src netip.Addr) Filter {
	return func(_ []byte, m *bfd.RxMeta) bool { m.Src = src; return true }
}

// Pipe joins two Receivers (normally *bfd.Manager) back to back.
type Pipe struct {
	// AtoB is the Sender for sessions on side A: it delivers to B with
	// source address A and destination B. BtoA is the reverse.
	AtoB, BtoA *Link
}

// NewPipe returns a running Pipe between a at address addrA and b at
// addrB.
func NewPipe(a, b bfd.Receiver, addrA, addrB netip.Addr) *Pipe {
	return &Pipe{AtoB: NewLink(b, addrA, addrB), BtoA: NewLink(a, addrB, addrA)}
}

// Cut drops every packet in both directions while cut is true.
func (p *Pipe) Cut(cut bool) {
	p.AtoB.SetDrop(cut)
	p.BtoA.SetDrop(cut)
}

// Close stops both Links and waits for their goroutines. It is idempotent.
func (p *Pipe) Close() {
	p.AtoB.Close()
	p.BtoA.Close()
}

// Link carries packets one way to a Receiver. It implements bfd.Sender.
// Deliberately it is not an io.Closer: a Manager closes a session's Sender
// when the session is removed, and one Link serves many sessions.
type Link struct {
	to   bfd.Receiver
	q    chan frame
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	mu     sync.Mutex // guards meta, filter; taken by Send
	meta   bfd.RxMeta
	filter Filter

	drop                     atomic.Bool
	sent, delivered, dropped atomic.Uint64
}

var _ bfd.Sender = (*Link)(nil)

// frame is a queued packet with the delivery settings of its Send.
type frame struct {
	meta   bfd.RxMeta
	filter Filter
	n      int
	b      [MaxPacket]byte
}

// NewLink returns a running Link delivering to to, as if sent from src to
// dst over a single hop.
func NewLink(to bfd.Receiver, src, dst netip.Addr) *Link {
	l := &Link{
		to: to, q: make(chan frame, QueueLen), done: make(chan struct{}),
		meta: bfd.RxMeta{Src: src, Dst: dst, TTL: 255},
	}
	l.wg.Add(1)
	go l.run()
	return l
}

// Send queues a copy of b for delivery with the RxMeta and Filter in force
// now. It never blocks: when the Link drops (SetDrop) or its queue is full
// the packet is lost and counted, and Send returns nil, as a datagram
// socket would.
func (l *Link) Send(b []byte) error {
	if len(b) > MaxPacket {
		return ErrTooLong
	}
	select {
	case <-l.done:
		return ErrClosed
	default:
	}
	l.sent.Add(1)
	if l.drop.Load() {
		l.dropped.Add(1)
		return nil
	}
	var f frame
	l.mu.Lock()
	f.meta, f.filter = l.meta, l.filter
	l.mu.Unlock()
	f.n = copy(f.b[:], b)
	select {
	case l.q <- f:
	default:
		l.dropped.Add(1)
	}
	return nil
}

func (l *Link) run() {
	defer l.wg.Done()
	for {
		select {
		case <-l.done:
			return
		case f := <-l.q:
			l.deliver(&f)
		}
	}
}

func (l *Link) deliver(f *frame) {
	b := f.b[:f.n]
	if f.filter != nil && !f.filter(b, &f.meta) {
		l.dropped.Add(1)
		return
	}
	l.delivered.Add(1)
	l.to.Receive(b, f.meta)
}

// SetDrop makes Send drop every packet while drop is true.
func (l *Link) SetDrop(drop bool) { l.drop.Store(drop) }

// SetFilter installs f for the packets sent from now on; nil removes it.
func (l *Link) SetFilter(f Filter) {
	l.mu.Lock()
	l.filter = f
	l.mu.Unlock()
}

// SetMeta replaces the RxMeta that packets sent from now on carry (before
// the Filter runs), e.g. to play a multihop path.
func (l *Link) SetMeta(m bfd.RxMeta) {
	l.mu.Lock()
	l.meta = m
	l.mu.Unlock()
}

// Stats reports how many packets were sent, handed to the Receiver, and
// dropped (queue full, SetDrop or Filter).
func (l *Link) Stats() (sent, delivered, dropped uint64) {
	return l.sent.Load(), l.delivered.Load(), l.dropped.Load()
}

// Close stops the Link and waits for its goroutine; packets still queued
// are discarded. Send then returns ErrClosed. Close is idempotent.
func (l *Link) Close() {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
}

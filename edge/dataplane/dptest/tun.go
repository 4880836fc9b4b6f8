// Package dptest has in-memory fakes of the data plane's boundaries
// (dataplane.Deps), as wireguard-go's tun/tuntest and conn/bindtest: a
// TUN the test injects LAN packets into and reads delivered packets
// from, a WAN that carries datagrams between link sockets and can cut a
// link, and a route programmer that records routes. With them several
// sites run in one test process, without root and without the kernel.
package dptest

import (
	"os"
	"sync"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/tun"
)

// TUN is an in-memory overlay interface. Packets given to Inject are
// what the data plane reads; packets it writes come out of Out.
type TUN struct {
	mtu    int
	in     chan []byte
	out    chan []byte
	events chan tun.Event

	closeOnce sync.Once
	closed    chan struct{}

	// Dropped counts packets written while Out was full.
	Dropped atomic.Uint64
}

var _ tun.Device = (*TUN)(nil)

// queueLen bounds each direction of a TUN.
const queueLen = 4096

// NewTUN returns a TUN with mtu.
func NewTUN(mtu int) *TUN {
	t := &TUN{mtu: mtu, in: make(chan []byte, queueLen), out: make(chan []byte, queueLen),
		events: make(chan tun.Event, 1), closed: make(chan struct{})}
	t.events <- tun.EventUp
	return t
}

// Inject queues a copy of pkt for the data plane to read, as if a LAN
// host had sent it; it reports false when the TUN is closed or full.
func (t *TUN) Inject(pkt []byte) bool {
	select {
	case <-t.closed:
		return false
	default:
	}
	select {
	case t.in <- append([]byte(nil), pkt...):
		return true
	default:
		return false
	}
}

// Out delivers the packets the data plane wrote, one copy each.
func (t *TUN) Out() <-chan []byte { return t.out }

// Read waits for one injected packet, then takes what else is queued.
func (t *TUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	var p []byte
	select {
	case p = <-t.in:
	case <-t.closed:
		return 0, os.ErrClosed
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n][offset:], p)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-t.in:
		default:
			return n, nil
		}
	}
}

// Write copies the packets to Out; those that do not fit are dropped
// and counted.
func (t *TUN) Write(bufs [][]byte, offset int) (int, error) {
	select {
	case <-t.closed:
		return 0, os.ErrClosed
	default:
	}
	for _, b := range bufs {
		select {
		case t.out <- append([]byte(nil), b[offset:]...):
		default:
			t.Dropped.Add(1)
		}
	}
	return len(bufs), nil
}

func (t *TUN) File() *os.File           { return nil }
func (t *TUN) MTU() (int, error)        { return t.mtu, nil }
func (t *TUN) Name() (string, error)    { return "dptest", nil }
func (t *TUN) Events() <-chan tun.Event { return t.events }
func (t *TUN) BatchSize() int           { return 16 }

// Close ends Read and Write with os.ErrClosed.
func (t *TUN) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		close(t.events)
	})
	return nil
}

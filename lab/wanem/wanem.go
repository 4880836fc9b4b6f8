// Package wanem is the lab's userspace WAN emulator. These machines have no
// kernel netem, so a Bridge forwards Ethernet frames between two interfaces
// of one network namespace and holds each frame back by a delay plus
// random jitter, per direction, keeping the order of frames as a real link
// does. Loss and rate limits are left to nftables and tbf.
//
// Frames are read and written with AF_PACKET sockets with virtio-net
// headers, so GSO super-frames (wireguard-go sends UDP GSO) pass through
// intact and are segmented by the kernel where needed.
package wanem

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// frameMax is a GSO super-frame plus its virtio-net header.
	frameMax = 65535 + vnetHdrLen
	// vnetHdrLen is sizeof(struct virtio_net_hdr).
	vnetHdrLen = 10
	// queueLen is how many frames may be in flight per direction; beyond
	// that frames are dropped and counted, as a real queue overflows.
	queueLen = 8192
)

// Impairment is what a direction of the emulated link does to frames.
type Impairment struct {
	Delay  time.Duration // added to every frame
	Jitter time.Duration // each frame gets Delay plus a uniform amount in ±Jitter (order is kept)
}

// Validate refuses negative values.
func (i Impairment) Validate() error {
	if i.Delay < 0 || i.Jitter < 0 {
		return fmt.Errorf("wanem: delay %v and jitter %v must not be negative", i.Delay, i.Jitter)
	}
	return nil
}

// Bridge joins two interfaces through the emulator.
type Bridge struct {
	imp  atomic.Pointer[Impairment]
	a, b *os.File
	wg   sync.WaitGroup
	held atomic.Bool

	// Held counts the frames read while held (see Hold): another path
	// (the lab's bridge) still carries them.
	Forwarded, Dropped, Held atomic.Uint64
}

// Hold makes the Bridge read and discard frames (true) or forward them
// (false). A Bridge opened on ports that still have another way across
// is held until that way is gone, so the hand-over leaves no gap.
func (br *Bridge) Hold(h bool) { br.held.Store(h) }

// Open starts a Bridge between the interfaces named ifA and ifB of the
// current network namespace. They should have no addresses of their own.
// With held, it discards what it reads until Hold(false).
func Open(ifA, ifB string, held bool) (*Bridge, error) {
	a, err := openPort(ifA)
	if err != nil {
		return nil, err
	}
	b, err := openPort(ifB)
	if err != nil {
		a.Close()
		return nil, err
	}
	br := &Bridge{a: a, b: b}
	br.held.Store(held)
	br.imp.Store(&Impairment{})
	br.wg.Add(4)
	br.direction(a, b)
	br.direction(b, a)
	return br, nil
}

// Set changes the impairment of both directions at once; frames already
// in flight keep theirs.
func (br *Bridge) Set(i Impairment) error {
	if err := i.Validate(); err != nil {
		return err
	}
	br.imp.Store(&i)
	return nil
}

// Impairment returns the current setting.
func (br *Bridge) Impairment() Impairment { return *br.imp.Load() }

// Close stops the Bridge and waits for its goroutines.
func (br *Bridge) Close() error {
	err := errors.Join(br.a.Close(), br.b.Close())
	br.wg.Wait()
	return err
}

// openPort opens a non-blocking AF_PACKET socket bound to ifname that
// sees every frame the interface receives but not those it sends.
func openPort(ifname string) (*os.File, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("wanem: %w", err)
	}
	// Protocol 0: the socket receives nothing until it is bound to the
	// interface, so no frame of another interface slips in before.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("wanem: packet socket: %w", err)
	}
	for _, o := range [][2]int{{unix.PACKET_VNET_HDR, 1}, {unix.PACKET_IGNORE_OUTGOING, 1}} {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, o[0], o[1]); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("wanem: %s: setsockopt %d: %w", ifname, o[0], err)
		}
	}
	mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
	if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("wanem: %s: promiscuous: %w", ifname, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("wanem: bind %s: %w", ifname, err)
	}
	return os.NewFile(uintptr(fd), "wanem:"+ifname), nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// frame is one frame in flight.
type frame struct {
	buf *[]byte
	n   int
	due time.Time
}

var bufs = sync.Pool{New: func() any { b := make([]byte, frameMax); return &b }}

// direction starts the reader and the writer of one direction.
func (br *Bridge) direction(from, to *os.File) {
	q := make(chan frame, queueLen)
	go br.read(from, q)
	go br.write(to, q)
}

// read timestamps each frame with its departure time: now + delay ±
// jitter, never before the previous frame's.
func (br *Bridge) read(from *os.File, q chan<- frame) {
	defer br.wg.Done()
	defer close(q)
	var last time.Time
	for {
		b := bufs.Get().(*[]byte)
		n, err := from.Read(*b)
		if err != nil {
			bufs.Put(b)
			return
		}
		if br.held.Load() {
			br.Held.Add(1)
			bufs.Put(b)
			continue
		}
		imp := br.imp.Load()
		d := imp.Delay
		if imp.Jitter > 0 {
			d += time.Duration(rand.Int64N(int64(2*imp.Jitter)+1)) - imp.Jitter
		}
		due := time.Now().Add(max(d, 0))
		if due.Before(last) {
			due = last
		}
		last = due
		select {
		case q <- frame{buf: b, n: n, due: due}:
		default:
			br.Dropped.Add(1)
			bufs.Put(b)
		}
	}
}

// write sends each frame when it is due.
func (br *Bridge) write(to *os.File, q <-chan frame) {
	defer br.wg.Done()
	for f := range q {
		if d := time.Until(f.due); d > 0 {
			time.Sleep(d)
		}
		if _, err := to.Write((*f.buf)[:f.n]); err == nil {
			br.Forwarded.Add(1)
		} else {
			br.Dropped.Add(1)
		}
		bufs.Put(f.buf)
	}
}

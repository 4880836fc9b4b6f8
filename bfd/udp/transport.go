//go:build linux

package udp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
)

// ErrClosed is returned by NewSender after Close.
var ErrClosed = errors.New("bfd/udp: transport closed")

// Transport is the UDP transport of a BFD Manager: shared listening
// sockets feeding a bfd.Receiver, and a factory of per-session Senders.
type Transport struct {
	cfg     Config
	log     *slog.Logger
	recv    bfd.Receiver
	readers []*reader // fixed after Listen
	wg      sync.WaitGroup
	stats   counters

	mu       sync.Mutex // guards the fields below; held across NewSender's socket calls
	closed   bool
	senders  map[*Sender]struct{}
	ports    map[uint16]struct{} // source ports of open senders
	nextPort uint16              // where the search for a free source port resumes
	batchers [4]*batcher         // shared sockets of BatchedSenders, see batcherFor

	batching atomic.Bool // a batcher exists: Flush has work to look at
}

// Listen opens the listening sockets cfg asks for and starts one reader
// goroutine per socket. Each reader calls r.Receive synchronously, so r
// must be safe for concurrent use when more than one socket is open.
func Listen(cfg Config, r bfd.Receiver) (*Transport, error) {
	if r == nil {
		return nil, errors.New("bfd/udp: nil Receiver")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	t := &Transport{
		cfg: cfg, log: cfg.Logger, recv: r,
		senders: make(map[*Sender]struct{}), ports: make(map[uint16]struct{}),
		nextPort: cfg.SourcePortMin,
	}
	if err := t.openReaders(); err != nil {
		return nil, err
	}
	for _, rd := range t.readers {
		t.wg.Add(1)
		go t.serve(rd)
	}
	return t, nil
}

func (t *Transport) openReaders() error {
	for _, spec := range t.cfg.sockets() {
		rd, err := openReader(spec)
		if err != nil {
			t.closeReaders()
			return err
		}
		t.readers = append(t.readers, rd)
		t.log.Info("bfd udp listening", "addr", spec.addr, "multihop", spec.multihop)
	}
	return nil
}

func openReader(spec listenSpec) (*reader, error) {
	network, opts := "udp4", listenOpts4
	if spec.addr.Addr().Is6() {
		network, opts = "udp6", listenOpts6
	}
	lc := net.ListenConfig{Control: control(opts, "")}
	pc, err := lc.ListenPacket(context.Background(), network, spec.addr.String())
	if err != nil {
		return nil, fmt.Errorf("bfd/udp: listen: %w", err)
	}
	growReadBuffer(pc.(*net.UDPConn))
	rd, err := newReader(pc.(*net.UDPConn), spec.multihop)
	if err != nil {
		pc.Close()
		return nil, err
	}
	return rd, nil
}

func (t *Transport) closeReaders() error {
	var errs []error
	for _, rd := range t.readers {
		errs = append(errs, rd.conn.Close())
	}
	return errors.Join(errs...)
}

// Close stops the readers, closes the listening sockets and all Senders
// still open, and returns once the reader goroutines have exited. A reader
// blocked in the kernel is woken at once; one inside Receive finishes the
// call first.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	senders := make([]*Sender, 0, len(t.senders))
	for s := range t.senders {
		senders = append(senders, s)
	}
	t.mu.Unlock()

	err := t.closeReaders()
	t.wg.Wait()
	for _, s := range senders {
		err = errors.Join(err, s.Close())
	}
	t.Flush() // what batched senders queued last, e.g. AdminDown
	for _, b := range t.batchers {
		if b != nil {
			err = errors.Join(err, b.conn.Close())
		}
	}
	t.log.Info("bfd udp closed")
	return err
}

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	return t.stats.snapshot()
}

// serve is the reader goroutine of one listening socket.
func (t *Transport) serve(rd *reader) {
	defer t.wg.Done()
	for rd.read() == nil {
		if rd.errno != 0 {
			t.readError(rd)
			continue
		}
		t.deliver(rd)
		t.Flush() // Finals answering Polls leave now
		if rd.n < batchSize && t.cfg.RxCoalesce > 0 {
			// The queue is drained: let datagrams gather rather than
			// waking for each one.
			time.Sleep(t.cfg.RxCoalesce)
		}
	}
}

// deliver hands the datagrams of the last batch to the Receiver.
func (t *Transport) deliver(rd *reader) {
	t.stats.batch(rd.n)
	now := time.Now()
	for i := range rd.n {
		m, drop := rd.meta(i, &t.stats)
		m.Time = now
		if drop != nil {
			drop.Add(1)
			continue
		}
		// Counted before the call, so that whoever the Receiver tells
		// already sees it in Stats.
		t.stats.delivered.Add(1)
		t.recv.Receive(rd.packet(i), m)
	}
}

// readError counts a failed recvmmsg and logs the 1st, 2nd, 4th, 8th...
func (t *Transport) readError(rd *reader) {
	n := t.stats.readErrors.Add(1)
	if bits.OnesCount64(n) == 1 {
		t.log.Warn("bfd udp read error", "addr", localAddr(rd.conn), "err", rd.errno, "count", n)
	}
}

func localAddr(c *net.UDPConn) netip.AddrPort {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

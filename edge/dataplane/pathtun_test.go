package dataplane

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/policy"
)

// repool gives d and its paths a pool of n buffers.
func repool(d *Dataplane, n int) {
	d.pool = newBufPool(n)
	for _, p := range d.paths {
		p.tun.pool = d.pool
	}
}

// freeLen is the number of buffers the pool can still give: those given
// back and those not made yet.
func (p *bufPool) freeLen() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free) + cap(p.free) - p.made
}

// numbered is a UDP packet to site 2's LAN whose payload carries i.
func numbered(i int) []byte {
	return udpPacket("10.11.0.2", "10.22.0.2", []byte(fmt.Sprintf("packet %04d", i)))
}

// readBatch calls the path TUN's Read as the WireGuard device does and
// returns copies of the packets it got.
func readBatch(t *testing.T, pt *pathTUN, batch int) [][]byte {
	t.Helper()
	bufs, sizes := make([][]byte, batch), make([]int, batch)
	for i := range bufs {
		bufs[i] = make([]byte, tunOffset+2000)
	}
	n, err := pt.Read(bufs, sizes, tunOffset)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range n {
		out[i] = append([]byte(nil), bufs[i][tunOffset:tunOffset+sizes[i]]...)
	}
	return out
}

// TestBatchHandover: the packets of one overlay read go to their path in
// one push, in order, in the very buffers the overlay was read into;
// the path's device reads them in one call, and every buffer is back in
// the pool after.
func TestBatchHandover(t *testing.T) {
	d, a, _ := steeredPair(t, policy.Policy{Name: "best", SLAClass: "default", Mode: "best-path"})
	repool(d, 256)
	free := d.pool.freeLen()
	if !d.fwdBuffers(32) {
		t.Fatal("no forwarder buffers")
	}
	read := append([]*packetBuf(nil), d.fwd.in[:20]...)
	for i := range 20 {
		d.fwd.sizes[i] = copy(d.fwd.bufs[i][tunOffset:], numbered(i))
	}
	d.forwardBatch(20, time.Now())
	if a.tun.q.len() != 20 || a.TxPackets.Load() != 20 || a.TxBytes.Load() != uint64(20*len(numbered(0))) {
		t.Fatalf("queued %d, tx %d packets %d bytes", a.tun.q.len(), a.TxPackets.Load(), a.TxBytes.Load())
	}
	for i, b := range read {
		if a.tun.q.ring[i] != b {
			t.Fatalf("packet %d was copied: not in the buffer the overlay was read into", i)
		}
	}
	got := readBatch(t, a.tun, 128)
	if len(got) != 20 {
		t.Fatalf("one Read took %d packets", len(got))
	}
	for i, p := range got {
		if !bytes.Equal(p, numbered(i)) {
			t.Fatalf("packet %d out of order: %q", i, p)
		}
	}
	d.pool.putN(d.fwd.in)
	d.pool.putN(d.fwd.spare)
	if d.pool.freeLen() != free {
		t.Errorf("pool: %d buffers free after, %d before", d.pool.freeLen(), free)
	}
}

// TestQueueFullAndClosed: what a full queue refuses is counted and its
// buffers go back to the pool; a closed path's queue refuses everything
// and its Read ends.
func TestQueueFullAndClosed(t *testing.T) {
	d, a, _ := steeredPair(t, policy.Policy{Name: "best", SLAClass: "default", Mode: "best-path"})
	repool(d, pathQueueLen+64)
	for i := range pathQueueLen - 3 {
		if !a.tun.push1(d.pool.get()) {
			t.Fatalf("push %d refused", i)
		}
	}
	free := d.pool.freeLen()
	if !d.fwdBuffers(8) {
		t.Fatal("no forwarder buffers")
	}
	for i := range 8 {
		d.fwd.sizes[i] = copy(d.fwd.bufs[i][tunOffset:], numbered(i))
	}
	d.forwardBatch(8, time.Now())
	if a.tun.q.len() != pathQueueLen || d.Stats.QueueFull.Load() != 5 || a.TxPackets.Load() != 3 {
		t.Fatalf("queued %d, queue full %d, tx %d", a.tun.q.len(), d.Stats.QueueFull.Load(), a.TxPackets.Load())
	}
	if got := d.pool.freeLen() + len(d.fwd.in) + len(d.fwd.spare) + 3; got != free {
		t.Fatalf("buffers: %d accounted for, %d before", got, free)
	}
	before := d.pool.freeLen()
	_ = a.tun.Close()
	if d.pool.freeLen() != before+pathQueueLen || a.tun.push1(new(packetBuf)) {
		t.Fatalf("after close: %d free, queue takes packets: %v", d.pool.freeLen(), a.tun.q.len())
	}
	if _, err := a.tun.Read(make([][]byte, 1), make([]int, 1), tunOffset); err != os.ErrClosed {
		t.Fatalf("Read after close: %v", err)
	}
}

// TestReadWaitsForPush: a Read that finds the queue empty waits; a push
// from another goroutine wakes it; a batch larger than the device's
// takes two Reads.
func TestReadWaitsForPush(t *testing.T) {
	pool := newBufPool(300)
	pt := newPathTUN("t", 1420, pool, nil, nil)
	got := make(chan [][]byte)
	go func() { got <- readBatch(t, pt, 128) }()
	time.Sleep(10 * time.Millisecond) // lets Read block, mostly: the test holds either way
	batch := make([]*packetBuf, 200)
	pool.getN(batch)
	for i, b := range batch {
		b.n = copy(b.b[:], numbered(i))
	}
	if k := pt.q.push(batch); k != 200 {
		t.Fatalf("pushed %d", k)
	}
	all := <-got
	if len(all) != pathBatch {
		t.Fatalf("the first Read took %d packets, not the device's batch of %d", len(all), pathBatch)
	}
	for len(all) < 200 {
		next := readBatch(t, pt, 128)
		if len(next) == 0 || len(next) > pathBatch {
			t.Fatalf("a Read took %d packets", len(next))
		}
		all = append(all, next...)
	}
	for i, p := range all {
		if !bytes.Equal(p, numbered(i)) {
			t.Fatalf("packet %d out of order: %q", i, p)
		}
	}
	if pool.freeLen() != 300 {
		t.Errorf("%d buffers back in the pool", pool.freeLen())
	}
}

// TestForwardPathNoAllocs: a batch from the overlay through the
// forwarder (parse, route, classify, steer, handover) and the path
// device's Read allocates nothing.
func TestForwardPathNoAllocs(t *testing.T) {
	d, a, _ := steeredPair(t, policy.Policy{Name: "best", SLAClass: "default", Mode: "best-path"})
	repool(d, 1024)
	if !d.fwdBuffers(64) {
		t.Fatal("no forwarder buffers")
	}
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1392))
	bufs, sizes := make([][]byte, 128), make([]int, 128)
	for i := range bufs {
		bufs[i] = make([]byte, tunOffset+65535)
	}
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() {
		for i := range 64 {
			d.fwd.sizes[i] = copy(d.fwd.bufs[i][tunOffset:], pkt)
		}
		d.forwardBatch(64, now)
		for got := 0; got < 64; {
			n, err := a.tun.Read(bufs, sizes, tunOffset)
			if n == 0 || err != nil {
				t.Fatalf("Read: %d, %v", n, err)
			}
			got += n
		}
	}); n != 0 {
		t.Errorf("%v allocations per batch of 64 packets", n)
	}
}

// BenchmarkForwardBatch: the cost per packet of the forwarding path from
// the overlay read's buffers to the path device's buffers: parse, route,
// classify, steer, hand over a batch of 64, Read (one copy).
func BenchmarkForwardBatch(b *testing.B) {
	d, a, _ := steeredPair(b, policy.Policy{Name: "best", SLAClass: "default", Mode: "best-path"})
	repool(d, 1024)
	if !d.fwdBuffers(64) {
		b.Fatal("no forwarder buffers")
	}
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1392))
	bufs, sizes := make([][]byte, 128), make([]int, 128)
	for i := range bufs {
		bufs[i] = make([]byte, tunOffset+65535)
	}
	now := time.Now()
	b.SetBytes(int64(64 * len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		for i := range 64 {
			d.fwd.sizes[i] = copy(d.fwd.bufs[i][tunOffset:], pkt)
		}
		d.forwardBatch(64, now)
		_, _ = a.tun.Read(bufs, sizes, tunOffset)
	}
}

//go:build linux

package udp

import (
	"net/netip"
	"testing"
	"unsafe"
)

// TestMmsghdrLayout checks mmsghdr against struct mmsghdr of 64-bit Linux.
func TestMmsghdrLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout checked on 64-bit platforms")
	}
	if got := unsafe.Sizeof(mmsghdr{}); got != 64 {
		t.Errorf("sizeof(mmsghdr) = %d, want 64", got)
	}
}

// TestSendAllocs asserts that Send does not allocate, for each family.
func TestSendAllocs(t *testing.T) {
	r := newCountReceiver()
	tr := listen(t, loopbackConfig(t), r)
	pkt := make([]byte, 24)
	for _, addr := range []netip.Addr{lo4, lo6} {
		s := openSender(t, tr, addr, addr, false, "")
		allocs := testing.AllocsPerRun(1000, func() {
			if err := s.Send(pkt); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: Send allocates %v times", addr, allocs)
		}
	}
}

// TestReceiveAllocs asserts that the receive path, from recvmmsg to
// Receive, does not allocate in steady state: each run sends a batch and
// waits until the reader goroutine has delivered all of it.
func TestReceiveAllocs(t *testing.T) {
	for _, addr := range []netip.Addr{lo4, lo6} {
		t.Run(addr.String(), func(t *testing.T) {
			r := newCountReceiver()
			tr := listen(t, loopbackConfig(t), r)
			s := openSender(t, tr, addr, addr, true, "")
			allocs := testing.AllocsPerRun(200, func() { sendBurst(t, s, r, batchSize) })
			if allocs != 0 {
				t.Errorf("%v allocations per %d packets received", allocs, batchSize)
			}
		})
	}
}

// burstPacket is what sendBurst sends: allocated once, as Send's argument
// escapes.
var burstPacket = make([]byte, 24)

// sendBurst sends n packets through s and waits until r has them all.
func sendBurst(t testing.TB, s *Sender, r *countReceiver, n int) {
	r.want.Store(r.n.Load() + int64(n))
	for range n {
		if err := s.Send(burstPacket); err != nil {
			t.Fatal(err)
		}
	}
	<-r.done
}

// BenchmarkReceive measures one packet sent and received over loopback.
// allocs/op is the receive and send path together; pkts/batch is the mean
// number of datagrams per recvmmsg call.
func BenchmarkReceive(b *testing.B) {
	r := newCountReceiver()
	tr := listen(b, loopbackConfig(b), r)
	s := openSender(b, tr, lo4, lo4, false, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		sendBurst(b, s, r, min(batchSize, b.N-i))
	}
	b.StopTimer()
	st := tr.Stats()
	var batches uint64
	for _, n := range st.BatchSizes {
		batches += n
	}
	b.ReportMetric(float64(st.Received)/float64(batches), "pkts/batch")
}

// BenchmarkSend measures Send of a 24-byte Control packet to a listener.
func BenchmarkSend(b *testing.B) {
	tr := listen(b, loopbackConfig(b), newCountReceiver())
	s := openSender(b, tr, lo4, lo4, false, "")
	pkt := make([]byte, 24)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(pkt); err != nil && err != ErrBufferFull {
			b.Fatal(err)
		}
	}
}

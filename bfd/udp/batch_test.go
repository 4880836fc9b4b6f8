//go:build linux

package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
)

// TestBatchedDelivery: batched packets leave only on Flush, from the
// session's local address (IP_PKTINFO / IPV6_PKTINFO), with TTL 255, to the
// right port; all batched sessions of a family and kind share one source
// port from the RFC 5881 range.
func TestBatchedDelivery(t *testing.T) {
	r := newChanReceiver()
	tr := listen(t, loopbackConfig(t), r)
	lo := loIndex(t)
	src4 := netip.MustParseAddr("127.0.0.2") // any 127/8 address is local on lo
	for _, tc := range []struct {
		local, peer netip.Addr
		multihop    bool
	}{
		{src4, lo4, false}, {src4, lo4, true}, {lo6, lo6, false}, {lo6, lo6, true},
	} {
		t.Run(fmt.Sprintf("%v-multihop-%v", tc.local, tc.multihop), func(t *testing.T) {
			s, err := tr.NewBatchedSender(tc.local, tc.peer, tc.multihop, "")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			s2, err := tr.NewBatchedSender(tc.local, tc.peer, tc.multihop, "lo")
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if s.LocalPort() != s2.LocalPort() || s.LocalPort() < DefaultSourcePortMin {
				t.Errorf("source ports %d and %d: want one shared port in the RFC 5881 range", s.LocalPort(), s2.LocalPort())
			}
			if err := s.Send([]byte("queued")); err != nil {
				t.Fatal(err)
			}
			select {
			case p := <-r.ch:
				t.Fatalf("packet %q left before Flush", p.b)
			case <-time.After(50 * time.Millisecond):
			}
			tr.Flush()
			p := r.next(t)
			p.m.Time = time.Time{}
			want := rxMetaFor(tc.local, tc.peer, lo, tc.multihop)
			if string(p.b) != "queued" || p.m != want {
				t.Errorf("got %q %+v, want %q %+v", p.b, p.m, "queued", want)
			}
		})
	}
}

// rxMetaFor is the metadata a packet from local to peer on lo arrives with.
func rxMetaFor(local, peer netip.Addr, lo int, multihop bool) bfd.RxMeta {
	return bfd.RxMeta{Src: local, Dst: peer, IfIndex: lo, TTL: 255, Multihop: multihop}
}

// TestBatchedOverflow: more packets than one sendmmsg takes are all sent.
func TestBatchedOverflow(t *testing.T) {
	r := newCountReceiver()
	tr := listen(t, loopbackConfig(t), r)
	s, err := tr.NewBatchedSender(lo4, lo4, false, "")
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*maxSendBatch + 5
	r.want.Store(n)
	for i := range n {
		if err := s.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	tr.Flush()
	select {
	case <-r.done:
	case <-time.After(rxTimeout):
		t.Fatalf("received %d of %d", r.n.Load(), n)
	}
	if st := tr.Stats(); st.Sent != n || st.SendDropped != 0 || st.SendErrors != 0 {
		t.Errorf("stats %+v, want %d sent", st, n)
	}
}

// TestBatchedAllocs: queueing and flushing allocate nothing.
func TestBatchedAllocs(t *testing.T) {
	r := newCountReceiver()
	tr := listen(t, loopbackConfig(t), r)
	pkt := make([]byte, 24)
	for _, addr := range []netip.Addr{lo4, lo6} {
		s, err := tr.NewBatchedSender(addr, addr, false, "")
		if err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(500, func() {
			for range 8 {
				if err := s.Send(pkt); err != nil {
					t.Fatal(err)
				}
			}
			tr.Flush()
		})
		if allocs != 0 {
			t.Errorf("%v: 8 Sends and a Flush allocate %v times", addr, allocs)
		}
	}
}

func TestBatchedClose(t *testing.T) {
	tr := listen(t, loopbackConfig(t), newCountReceiver())
	s, err := tr.NewBatchedSender(lo4, lo4, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v, want net.ErrClosed", err)
	}
	if _, err := tr.NewBatchedSender(lo4, lo4, false, "no-such-if0"); err == nil {
		t.Error("NewBatchedSender accepted an unknown interface")
	}
	tr.Close()
	if _, err := tr.NewBatchedSender(lo4, lo4, false, ""); !errors.Is(err, ErrClosed) {
		t.Errorf("NewBatchedSender after Close: %v, want ErrClosed", err)
	}
}

package bfdtest

import (
	"bytes"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/patronus-sdwan/patronus/bfd"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

var _ bfd.Receiver = (*recorder)(nil)

// recorder is a Receiver that keeps what it got.
type recorder struct {
	mu   sync.Mutex
	pkts [][]byte
	meta []bfd.RxMeta
	got  chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, QueueLen)} }

func (r *recorder) Receive(b []byte, m bfd.RxMeta) {
	r.mu.Lock()
	r.pkts = append(r.pkts, bytes.Clone(b))
	r.meta = append(r.meta, m)
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.got:
		case <-time.After(5 * time.Second):
			t.Fatal("packet not delivered")
		}
	}
}

func TestPipe(t *testing.T) {
	ra, rb := newRecorder(), newRecorder()
	p := NewPipe(ra, rb, addrA, addrB)
	defer p.Close()
	for i := range 10 {
		if err := p.AtoB.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.BtoA.Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	rb.wait(t, 10)
	ra.wait(t, 1)
	for i, b := range rb.pkts {
		if len(b) != 1 || b[0] != byte(i) {
			t.Errorf("packet %d = %x: order lost", i, b)
		}
		if want := (bfd.RxMeta{Src: addrA, Dst: addrB, TTL: 255}); rb.meta[i] != want {
			t.Errorf("meta %+v, want %+v", rb.meta[i], want)
		}
	}
	if want := (bfd.RxMeta{Src: addrB, Dst: addrA, TTL: 255}); ra.meta[0] != want {
		t.Errorf("reverse meta %+v, want %+v", ra.meta[0], want)
	}
	if s, d, x := p.AtoB.Stats(); s != 10 || d != 10 || x != 0 {
		t.Errorf("stats sent %d delivered %d dropped %d", s, d, x)
	}
}

func TestLinkSendCopies(t *testing.T) {
	r := newRecorder()
	l := NewLink(r, addrA, addrB)
	defer l.Close()
	b := []byte("abc")
	l.Send(b)
	b[0] = 'X' // Send must not retain b
	r.wait(t, 1)
	if string(r.pkts[0]) != "abc" {
		t.Errorf("delivered %q", r.pkts[0])
	}
}

func TestLinkDropAndFilter(t *testing.T) {
	r := newRecorder()
	p := NewPipe(newRecorder(), r, addrA, addrB)
	defer p.Close()
	p.Cut(true)
	p.AtoB.Send([]byte("cut"))
	p.Cut(false)
	p.AtoB.SetFilter(func(b []byte, m *bfd.RxMeta) bool { return b[0] != 'd' })
	p.AtoB.Send([]byte("drop"))
	p.AtoB.SetFilter(SetTTL(64))
	p.AtoB.Send([]byte("ttl"))
	p.AtoB.SetFilter(SetSource(addrA.Next().Next()))
	p.AtoB.Send([]byte("src"))
	p.AtoB.SetFilter(nil)
	p.AtoB.SetMeta(bfd.RxMeta{Src: addrA, Dst: addrB, TTL: 250, Multihop: true})
	p.AtoB.Send([]byte("multihop"))
	r.wait(t, 3)
	if len(r.pkts) != 3 || string(r.pkts[0]) != "ttl" || r.meta[0].TTL != 64 {
		t.Fatalf("got %q %+v", r.pkts, r.meta)
	}
	if r.meta[1].Src != netip.MustParseAddr("192.0.2.3") || !r.meta[2].Multihop || r.meta[2].TTL != 250 {
		t.Errorf("meta %+v", r.meta)
	}
	if s, d, x := p.AtoB.Stats(); s != 5 || d != 3 || x != 2 {
		t.Errorf("stats sent %d delivered %d dropped %d", s, d, x)
	}
}

func TestLinkClose(t *testing.T) {
	l := NewLink(newRecorder(), addrA, addrB)
	if err := l.Send(make([]byte, MaxPacket+1)); !errors.Is(err, ErrTooLong) {
		t.Errorf("oversize Send = %v", err)
	}
	l.Close()
	l.Close()
	if err := l.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close = %v", err)
	}
}

// TestLinkFull checks that a full queue drops instead of blocking.
func TestLinkFull(t *testing.T) {
	block := make(chan struct{})
	r := receiverFunc(func([]byte, bfd.RxMeta) { <-block })
	l := NewLink(r, addrA, addrB)
	for range QueueLen + 10 {
		l.Send([]byte("x"))
	}
	if _, _, dropped := l.Stats(); dropped == 0 {
		t.Error("no drop on a full queue")
	}
	close(block)
	l.Close()
}

type receiverFunc func([]byte, bfd.RxMeta)

func (f receiverFunc) Receive(b []byte, m bfd.RxMeta) { f(b, m) }

package bfd_test

import (
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/bfdtest"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// TestMain fails the package if any test leaves a goroutine behind: timers
// of removed sessions, subscription pumps, Links.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Documentation addresses (RFC 5737): the Pipe never leaves the process.
var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

// Bounds of the real-time tests. Coming Up takes one slow-rate interval
// (1 s, RFC 5880 §6.8.3); everything else a few 20 ms intervals.
const (
	fastInterval = 20 * time.Millisecond
	upTimeout    = 5 * time.Second
	waitTimeout  = 3 * time.Second
)

// sessionConfig is a single-hop session from local to peer at 20 ms × 3.
func sessionConfig(local, peer netip.Addr) bfd.SessionConfig {
	return bfd.SessionConfig{
		Key: bfd.Key{Local: local, Peer: peer},
		Config: session.Config{
			DesiredMinTx: fastInterval, RequiredMinRx: fastInterval, DetectMult: 3,
		},
	}
}

// pair is two Managers joined by a Pipe with one session each way.
type pair struct {
	a, b     *bfd.Manager
	pipe     *bfdtest.Pipe
	ka, kb   bfd.Key // the session's key on a and on b
	evA, evB <-chan bfd.StateChange
}

// newPair starts two Managers with a session each, a subscription each,
// and registers their cleanup. edit may change the configurations.
func newPair(t *testing.T, edit func(a, b *bfd.SessionConfig)) *pair {
	t.Helper()
	p := &pair{a: bfd.NewManager(nil), b: bfd.NewManager(nil)}
	p.pipe = bfdtest.NewPipe(p.a, p.b, addrA, addrB)
	var cancelA, cancelB func()
	p.evA, cancelA = p.a.Subscribe()
	p.evB, cancelB = p.b.Subscribe()
	t.Cleanup(func() {
		p.a.Close()
		p.b.Close()
		p.pipe.Close()
		// Undrained subscriptions must end on cancel, even after Close.
		cancelA()
		cancelB()
	})
	ca, cb := sessionConfig(addrA, addrB), sessionConfig(addrB, addrA)
	if edit != nil {
		edit(&ca, &cb)
	}
	p.ka, p.kb = ca.Key, cb.Key
	if _, err := p.a.Add(ca, p.pipe.AtoB); err != nil {
		t.Fatal(err)
	}
	if _, err := p.b.Add(cb, p.pipe.BtoA); err != nil {
		t.Fatal(err)
	}
	return p
}

// up waits until both sessions of p are Up.
func (p *pair) up(t *testing.T) {
	t.Helper()
	waitState(t, p.evA, p.ka, packet.StateUp, upTimeout)
	waitState(t, p.evB, p.kb, packet.StateUp, upTimeout)
}

// waitState reads ch until k goes to state to (any state if to is 0xff)
// and returns that change.
func waitState(t *testing.T, ch <-chan bfd.StateChange, k bfd.Key, to packet.State, d time.Duration) bfd.StateChange {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("%s: subscription closed waiting for %v", k, to)
			}
			if ev.Key == k && (ev.To == to || to == 0xff) {
				return ev
			}
		case <-timeout:
			t.Fatalf("%s: not %v within %v", k, to, d)
		}
	}
}

// noChange fails if ch carries a state change within d.
func noChange(t *testing.T, ch <-chan bfd.StateChange, d time.Duration) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected change %s: %v→%v (%v)", ev.Key, ev.From, ev.To, ev.Diag)
	case <-time.After(d):
	}
}

// eventually waits up to d for cond, which reads state that no event
// announces (counters). It is the one polling loop of these tests.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// info returns the snapshot of k on m.
func info(t *testing.T, m *bfd.Manager, k bfd.Key) bfd.SessionInfo {
	t.Helper()
	si, ok := m.Session(k)
	if !ok {
		t.Fatalf("%s: no session", k)
	}
	return si
}

// peerPacket encodes a packet that the peer of a session with local
// discriminator your would send in state st, advertising interval × 3.
func peerPacket(t testing.TB, st packet.State, my, your uint32, interval time.Duration) []byte {
	t.Helper()
	c := packet.Control{
		State: st, DetectMult: 3, MyDiscriminator: my, YourDiscriminator: your,
		DesiredMinTxInterval:  uint32(interval / time.Microsecond),
		RequiredMinRxInterval: uint32(interval / time.Microsecond),
	}
	b := make([]byte, packet.MaxLen)
	n, err := c.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n]
}

// discard is a Sender that drops everything.
type discard struct{}

func (discard) Send([]byte) error { return nil }

var _ bfd.Sender = discard{}

// rxFrom is the RxMeta of a single-hop packet from addrB to addrA.
var rxFrom = bfd.RxMeta{Src: addrB, Dst: addrA, TTL: 255}

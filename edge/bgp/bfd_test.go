package bgp

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/bfd/udp"
)

// routerBFD is the router's end of a BFD session with the edge, on the
// project's engine.
type routerBFD struct {
	t   *testing.T
	mgr *bfd.Manager
	tr  *udp.Transport
	tx  *udp.Sender
	key bfd.Key
}

func newRouterBFD(t *testing.T, local string, port uint16) *routerBFD {
	t.Helper()
	mgr := bfd.NewManager(slog.New(slog.DiscardHandler))
	tr, err := udp.Listen(udp.Config{EnableV4: true, SingleHop: true, SingleHopPort: port, ListenV4: netip.MustParseAddr(local)}, mgr)
	if err != nil {
		t.Fatal(err)
	}
	r := &routerBFD{t: t, mgr: mgr, tr: tr, key: bfd.Key{Local: netip.MustParseAddr(local), Peer: edgeAddr}}
	t.Cleanup(func() { _ = mgr.Close(); _ = tr.Close() })
	r.up()
	return r
}

// up (re)starts the router's session.
func (r *routerBFD) up() {
	r.t.Helper()
	_ = r.mgr.Remove(r.key)
	tx, err := r.tr.NewSender(r.key.Local, r.key.Peer, false, "")
	if err != nil {
		r.t.Fatal(err)
	}
	r.tx = tx
	cfg := bfd.SessionConfig{Key: r.key, Config: session.Config{DesiredMinTx: BFDInterval, RequiredMinRx: BFDInterval, DetectMult: BFDMultiplier}}
	if _, err := r.mgr.Add(cfg, tx); err != nil {
		r.t.Fatal(err)
	}
}

// die makes the router silent, as a crashed one is.
func (r *routerBFD) die() { _ = r.tx.Close() }

// TestBFDTakesSessionDown: the neighbour's BFD session going down takes
// its BGP session down within the BFD detection time (not the 90 s hold
// time), and its routes are unlearned; BFD back up brings it back.
func TestBFDTakesSessionDown(t *testing.T) {
	port := freePort(t)
	bfdPort := uint16(freePort(t))
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	rb := newRouterBFD(t, "127.0.0.2", bfdPort)
	n := r.neighbor()
	n.BFD = true
	var l learned
	s, err := Start(baseConfig(port, n), Options{OnLearned: l.set, BFDPort: bfdPort, BFDListen: edgeAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitFor(t, sessionTimeout, "BGP established and BFD up", func() bool {
		return established(s, r)() && s.neighbor(r.addr).BFDState == "up"
	})
	r.announce("10.1.50.0/24")
	waitFor(t, 5*time.Second, "learned", func() bool { return l.text() == "10.1.50.0/24" })

	rb.die()
	took := waitFor(t, 3*time.Second, "BGP session down after BFD down", func() bool {
		nb := s.neighbor(r.addr)
		return nb.State != "established" && nb.Reason == "bfd down"
	})
	waitFor(t, time.Second, "routes unlearned", func() bool { return l.text() == "" })
	detect := BFDInterval * BFDMultiplier
	t.Logf("BGP session down %v after the router went silent (detection time %v)", took, detect)
	if took > detect+300*time.Millisecond {
		t.Errorf("took %v, want within the detection time %v", took, detect)
	}

	rb.up()
	waitFor(t, sessionTimeout, "BGP established again once BFD is up", established(s, r))
}

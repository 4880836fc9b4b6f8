package dataplane

import (
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
)

// errTUN is an overlay interface whose reads fail with errs in turn and
// whose writes fail with writeErr.
type errTUN struct {
	tun.Device
	errs     []error
	writeErr error
}

func (t *errTUN) BatchSize() int { return 4 }

func (t *errTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	err := t.errs[0]
	t.errs = t.errs[1:]
	return 0, err
}

func (t *errTUN) Write(bufs [][]byte, offset int) (int, error) { return 0, t.writeErr }

// TestForwardReadErrors: a super-packet of too many segments is counted
// and forwarding goes on; a closed interface ends it.
func TestForwardReadErrors(t *testing.T) {
	d := withSteering(t, &Dataplane{log: slog.New(slog.DiscardHandler), pool: newBufPool(16),
		tun: &errTUN{errs: []error{tun.ErrTooManySegments, tun.ErrTooManySegments, os.ErrClosed}}})
	d.wg.Add(1)
	done := make(chan struct{})
	go func() { d.forward(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("forward did not end on a closed interface")
	}
	if n := d.Stats.OverlayRead.Load(); n != 3 {
		t.Errorf("drop_overlay_read = %d, want 3", n)
	}
}

// TestDeliveryWriteErrorsCounted: packets the overlay interface refuses
// are counted, not reported to WireGuard (which would log each batch);
// a closed interface is reported.
func TestDeliveryWriteErrorsCounted(t *testing.T) {
	d, p, path := deliveryFixture(t)
	ft := &errTUN{writeErr: errors.New("no buffer space")}
	d.tun = ft
	deliver := d.delivery(p, path)
	pkt := append(make([]byte, tunOffset), synPacket(false, 1380, 0x02)...) // from the peer's LAN
	if n, err := deliver([][]byte{pkt, pkt}, tunOffset); err != nil || n != 2 {
		t.Fatalf("deliver = %d, %v; want 2, nil", n, err)
	}
	if got := d.Stats.OverlayWrite.Load(); got != 2 {
		t.Errorf("drop_overlay_write = %d, want 2", got)
	}
	ft.writeErr = os.ErrClosed
	if _, err := deliver([][]byte{pkt}, tunOffset); !errors.Is(err, os.ErrClosed) {
		t.Errorf("closed interface: err %v, want os.ErrClosed", err)
	}
}

// deliveryFixture is site 2 (10.22.0.0/24) with peer site 1
// (10.11.0.0/24) and one path to it.
func deliveryFixture(t *testing.T) (*Dataplane, *peer, *Path) {
	t.Helper()
	routes := mustRoutes(t,
		route.Route{Prefix: netip.MustParsePrefix("10.22.0.0/24"), Dest: route.Dest{Site: 2, Local: true}},
		route.Route{Prefix: netip.MustParsePrefix("10.11.0.0/24"), Dest: route.Dest{Site: 1}},
	)
	d := withSteering(t, &Dataplane{cfg: &config.Valid{ID: 2, Overlay: config.Overlay{MTU: 1420}}, routes: routes, pool: newBufPool(8)})
	p := &peer{cfg: config.ValidPeer{ID: 1}}
	path := &Path{shim: testEndpoint(2, 1, nil)}
	return d, p, path
}

package dataplane

import (
	"log/slog"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"

	"github.com/patronus-sdwan/patronus/edge/ippkt/pkttest"
)

// withSteering gives a Dataplane built field by field in a test what
// Start gives a real one for steering: the default policies, an engine
// without paths, a classifier and a BFD manager.
func withSteering(t testing.TB, d *Dataplane) *Dataplane {
	t.Helper()
	if d.cfg == nil {
		d.cfg = &config.Valid{}
	}
	if d.cfg.Steering.Rules == nil {
		d.cfg.Steering = *policy.Default()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.cur == nil {
		d.cur = d.cfg
	}
	var err error
	if d.engine, err = steer.New(d.steerConfig(nil, &d.cfg.Steering), time.Now()); err != nil {
		t.Fatal(err)
	}
	d.classifier = classify.New(d.cfg.Steering.Rules, classify.Options{})
	d.st = &d.cfg.Steering
	if d.routes == nil {
		d.routes = route.New()
	}
	d.publishLocked()
	d.bfd = bfd.NewManager(nil)
	t.Cleanup(func() { _ = d.bfd.Close() })
	d.fwd = newFwdState(d.st.Rules)
	return d
}

// mustRoutes is the route table of rs.
func mustRoutes(t testing.TB, rs ...route.Route) *route.Table {
	t.Helper()
	tb, err := route.Build(rs)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// synPacket is edge/ippkt/pkttest's.
var synPacket = pkttest.SYN

// testEndpoint is the shim end of a path from site local to site peer,
// compression off, with duplicate filter w (nil: its own).
func testEndpoint(local, peer uint16, w *shim.Window) *shim.Endpoint {
	return shim.NewEndpoint(shim.EndpointConfig{LocalSite: local, PeerSite: peer, MTU: 1420, Window: w})
}

// routePacket routes pkt as the forwarder does an overlay read of one
// packet: read into a forwarder buffer, routed, handed to its path at the
// batch's end. The forwarder's buffers come from d.pool on first use.
func routePacket(t testing.TB, d *Dataplane, pkt []byte, now time.Time) {
	if d.fwd.in == nil && !d.fwdBuffers(1) {
		t.Fatal("the pool has no buffers for the forwarder")
	}
	d.fwd.sizes[0] = copy(d.fwd.bufs[0][tunOffset:], pkt)
	d.forwardBatch(1, now)
}

// popOne takes the oldest packet queued on p, nil if none. The caller
// gives it back to the pool.
func popOne(p *Path) *packetBuf {
	var one [1]*packetBuf
	p.tun.q.pop(one[:])
	return one[0]
}

package dataplane

import (
	"bytes"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"
)

// steeredPair is a data plane of site 1 with two paths to site 2, both
// up, whose unclassified traffic has policy pol.
func steeredPair(t testing.TB, pol policy.Policy) (*Dataplane, *Path, *Path) {
	t.Helper()
	routes := mustRoutes(t, route.Route{Prefix: netip.MustParsePrefix("10.22.0.0/24"), Dest: route.Dest{Site: 2}})
	cfg := &config.Valid{ID: 1, Overlay: config.Overlay{MTU: 1420},
		Links: []config.ValidLink{{Name: "inet", Color: "inet", Cost: 10}, {Name: "lte", Color: "lte", Cost: 20}}}
	cfg.Steering = *policy.Default()
	st := &cfg.Steering
	st.Policies = append(st.Policies, steer.Policy{Name: pol.Name, SLA: pol.SLAClass, Colors: pol.Colors})
	if err := st.Policies[len(st.Policies)-1].Mode.UnmarshalText([]byte(pol.Mode)); err != nil {
		t.Fatal(err)
	}
	st.NoCompress = append(st.NoCompress, false)
	for i := range st.PolicyOf {
		st.PolicyOf[i] = len(st.Policies) - 1
	}
	d := withSteering(t, &Dataplane{cfg: cfg, routes: routes, pool: newBufPool(16)})
	mk := func(id string, li int) *Path {
		p := &Path{ID: id, site: 2, link: &wanLink{cfg: cfg.Links[li]}, num: li + 1, shim: testEndpoint(1, 2, nil)}
		p.tun = newPathTUN(id, 1420, d.pool, p.shim, nil)
		return p
	}
	a, b := mk("s1/inet->s2/inet", 0), mk("s1/lte->s2/lte", 1)
	d.peers = map[uint16]*peer{2: {cfg: config.ValidPeer{ID: 2}, paths: []*Path{a, b}}}
	d.paths = []*Path{a, b}
	if err := d.engine.Set(d.steerConfig(d.paths, st), time.Now()); err != nil {
		t.Fatal(err)
	}
	d.st = st
	d.publishLocked()
	for _, p := range []*Path{b, a} { // the preferred first: no hold-down
		if _, err := d.engine.SetBFD(p.ID, packet.StateUp, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return d, a, b
}

func take(t *testing.T, p *Path) []byte {
	t.Helper()
	b := popOne(p)
	if b == nil {
		return nil
	}
	out := append([]byte(nil), b.bytes()...)
	p.tun.pool.put(b)
	return out
}

// TestRouteDuplicates: in duplicate mode the forwarder sends each packet
// on both paths with the same sequence number; the peer's delivery
// takes the first copy and drops the second.
func TestRouteDuplicates(t *testing.T) {
	d, a, b := steeredPair(t, policy.Policy{Name: "dup", SLAClass: "default", Mode: "duplicate"})
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(100))
	routePacket(t, d, pkt, time.Now())
	pa, pb := take(t, a), take(t, b)
	if pa == nil || pb == nil {
		t.Fatalf("copies: %d on a, %d on b bytes", len(pa), len(pb))
	}
	_, _, ha, body, err := shim.Decode(pa)
	_, _, hb, _, errb := shim.Decode(pb)
	if err != nil || errb != nil || !ha.HasSeq || !hb.HasSeq || ha.Seq != hb.Seq || !bytes.Equal(body, pkt) {
		t.Fatalf("copies: %v %v %+v %+v", err, errb, ha, hb)
	}
	if d.Stats.Duplicated.Load() != 1 || d.Stats.Steered.Load() != 1 {
		t.Errorf("stats %d duplicated, %d steered", d.Stats.Duplicated.Load(), d.Stats.Steered.Load())
	}
	routePacket(t, d, pkt, time.Now())
	_, _, h2, _, _ := shim.Decode(take(t, a))
	if take(t, b) == nil || h2.Seq != ha.Seq+1 {
		t.Errorf("second packet: seq %d after %d", h2.Seq, ha.Seq)
	}
	// Too large for the shim's headers: sent once, plain.
	big := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1420-28))
	routePacket(t, d, big, time.Now())
	ga, gb := take(t, a), take(t, b)
	if (ga == nil) == (gb == nil) || !bytes.Equal(append(ga, gb...), big) || d.Stats.DupTooLarge.Load() != 1 {
		t.Errorf("large packet: %d bytes on a, %d on b, dup_too_large %d", len(ga), len(gb), d.Stats.DupTooLarge.Load())
	}

	// The receiving end: site 2.
	routes := mustRoutes(t,
		route.Route{Prefix: netip.MustParsePrefix("10.22.0.0/24"), Dest: route.Dest{Site: 2, Local: true}},
		route.Route{Prefix: netip.MustParsePrefix("10.11.0.0/24"), Dest: route.Dest{Site: 1}},
	)
	ft := &fakeTUN{}
	rx := withSteering(t, &Dataplane{cfg: &config.Valid{ID: 2, Overlay: config.Overlay{MTU: 1420}}, tun: ft, routes: routes, pool: newBufPool(4)})
	site1 := &peer{cfg: config.ValidPeer{ID: 1}}
	ra := &Path{shim: testEndpoint(2, 1, rx.windowOf(1))}
	rb := &Path{shim: testEndpoint(2, 1, rx.windowOf(1))}
	in := func(p []byte) [][]byte { return [][]byte{append(make([]byte, tunOffset, tunOffset+65535), p...)} }
	_, _ = rx.delivery(site1, rb)(in(pb), tunOffset)
	_, _ = rx.delivery(site1, ra)(in(pa), tunOffset)
	if len(ft.written) != 1 || !bytes.Equal(ft.written[0], pkt) {
		t.Fatalf("overlay got %d packets", len(ft.written))
	}
	if _, drops := ra.shim.Status(time.Now()); drops["duplicate"] != 1 {
		t.Errorf("drops %v", drops)
	}
}

// TestRouteFollowsSteering: the forwarder sends a flow on the path
// steering chose, moves it when that path goes down, and does not
// allocate for a known flow.
func TestRouteFollowsSteering(t *testing.T) {
	d, a, b := steeredPair(t, policy.Policy{Name: "pref-lte", SLAClass: "default", Colors: []string{"lte"}})
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(100))
	routePacket(t, d, pkt, time.Now())
	if take(t, b) == nil || take(t, a) != nil {
		t.Fatal("the flow did not take the preferred colour")
	}
	if _, err := d.engine.SetBFD(b.ID, packet.StateDown, time.Now()); err != nil {
		t.Fatal(err)
	}
	routePacket(t, d, pkt, time.Now())
	if take(t, a) == nil {
		t.Fatal("the flow did not move off the path that went down")
	}
	now := time.Now()
	if n := testing.AllocsPerRun(200, func() {
		routePacket(t, d, pkt, now)
		d.pool.put(popOne(a))
	}); n != 0 {
		t.Errorf("route allocates %v times per packet of a known flow", n)
	}
}

// TestBFDPausedOnSilentPath: a path that has never heard from its peer
// holds its BFD after silentNever (WireGuard would stage every packet for
// a handshake that does not come); hearing from the peer lifts it, and a
// path that has heard from its peer holds it only after WireGuard's
// session lifetime without a packet.
func TestBFDPausedOnSilentPath(t *testing.T) {
	d := withSteering(t, &Dataplane{pool: newBufPool(4)})
	p := &Path{started: time.Now().Add(-time.Minute), shim: testEndpoint(1, 2, nil)}
	p.tun = newPathTUN("t", 1420, d.pool, p.shim, nil)
	tx := pathSender{d, p}
	if err := tx.Send([]byte{1, 2, 3}); err != errSilent || p.tun.q.len() != 0 {
		t.Fatalf("silent path: %v, %d queued", err, p.tun.q.len())
	}
	p.lastRx.Store(time.Now().UnixNano())
	if err := tx.Send([]byte{1, 2, 3}); err != nil || p.tun.q.len() != 1 {
		t.Fatalf("after hearing the peer: %v, %d queued", err, p.tun.q.len())
	}
	young := &Path{started: time.Now()}
	if young.silent(time.Now()) {
		t.Error("a new path is silent before it had a chance to hear its peer")
	}
	p.lastRx.Store(time.Now().Add(-time.Minute).UnixNano())
	if p.silent(time.Now()) {
		t.Error("a path that heard its peer a minute ago (its session still valid) holds its BFD")
	}
	p.lastRx.Store(time.Now().Add(-silentHeard - time.Second).UnixNano())
	if !p.silent(time.Now()) {
		t.Error("a path whose session has expired keeps sending BFD")
	}
}

// TestStateChangeSignalled: a BFD state change that changes the path's
// state, and a path state change of steering, call OnStateChange's
// function; a steering decision does not.
func TestStateChangeSignalled(t *testing.T) {
	d, a, _ := steeredPair(t, policy.Policy{Name: "pref-lte", SLAClass: "default", Colors: []string{"lte"}})
	var calls atomic.Int32
	d.OnStateChange(func() { calls.Add(1) })
	a.bfdKey = bfd.Key{IfIndex: a.num}
	d.publishLocked()
	changes := make(chan bfd.StateChange, 1)
	d.wg.Add(1)
	go d.watchBFD(changes)
	changes <- bfd.StateChange{Time: time.Now(), Key: a.bfdKey, From: packet.StateDown, To: packet.StateInit}
	close(changes)
	d.wg.Wait()
	base := calls.Load() // the BFD change, and the path state change steering made of it
	if base < 1 {
		t.Fatal("no call for a BFD change")
	}
	d.logEvents([]steer.Event{{Kind: steer.PathState, PathID: a.ID, Reason: "bfd down"}})
	if n := calls.Load(); n != base+1 {
		t.Fatalf("%d calls after a path state change, want %d", n, base+1)
	}
	d.logEvents([]steer.Event{{Kind: steer.Decision, PathID: a.ID}})
	d.OnStateChange(nil)
	d.logEvents([]steer.Event{{Kind: steer.PathState, PathID: a.ID}})
	if n := calls.Load(); n != base+1 {
		t.Fatalf("%d calls: a decision, or a change after OnStateChange(nil), was signalled", n)
	}
}

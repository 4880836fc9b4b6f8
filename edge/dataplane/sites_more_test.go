package dataplane_test

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// stream injects udp(from, to, seq, size) at s every interval until
// stopped; it returns the stop function and the next sequence number.
func stream(s *testSite, from, to, size int, every time.Duration) (stop func(), next *atomic.Uint32) {
	next = new(atomic.Uint32)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.tun.Inject(udp(from, to, next.Add(1)-1, size))
			}
		}
	}()
	return func() { close(done); wg.Wait() }, next
}

// collector records the sequence numbers delivered at a site.
type collector struct {
	mu   sync.Mutex
	seen map[uint32]int
	done chan struct{}
	wg   sync.WaitGroup
}

func collect(s *testSite) *collector {
	c := &collector{seen: map[uint32]int{}, done: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case p := <-s.tun.Out():
				c.mu.Lock()
				c.seen[seqOf(p)]++
				c.mu.Unlock()
			case <-c.done:
				return
			}
		}
	}()
	return c
}

func (c *collector) stop() { close(c.done); c.wg.Wait() }

// has reports whether seq arrived, and how often.
func (c *collector) has(seq uint32) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[seq]
}

// waitFor waits until seq arrived.
func (c *collector) waitFor(t *testing.T, seq uint32, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); c.has(seq) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("packet %d not delivered within %v", seq, timeout)
		}
	}
}

// carrier is the path of s that sent the most packets.
func carrier(s *testSite) localapi.PathStatus {
	var best localapi.PathStatus
	for _, p := range s.dp.Status().Paths {
		if p.TxPackets > best.TxPackets {
			best = p
		}
	}
	return best
}

// txOf is the packets path id of s sent.
func txOf(s *testSite, id string) uint64 {
	for _, p := range s.dp.Status().Paths {
		if p.ID == id {
			return p.TxPackets
		}
	}
	return 0
}

// waitDetection waits until every path of s is up and detects a failure
// within max.
func waitDetection(t *testing.T, s *testSite, max time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		slow := ""
		for _, p := range s.dp.Status().Paths {
			if p.BFDState != "up" || p.BFD.DetectionTimeMS > float64(max.Milliseconds()) {
				slow = p.ID
			}
		}
		if slow == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("path %s: detection time not within %v after 10 s", slow, max)
		}
	}
}

// TestSitesFailover: a stream from site 1 to site 2; the WAN link of the
// path carrying it is cut; BFD takes the path down, steering moves the
// flow, and the stream arrives again over another path.
func TestSitesFailover(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	c := collect(s2)
	defer c.stop()
	stop, next := stream(s1, 1, 2, 200, 2*time.Millisecond)
	defer stop()
	c.waitFor(t, 50, 10*time.Second)
	p := carrier(s1)
	// The stream made site 2 busy: every path to it asked its peer for
	// BFD at the configured 100 ms instead of the idle rate (adaptive
	// BFD). Every one, not only the carrier: the cut takes down both
	// paths of the carrier's local link, and the failover may pick the
	// other one first, which must then be found down as fast.
	waitDetection(t, s1, time.Second)
	link := map[string]int{"inet": 0, "lte": 1}[p.LocalLink]
	n.wan.Cut(linkAddr(1, link), true)
	cutAt := next.Load()
	defer func() {
		if t.Failed() {
			for _, ps := range s1.dp.Status().Paths {
				t.Logf("%s %s bfd %s tx %d", ps.ID, ps.State, ps.BFDState, ps.TxPackets)
			}
			for _, ps := range s2.dp.Status().Paths {
				t.Logf("s2: %s %s bfd %s rx %d", ps.ID, ps.State, ps.BFDState, ps.RxPackets)
			}
			t.Logf("s2 forwarder %v, dropped %d", s2.dp.Status().Forwarder, s2.tun.Dropped.Load())
			t.Logf("cut %s at packet %d, forwarder %v", p.ID, cutAt, s1.dp.Status().Forwarder)
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); s1.dp.SteeringCounts().Failovers == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no failover within 20 s")
		}
	}
	moved, cutTx := next.Load(), txOf(s1, p.ID)
	c.waitFor(t, moved+50, 10*time.Second)
	if tx := txOf(s1, p.ID); tx != cutTx {
		t.Errorf("the stream still leaves by %s: %d more packets", p.ID, tx-cutTx)
	}
	states, _ := s1.dp.PathStates()
	for _, ps := range states {
		if ps.ID == p.ID && ps.State != "down" {
			t.Errorf("cut path %s is %s", ps.ID, ps.State)
		}
	}
}

// TestSitesDuplicate: in duplicate mode every packet leaves on two
// paths and arrives once; the receiver drops the second copies.
func TestSitesDuplicate(t *testing.T) {
	const dup = "policies:\n  - {name: dup, sla_class: default, mode: duplicate}\n"
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD+dup))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD+dup))
	n.waitUp()
	const count = 300
	for i := range count {
		s1.tun.Inject(udp(1, 2, uint32(i), 300))
		time.Sleep(time.Millisecond)
	}
	got := expect(t, s2, count, 10*time.Second)
	extra := expect(t, s2, 1, 300*time.Millisecond)
	for i := range uint32(count) {
		if got[i] != 1 {
			t.Fatalf("packet %d delivered %d times", i, got[i])
		}
	}
	if len(extra) != 0 {
		t.Errorf("more packets than sent: %v", extra)
	}
	if d := s1.dp.Stats.Duplicated.Load(); d < count/2 {
		t.Errorf("%d packets duplicated, want most of %d", d, count)
	}
	var dropped uint64
	for _, p := range s2.dp.Status().Paths {
		dropped += p.ShimDrops["duplicate"]
	}
	if dropped < count/2 {
		t.Errorf("receiver dropped %d second copies, want most of %d", dropped, count)
	}
}

// compressionOn is slowBFD with compression on for every peer.
const compressionOn = "defaults:\n  compression: true\n  bfd: {tx_interval: 100ms, rx_interval: 100ms, multiplier: 10}\n"

// TestSitesCompression: with compression on at both ends, the paths
// agree in Hellos, compressible packets travel compressed and arrive as
// they were sent.
func TestSitesCompression(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, compressionOn))
	s2 := n.start(2, n.config(2, []int{1}, compressionOn))
	n.waitUp()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		active := true
		for _, p := range s1.dp.Status().Paths {
			active = active && p.Compression.Active
		}
		if active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("compression not active on every path")
		}
	}
	const count = 100
	for i := range count {
		s1.tun.Inject(udp(1, 2, uint32(i), 1200))
	}
	for i := range count {
		select {
		case p := <-s2.tun.Out():
			if !bytes.Equal(p, udp(1, 2, seqOf(p), 1200)) {
				t.Fatalf("packet %d changed on the way", i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d packets delivered", i, count)
		}
	}
	var tx, rx uint64
	for _, p := range s1.dp.Status().Paths {
		tx += p.Compression.Compressed
	}
	for _, p := range s2.dp.Status().Paths {
		rx += p.Compression.RxCompressed
	}
	if tx < count || rx < count {
		t.Errorf("compressed %d sent, %d received; want %d", tx, rx, count)
	}
}

// TestSitesReconfigureUnderTraffic: site 1 streams to site 2 while it
// gains site 3 as a peer and loses it again and turns compression on
// towards site 2: the paths to site 2 stay (same devices, same
// counters), the stream goes on, and site 3 is reached while it is a
// peer.
func TestSitesReconfigureUnderTraffic(t *testing.T) {
	n := newTestNet(t, 1, 2, 3)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	n.start(2, n.config(2, []int{1}, slowBFD))
	s3 := n.start(3, n.config(3, []int{1}, slowBFD))
	c := collect(n.sites[2])
	defer c.stop()
	stop, next := stream(s1, 1, 2, 200, 2*time.Millisecond)
	defer stop()
	c.waitFor(t, 10, 20*time.Second)
	before := s1.dp.Paths()

	ch, err := s1.dp.Reconfigure(n.config(1, []int{2, 3}, compressionOn))
	if err != nil || len(ch.PeersAdded) != 1 || ch.PeersAdded[0] != "s3" || len(ch.Compression) != 1 || len(ch.PeersRestarted) != 0 {
		t.Fatalf("adding s3: %+v, %v", ch, err)
	}
	for i, p := range before {
		if s1.dp.Paths()[i] != p {
			t.Fatalf("path %s to s2 was replaced", p.ID)
		}
	}
	n.waitUp()
	s1.tun.Inject(udp(1, 3, 1e6, 100))
	select {
	case <-s3.tun.Out():
	case <-time.After(10 * time.Second):
		t.Fatal("site 3 not reached after it was added")
	}
	c.waitFor(t, next.Load()+10, 10*time.Second)

	ch, err = s1.dp.Reconfigure(n.config(1, []int{2}, slowBFD))
	if err != nil || len(ch.PeersRemoved) != 1 || ch.PeersRemoved[0] != "s3" {
		t.Fatalf("removing s3: %+v, %v", ch, err)
	}
	if len(s1.dp.Paths()) != 4 || len(s1.routes.Prefixes()) != 2 {
		t.Errorf("after removing s3: %d paths, routes %v", len(s1.dp.Paths()), s1.routes.Prefixes())
	}
	last := next.Load()
	c.waitFor(t, last+10, 10*time.Second)
	lost := 0
	for i := range last {
		if c.has(i) == 0 {
			lost++
		}
	}
	if lost > int(last)/10 {
		t.Errorf("%d of %d packets lost across the reconfigurations", lost, last)
	}
}

// TestReconfigureContinuouslyUnderTraffic: site 1 is reconfigured over
// and over, between two configurations that differ in peers (site 3 in
// and out), compression, policies (duplicate mode) and BFD timers,
// while streams run both ways to site 2 and status, path states and pins
// are read and set from other goroutines. Under -race this proves that
// the forwarder, the receivers and the control loop only ever see a
// snapshot published whole (the race this replaced: a path published
// before its prober and BFD key were written). The stream still flows
// at the end.
func TestReconfigureContinuouslyUnderTraffic(t *testing.T) {
	n := newTestNet(t, 1, 2, 3)
	a := n.config(1, []int{2, 3}, slowBFD)
	b := n.config(1, []int{2}, "defaults:\n  compression: true\n  bfd: {tx_interval: 150ms, rx_interval: 150ms, multiplier: 10}\n"+
		"policies:\n  - {name: dup, sla_class: default, mode: duplicate}\n")
	s1 := n.start(1, a)
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.start(3, n.config(3, []int{1}, slowBFD))
	n.waitUp()
	c := collect(s2)
	defer c.stop()
	stop12, next := stream(s1, 1, 2, 300, time.Millisecond)
	defer stop12()
	stop21, _ := stream(s2, 2, 1, 300, time.Millisecond)
	defer stop21()

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the operator and the agent, reading and pinning
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			st := s1.dp.Status()
			_, _ = s1.dp.PathStates()
			_, _ = s1.dp.Flows()
			if len(st.Paths) > 0 {
				_ = s1.dp.SetPins([]localapi.Pin{{Flow: localapi.FlowSpec{Proto: 6}, Path: st.Paths[0].ID}})
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for i := range 16 { // each starts or stops site 3's four paths: 0.2–0.7 s under -race
		cfg := a
		if i%2 == 0 {
			cfg = b
		}
		if _, err := s1.dp.Reconfigure(cfg); err != nil {
			t.Fatalf("reconfiguration %d: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	if _, err := s1.dp.Reconfigure(a); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, next.Load()+20, 20*time.Second)
}

package dataplane_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// TestSitesAdaptiveBFD: two sites at rest ask each other for BFD every
// 300 ms (adaptive BFD, idle); a voice stream (DSCP EF) from site 1 to
// site 2 makes site 1 ask for the real-time interval on every path to
// site 2, by a Poll Sequence (no state change); site 2, which sends no
// flows, keeps asking for the idle rate. Probes follow: every 100 ms
// while busy, every second at rest. When the stream has been idle for
// the flow idle time (2 s here), site 1 asks for the idle rate again.
func TestSitesAdaptiveBFD(t *testing.T) {
	n := newTestNet(t, 1, 2)
	extra := slowBFD + "  bfd_adaptive: {realtime_interval: 40ms}\nsteering: {flow_idle: 2s}\n"
	s1 := n.start(1, n.config(1, []int{2}, extra))
	s2 := n.start(2, n.config(2, []int{1}, extra))
	n.waitUp()
	// At rest: each end asks for 300 ms, and detects in 10 × 300 ms.
	waitTimers(t, s1, 300, 3000)
	waitTimers(t, s2, 300, 3000)
	transitions := bfdTransitions(s1)
	sent := probesSent(s1)
	time.Sleep(2 * time.Second)
	if d := probesSent(s1) - sent; d > 4*3 { // 4 paths, a probe a second, 2 s
		t.Errorf("%d probes in 2 s at rest on 4 paths", d)
	}

	stop, _ := streamVoice(s1, 2, 20*time.Millisecond)
	// Site 1 asks for 40 ms: site 2 sends at 40 ms, site 1 detects in
	// 10 × 40 ms. Site 1 still sends every 300 ms: site 2 is idle.
	waitTimers(t, s1, 300, 400)
	waitTimers(t, s2, 40, 3000)
	sent = probesSent(s1)
	time.Sleep(time.Second)
	if d := probesSent(s1) - sent; d < 4*5 {
		t.Errorf("%d probes in 1 s with a voice stream on 4 paths, want about 40", d)
	}
	if got := bfdTransitions(s1); got != transitions {
		t.Errorf("%d BFD transitions while changing rates, want none", got-transitions)
	}
	stop()
	waitTimers(t, s1, 300, 3000)
	waitTimers(t, s2, 300, 3000)
	if got := bfdTransitions(s1); got != transitions {
		t.Errorf("%d BFD transitions while changing rates, want none", got-transitions)
	}
}

// TestSitesAdaptiveBFDWithBGP: an edge with BGP neighbours keeps every
// path at defaults.bfd at rest (config.Valid.MinDemand): site 1, with a
// neighbour and no flows, asks for 100 ms and detects in 10 × 100 ms, and
// probes every 100 ms; site 2, without, asks for the idle 300 ms.
func TestSitesAdaptiveBFDWithBGP(t *testing.T) {
	n := newTestNet(t, 1, 2)
	const bgp = "bgp:\n  local_as: 4200000001\n  neighbors:\n    - {address: 10.1.0.2, remote_as: 65001}\n"
	s1 := n.start(1, n.config(1, []int{2}, slowBFD+bgp))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	// Site 1 sends at site 2's 300 ms and detects in 10 × 100 ms; site 2
	// sends at site 1's 100 ms and detects in 10 × 300 ms.
	waitTimers(t, s1, 300, 1000)
	waitTimers(t, s2, 100, 3000)
	sent := probesSent(s1)
	time.Sleep(time.Second)
	if d := probesSent(s1) - sent; d < 4*5 {
		t.Errorf("%d probes in 1 s at rest with a BGP neighbour on 4 paths, want about 40", d)
	}
}

// TestSitesAdaptiveBFDPinned: a pinned flow is demand too. Site 1 pins
// its voice stream to one path to site 2: the pin skips steering's
// lookup, and before pins counted, site 1 kept asking site 2 for the idle
// 300 ms while the voice flow ran (900 ms detection for a call). It asks
// for the real-time interval, as for a steered voice flow, on every path
// to site 2, and for the idle rate again once the stream stops.
func TestSitesAdaptiveBFDPinned(t *testing.T) {
	n := newTestNet(t, 1, 2)
	extra := slowBFD + "  bfd_adaptive: {realtime_interval: 40ms}\nsteering: {flow_idle: 2s}\n"
	s1 := n.start(1, n.config(1, []int{2}, extra))
	s2 := n.start(2, n.config(2, []int{1}, extra))
	n.waitUp()
	waitTimers(t, s2, 300, 3000)
	pin := localapi.Pin{Flow: localapi.FlowSpec{Proto: 17, DstPort: 20000}, Path: "s1/lte->s2/lte"}
	if err := s1.dp.SetPins([]localapi.Pin{pin}); err != nil {
		t.Fatal(err)
	}
	stop, _ := streamVoice(s1, 2, 20*time.Millisecond)
	waitTimers(t, s2, 40, 3000)
	if tx := txOf(s1, pin.Path); tx == 0 {
		t.Errorf("nothing sent on the pinned path %s", pin.Path)
	}
	stop()
	waitTimers(t, s2, 300, 3000)
}

// waitTimers waits until every path of s transmits BFD every tx ms and
// detects a failure in detect ms.
func waitTimers(t *testing.T, s *testSite, tx, detect float64) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ok := true
		for _, p := range s.dp.Status().Paths {
			if p.BFDState != "up" || p.BFD.TxIntervalMS != tx || p.BFD.DetectionTimeMS != detect {
				ok = false
				last = fmt.Sprintf("%s: bfd %s tx %v ms, detection %v ms", p.ID, p.BFDState, p.BFD.TxIntervalMS, p.BFD.DetectionTimeMS)
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("site %d: paths not at tx %v ms, detection %v ms after 15 s (%s)", s.id, tx, detect, last)
}

func bfdTransitions(s *testSite) (n uint64) {
	for _, p := range s.dp.Status().Paths {
		n += p.BFD.Transitions
	}
	return n
}

func probesSent(s *testSite) (n uint64) {
	for _, p := range s.dp.Status().Paths {
		n += p.Probes.Sent
	}
	return n
}

// streamVoice sends a UDP stream marked EF (the built-in rtp
// application, class voice) from site s to site to.
func streamVoice(s *testSite, to int, every time.Duration) (stop func(), next func() uint32) {
	var seq uint32
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				pkt := udp(s.id, to, seq, 200)
				pkt[1] = 46 << 2 // DSCP EF
				binary.BigEndian.PutUint16(pkt[22:], 20000)
				s.tun.Inject(pkt)
				seq++
			}
		}
	}()
	return func() { close(done); <-finished }, func() uint32 { return seq }
}

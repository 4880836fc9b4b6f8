package dataplane_test

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/dataplane"
)

// TestSitesLinksAtRuntime: while site 1 streams to site 2, both sites
// gain a third WAN link (mpls) and later lose it, without a restart: the
// new link's paths to every peer come up (BFD up, so their WireGuard
// handshakes were made), the removed link's paths are gone, the paths
// over the other links are the same devices throughout, and the stream
// loses nothing. Then site 1's overlay MTU changes at runtime: the
// overlay is told (MTUSetter), the paths stay, and a TCP SYN's MSS is
// clamped to the new MTU.
func TestSitesLinksAtRuntime(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	c := collect(s2)
	stop, next := stream(s1, 1, 2, 200, 2*time.Millisecond)
	c.waitFor(t, 10, 20*time.Second)
	first := next.Load()
	before := map[*testSite][]*dataplane.Path{s1: s1.dp.Paths(), s2: s2.dp.Paths()}

	for _, s := range []*testSite{s1, s2} {
		peer := 3 - s.id
		ch, err := s.dp.Reconfigure(n.configWith(s.id, []int{peer}, 3, 1420, slowBFD))
		if err != nil || !slices.Equal(ch.LinksAdded, []string{"mpls"}) || len(ch.PeerLinksChanged) != 1 ||
			len(ch.PeersRestarted)+len(ch.LinksRemoved) != 0 {
			t.Fatalf("site %d: adding mpls: %+v, %v", s.id, ch, err)
		}
	}
	n.waitUp() // every path, the five new ones of each site included
	for s, ps := range before {
		if got := s.dp.Paths(); len(got) != 9 || !kept(got, ps) {
			t.Fatalf("site %d after adding mpls: %d paths, the first four kept: %v", s.id, len(got), kept(got, ps))
		}
	}
	if st := s1.dp.Status(); len(st.Links) != 3 || st.Links[2].Name != "mpls" {
		t.Errorf("site 1 links after adding mpls: %+v", st.Links)
	}

	for _, s := range []*testSite{s1, s2} {
		ch, err := s.dp.Reconfigure(n.config(s.id, []int{3 - s.id}, slowBFD))
		if err != nil || !slices.Equal(ch.LinksRemoved, []string{"mpls"}) || len(ch.LinksAdded) != 0 {
			t.Fatalf("site %d: removing mpls: %+v, %v", s.id, ch, err)
		}
	}
	for s, ps := range before {
		if got := s.dp.Paths(); !slices.Equal(got, ps) {
			t.Errorf("site %d after removing mpls: paths %v, want the first four", s.id, ids(got))
		}
	}
	last := next.Load()
	c.waitFor(t, last+10, 10*time.Second)
	stop()
	c.stop()
	lost := 0
	for i := first; i < last; i++ {
		if c.has(i) == 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d packets lost while links came and went", lost, last-first)
	}

	ch, err := s1.dp.Reconfigure(n.configWith(1, []int{2}, 2, 1380, slowBFD))
	if err != nil || !ch.MTU || len(ch.PeersRestarted)+len(ch.LinksAdded)+len(ch.LinksRemoved) != 0 {
		t.Fatalf("MTU 1380: %+v, %v", ch, err)
	}
	if s1.routes.MTU() != 1380 || !slices.Equal(s1.dp.Paths(), before[s1]) {
		t.Errorf("MTU 1380: overlay at %d, paths kept %v", s1.routes.MTU(), slices.Equal(s1.dp.Paths(), before[s1]))
	}
	s1.tun.Inject(syn(1, 2, 1460))
	if mss := receivedMSS(t, s2); mss != 1380-40 {
		t.Errorf("SYN with MSS 1460 arrived with MSS %d, want %d", mss, 1380-40)
	}
}

// kept reports whether every path of old is in now.
func kept(now, old []*dataplane.Path) bool {
	for _, p := range old {
		if !slices.Contains(now, p) {
			return false
		}
	}
	return true
}

func ids(ps []*dataplane.Path) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// syn is a TCP SYN from 10.from.0.2:40000 to 10.to.0.2:80 with an MSS
// option of mss (checksums left zero: nothing on the way checks them).
func syn(from, to int, mss uint16) []byte {
	pkt := make([]byte, 44)
	pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
	binary.BigEndian.PutUint16(pkt[2:], 44)
	copy(pkt[12:16], []byte{10, byte(from), 0, 2})
	copy(pkt[16:20], []byte{10, byte(to), 0, 2})
	tcp := pkt[20:]
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], 80)
	tcp[12], tcp[13] = 6<<4, 0x02 // 24-byte header, SYN
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	tcp[20], tcp[21] = 2, 4 // MSS option
	binary.BigEndian.PutUint16(tcp[22:], mss)
	return pkt
}

// receivedMSS is the MSS option of the first TCP packet s's overlay
// receives; 0 when none comes within 10 s.
func receivedMSS(t *testing.T, s *testSite) uint16 {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-s.tun.Out():
			if len(p) >= 44 && p[9] == 6 {
				return binary.BigEndian.Uint16(p[42:])
			}
		case <-timeout:
			return 0
		}
	}
}

// TestSitesBFDByColorAtRuntime: BFD timers for one link colour, set
// while the sites run (what the controller's edge settings push), are
// put in force on the paths over that colour's links by Poll Sequence:
// no path restarted, no BFD transition; the other paths keep theirs.
func TestSitesBFDByColorAtRuntime(t *testing.T) {
	n := newTestNet(t, 1, 2)
	const fixed = slowBFD + "  bfd_adaptive: {enabled: false}\n"
	s1 := n.start(1, n.config(1, []int{2}, fixed))
	n.start(2, n.config(2, []int{1}, fixed))
	n.waitUp()
	waitColourTimers(t, s1, map[string][2]float64{"inet": {100, 1000}, "lte": {100, 1000}})
	paths, transitions := s1.dp.Paths(), bfdTransitions(s1)
	ch, err := s1.dp.Reconfigure(n.config(1, []int{2}, fixed+"  bfd_by_color: {lte: {tx_interval: 250ms, rx_interval: 250ms, multiplier: 10}}\n"))
	if err != nil || !ch.Steering || len(ch.PeersRestarted)+len(ch.LinksChanged) != 0 {
		t.Fatalf("bfd_by_color: %+v, %v", ch, err)
	}
	// Site 1 sends every 250 ms on its lte paths and asks site 2 for 250
	// ms: 10 × 250 ms to detect.
	waitColourTimers(t, s1, map[string][2]float64{"inet": {100, 1000}, "lte": {250, 2500}})
	if !slices.Equal(s1.dp.Paths(), paths) || bfdTransitions(s1) != transitions {
		t.Errorf("new BFD timers restarted paths or moved BFD states (%d transitions)", bfdTransitions(s1)-transitions)
	}
}

// waitColourTimers waits until every path of s over a local link named
// in want transmits BFD every want[link][0] ms and detects in
// want[link][1] ms.
func waitColourTimers(t *testing.T, s *testSite, want map[string][2]float64) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ok := true
		for _, p := range s.dp.Status().Paths {
			w := want[p.LocalLink]
			if p.BFDState != "up" || p.BFD.TxIntervalMS != w[0] || p.BFD.DetectionTimeMS != w[1] {
				ok = false
				last = fmt.Sprintf("%s: bfd %s tx %v ms, detection %v ms", p.ID, p.BFDState, p.BFD.TxIntervalMS, p.BFD.DetectionTimeMS)
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("site %d: paths not at %v after 15 s (%s)", s.id, want, last)
}

// TestSitesQualityModelAtRuntime: a new quality model (what the
// controller pushes with the policy set) is in force at once, paths
// kept: with degraded_below_score 100 every path, whose probes score it
// at most 99.7, is degraded; with the default model again they are up.
func TestSitesQualityModelAtRuntime(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	waitStates(t, s1, "up")
	paths := s1.dp.Paths()
	ch, err := s1.dp.Reconfigure(n.config(1, []int{2}, slowBFD+"quality_model: {degraded_below_score: 100, recover_at_score: 100}\n"))
	if err != nil || !ch.Steering {
		t.Fatalf("quality model: %+v, %v", ch, err)
	}
	waitStates(t, s1, "degraded")
	if _, err := s1.dp.Reconfigure(n.config(1, []int{2}, slowBFD)); err != nil {
		t.Fatal(err)
	}
	waitStates(t, s1, "up")
	if !slices.Equal(s1.dp.Paths(), paths) {
		t.Error("a quality model change restarted paths")
	}
}

// waitStates waits until every path of s is in steering state want.
func waitStates(t *testing.T, s *testSite, want string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ok := true
		for _, p := range s.dp.Status().Paths {
			if p.State != want {
				ok, last = false, fmt.Sprintf("%s: %s, score %.1f", p.ID, p.State, p.Score)
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("site %d: paths not %s after 20 s (%s)", s.id, want, last)
}

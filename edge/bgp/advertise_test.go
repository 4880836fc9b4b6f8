package bgp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
)

func TestMED(t *testing.T) {
	for score, want := range map[float64]uint32{100: 0, 97: 0, 90: 10, 89.9: 10, 42: 50, 0: 100, -5: 100, 150: 0} {
		if got := MED(score); got != want {
			t.Errorf("MED(%v) = %d, want %d", score, got, want)
		}
	}
}

// TestMEDHysteresis: a score moving within MEDHysteresis of its MED's
// step keeps the MED; beyond it the MED follows.
func TestMEDHysteresis(t *testing.T) {
	d := newDamper(0)
	now := time.Unix(1e9, 0)
	d.observe(2, true, now)
	p := netip.MustParsePrefix("10.2.0.0/24")
	for i, step := range []struct {
		score float64
		want  uint32
	}{{95, 0}, {89, 0}, {88, 0}, {86.9, 10}, {91, 10}, {93.5, 0}, {42, 50}, {38, 50}, {36, 60}, {0, 100}, {2, 100}, {8, 90}} {
		m, _ := d.desired([]Site{{ID: 2, Prefixes: []netip.Prefix{p}, Up: true, Score: step.score}}, now)
		if m[p].med != step.want {
			t.Errorf("step %d: score %v: MED %d, want %d", i, step.score, m[p].med, step.want)
		}
	}
}

// TestDamping: a site is withdrawn at once, comes back at once the first
// time, and is held down longer the more it flaps; the penalty decays.
func TestDamping(t *testing.T) {
	d := newDamper(time.Second)
	t0 := time.Unix(1e9, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	site := []Site{{ID: 2, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24")}, Up: true, Score: 100}}
	advertised := func(now time.Time) (bool, time.Time) {
		m, wake := d.desired(site, now)
		return len(m) == 1, wake
	}
	step := func(now time.Time, up bool) {
		site[0].Up = up
		d.observe(2, up, now)
	}
	step(at(0), true)
	if ok, _ := advertised(at(0)); !ok {
		t.Fatal("a new site that is up is not advertised at once")
	}
	step(at(1), false)
	if ok, _ := advertised(at(1)); ok {
		t.Fatal("a site that is down is still advertised")
	}
	step(at(2), true) // penalty ≈ 1 → hold 1 s
	if ok, wake := advertised(at(2)); ok || wake.Sub(at(2)) < 900*time.Millisecond || wake.Sub(at(2)) > time.Second {
		t.Fatalf("back after one flap: advertised %v, wake %v", ok, wake)
	}
	if ok, _ := advertised(at(3.1)); !ok {
		t.Fatal("not advertised after the 1 s hold-down")
	}
	for i := 0; i < 4; i++ { // flap four more times
		step(at(4+float64(i)), false)
		step(at(4.5+float64(i)), true)
	}
	_, wake := advertised(at(7.5))
	if h := wake.Sub(at(7.5)); h < 8*time.Second || h > MaxHoldDown {
		t.Fatalf("hold-down after five flaps %v, want 8 s..%v", h, MaxHoldDown)
	}
	step(at(8), false)
	step(at(300), true) // ten half-lives later: forgotten
	if ok, _ := advertised(at(300)); !ok {
		t.Fatal("the penalty did not decay")
	}
}

// TestSharedPrefix: of two sites claiming a prefix the one with the lower
// ID is advertised, the other takes over when the first goes down.
func TestSharedPrefix(t *testing.T) {
	d := newDamper(0)
	p := netip.MustParsePrefix("10.9.0.0/16")
	sites := []Site{{ID: 3, Prefixes: []netip.Prefix{p}, Up: true, Score: 50}, {ID: 2, Prefixes: []netip.Prefix{p}, Up: true, Score: 100}}
	now := time.Unix(1e9, 0)
	for _, s := range sites {
		d.observe(s.ID, s.Up, now)
	}
	if m, _ := d.desired(sites, now); m[p] != (advert{site: 2, med: 0}) {
		t.Fatalf("%+v", m)
	}
	sites[1].Up = false
	d.observe(2, false, now)
	if m, _ := d.desired(sites, now); m[p] != (advert{site: 3, med: 50}) {
		t.Fatalf("%+v", m)
	}
}

func TestSitesOf(t *testing.T) {
	peers := []config.ValidPeer{{Name: "a", ID: 2, Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24")}},
		{Name: "b", ID: 3}, {Name: "c", ID: 4}}
	paths := []PathState{{"a", "down", 0}, {"a", "degraded", 40}, {"a", "up", 90}, {"b", "down", 0}}
	got := SitesOf(peers, paths)
	if !got[0].Up || got[0].Score != 90 || got[0].ID != 2 || len(got[0].Prefixes) != 1 {
		t.Errorf("a = %+v", got[0])
	}
	if got[1].Up || got[2].Up {
		t.Errorf("b, c = %+v %+v: a site whose paths are all down (or that has none) is down", got[1], got[2])
	}
}

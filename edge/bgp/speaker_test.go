package bgp

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
)

const sessionTimeout = 15 * time.Second

var site2 = Site{ID: 2, Name: "site-2", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24"),
	netip.MustParsePrefix("2001:db8:2::/48")}, Up: true, Score: 97}

// TestAdvertiseWithdraw: the other sites' prefixes reach the router with
// the site-of-origin community and a MED from the best path's score;
// they leave at once when the site is down and come back when it is up.
func TestAdvertiseWithdraw(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	var l learned
	s := startSpeaker(t, port, &l, r.neighbor())
	waitFor(t, sessionTimeout, "session established", established(s, r))

	s.SetSites([]Site{site2})
	waitFor(t, 5*time.Second, "site 2's prefixes at the router", func() bool { return len(r.routes()) == 2 })
	got := r.routes()["10.2.0.0/24"]
	if !slices.Contains(got.Communities, "soo:64086.59904:2") || got.MED == nil || *got.MED != 0 || got.NextHop != "127.0.0.1" ||
		!strings.Contains(got.ASPath, "4200000001") {
		t.Fatalf("route at the router: %+v", got)
	}
	if v6 := r.routes()["2001:db8:2::/48"]; !slices.Contains(v6.Communities, "soo:64086.59904:2") {
		t.Fatalf("IPv6 route at the router: %+v", v6)
	}

	degraded := site2
	degraded.Score = 42
	s.SetSites([]Site{degraded})
	waitFor(t, 5*time.Second, "MED 50 for a best path scoring 42", func() bool {
		m := r.routes()["10.2.0.0/24"].MED
		return m != nil && *m == 50
	})

	down := site2
	down.Up = false
	s.SetSites([]Site{down})
	took := waitFor(t, 2*time.Second, "site 2 withdrawn", func() bool { return len(r.routes()) == 0 })
	t.Logf("withdrawn at the router %v after SetSites", took)

	s.SetSites([]Site{site2})
	waitFor(t, 5*time.Second, "site 2 advertised again", func() bool { return len(r.routes()) == 2 })
	if st := s.Status(); st.Advertised != 2 || st.Neighbors[0].Advertised != 2 {
		t.Errorf("status %+v", st)
	}
}

// TestLearnedAndLoopRule: what the router announces is learned, except
// routes with the overlay's site-of-origin, the other sites' prefixes
// and what the import policy refuses; a withdrawal unlearns.
func TestLearnedAndLoopRule(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 4200000001, 4200000001, port, "") // iBGP
	var l learned
	s := startSpeaker(t, port, &l, r.neighbor())
	cfg := baseConfig(port, r.neighbor())
	cfg.Import = config.ValidBGPPolicy{RejectCommunities: []string{"65000:666"}, RejectASPaths: []string{"_65999_"}}
	if err := s.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	s.SetSites([]Site{site2})
	waitFor(t, sessionTimeout, "session established", established(s, r))

	r.announce("10.1.99.0/24")
	r.announce("2001:db8:1:99::/64")
	r.announce("10.1.98.0/24", "soo:4200000000:3") // came from the overlay: loop
	r.announce("10.2.0.0/24")                      // site 2's prefix
	r.announce("10.1.97.0/24", "65000:666")        // refused by the import policy
	r.announce("10.1.96.0/24", "soo:65001:1")      // a site-of-origin of the customer's own: fine
	want := "10.1.96.0/24 10.1.99.0/24 2001:db8:1:99::/64"
	waitFor(t, 5*time.Second, "learned "+want, func() bool { return l.text() == want })

	r.withdraw("10.1.99.0/24")
	want = "10.1.96.0/24 2001:db8:1:99::/64"
	waitFor(t, 5*time.Second, "learned "+want+" after the withdrawal", func() bool { return l.text() == want })
	if _, back := r.routes()["10.1.96.0/24"]; back {
		t.Error("the edge sent a router's route back: only overlay routes may be exported")
	}
}

// TestPrefixLimit: a router that sends more than its limit loses its
// session; the other router keeps its own.
func TestPrefixLimit(t *testing.T) {
	port := freePort(t)
	r1 := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	r2 := newRouter(t, "127.0.0.3", 65011, 4200000001, port, "")
	n1 := r1.neighbor()
	n1.MaxPrefixes, n1.MaxPrefixesRestart = 2, 2*time.Second
	var l learned
	s := startSpeaker(t, port, &l, n1, r2.neighbor())
	waitFor(t, sessionTimeout, "sessions established", func() bool { return established(s, r1)() && established(s, r2)() })
	r2.announce("10.3.0.0/24")
	for _, p := range []string{"10.4.1.0/24", "10.4.2.0/24", "10.4.3.0/24"} {
		r1.announce(p)
	}
	waitFor(t, 5*time.Second, "r1's session closed for its prefix limit", func() bool {
		n := s.neighbor(r1.addr)
		return n.State != "established" && n.Reason == "prefix limit"
	})
	time.Sleep(500 * time.Millisecond)
	if n := s.neighbor(r2.addr); n.State != "established" || n.Accepted != 1 {
		t.Fatalf("r2 = %+v", n)
	}
	waitFor(t, 5*time.Second, "only r2's prefix learned", func() bool { return l.text() == "10.3.0.0/24" })
	evs, _ := s.Events()
	if e := evs[len(evs)-1]; e.Neighbor != "127.0.0.2" || e.From != "established" || e.Reason != "prefix limit" {
		t.Errorf("last event %+v", e)
	}

	// After max_prefixes_restart the session is tried again: the router
	// now within its limit keeps it.
	r1.withdraw("10.4.3.0/24")
	took := waitFor(t, sessionTimeout, "r1's session back after max_prefixes_restart", established(s, r1))
	t.Logf("r1 established again %v after its withdrawal (restart after %v)", took, n1.MaxPrefixesRestart)
	waitFor(t, 5*time.Second, "r1's and r2's prefixes learned", func() bool { return l.text() == "10.3.0.0/24 10.4.1.0/24 10.4.2.0/24" })
}

// TestPrefixLimitRestartAgain: a router that still sends too many after
// the restart closes its session again, once per interval.
func TestPrefixLimitRestartAgain(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	n := r.neighbor()
	n.MaxPrefixes, n.MaxPrefixesRestart = 1, time.Second
	var l learned
	s := startSpeaker(t, port, &l, n)
	waitFor(t, sessionTimeout, "session established", established(s, r))
	r.announce("10.4.1.0/24")
	r.announce("10.4.2.0/24")
	closes := func() int {
		evs, _ := s.Events()
		c := 0
		for _, e := range evs {
			if e.Reason == "prefix limit" {
				c++
			}
		}
		return c
	}
	waitFor(t, 20*time.Second, "the session closed twice by its limit", func() bool { return closes() >= 2 })
	if got := l.text(); got != "" {
		t.Errorf("learned %q from a router over its limit", got)
	}
}

// TestMD5: a session with a TCP MD5 password establishes; a wrong
// password keeps it down.
func TestMD5(t *testing.T) {
	port := freePort(t)
	good := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "s3cret-pw")
	bad := newRouter(t, "127.0.0.3", 65011, 4200000001, port, "wrong")
	ng, nb := good.neighbor(), bad.neighbor()
	ng.Password, nb.Password = "s3cret-pw", "s3cret-pw"
	var l learned
	s := startSpeaker(t, port, &l, ng, nb)
	waitFor(t, sessionTimeout, "MD5 session established", established(s, good))
	if n := s.neighbor(bad.addr); n.State == "established" {
		t.Fatalf("session with a wrong password: %+v", n)
	}
}

// TestReconfigureNeighbors: neighbours come and go by whole state; an
// identical configuration changes nothing.
func TestReconfigureNeighbors(t *testing.T) {
	port := freePort(t)
	r1 := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	r2 := newRouter(t, "127.0.0.3", 65011, 4200000001, port, "")
	var l learned
	s := startSpeaker(t, port, &l, r1.neighbor())
	waitFor(t, sessionTimeout, "r1 established", established(s, r1))
	if err := s.Reconfigure(baseConfig(port, r1.neighbor())); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if evs, _ := s.Events(); evs[len(evs)-1].To != "established" {
		t.Fatalf("an identical configuration moved sessions: %+v", evs)
	}
	if err := s.Reconfigure(baseConfig(port, r2.neighbor())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sessionTimeout, "r2 established", established(s, r2))
	if st := s.Status(); len(st.Neighbors) != 1 || st.Neighbors[0].Address != "127.0.0.3" {
		t.Fatalf("neighbours %+v", st.Neighbors)
	}
}

// TestPolicies: the import prefix list lets only its prefixes in (per
// family: IPv6 has no entry, so none passes), the export policy adds its
// communities to what the router receives.
func TestPolicies(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	var l learned
	cfg := baseConfig(port, r.neighbor())
	cfg.Import = config.ValidBGPPolicy{Prefixes: []config.ValidBGPPrefix{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), MaxLength: 24}}}
	cfg.Export = config.ValidBGPPolicy{AddCommunities: []string{"65000:200"}}
	s, err := Start(cfg, Options{OnLearned: l.set, BFDPort: uint16(freePort(t)), BFDListen: edgeAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitFor(t, sessionTimeout, "session established", established(s, r))
	s.SetSites([]Site{site2})
	for _, p := range []string{"10.1.5.0/24", "10.1.0.0/16", "10.1.5.128/25", "10.9.0.0/24", "2001:db8:1::/64"} {
		r.announce(p)
	}
	want := "10.1.0.0/16 10.1.5.0/24"
	waitFor(t, 5*time.Second, "learned "+want, func() bool { return l.text() == want })
	waitFor(t, 5*time.Second, "export community at the router", func() bool {
		return slices.Contains(r.routes()["10.2.0.0/24"].Communities, "65000:200")
	})
}

// TestPrefixLimitAllowsEchoes: a router that sends the overlay's routes
// back (as FRR does) does not trip the limit with them; its own routes
// beyond the limit still do.
func TestPrefixLimitAllowsEchoes(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	n := r.neighbor()
	n.MaxPrefixes = 2
	var l learned
	s := startSpeaker(t, port, &l, n)
	waitFor(t, sessionTimeout, "session established", established(s, r))
	site := Site{ID: 2, Up: true, Score: 100}
	for _, p := range []string{"10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24", "10.2.4.0/24"} {
		site.Prefixes = append(site.Prefixes, netip.MustParsePrefix(p))
	}
	s.SetSites([]Site{site})
	waitFor(t, 5*time.Second, "the overlay's routes at the router", func() bool { return len(r.routes()) == 4 })
	for _, p := range site.Prefixes {
		r.announce(p.String(), "soo:4200000000:2") // the echo
	}
	r.announce("10.1.1.0/24")
	waitFor(t, 5*time.Second, "the router's own prefix learned", func() bool { return l.text() == "10.1.1.0/24" })
	time.Sleep(300 * time.Millisecond)
	if nb := s.neighbor(r.addr); nb.State != "established" {
		t.Fatalf("echoes tripped the limit: %+v", nb)
	}
	r.announce("10.1.2.0/24")
	r.announce("10.1.3.0/24")
	waitFor(t, 5*time.Second, "the limit closing the session", func() bool { return s.neighbor(r.addr).Reason == "prefix limit" })
}

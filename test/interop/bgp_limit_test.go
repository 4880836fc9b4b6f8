//go:build interop

package interop

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// edgeBGP is patronus bgp show --json on a site's edge.
type edgeBGP struct {
	Neighbors []struct {
		Address string `json:"address"`
		State   string `json:"state"`
		Reason  string `json:"reason"`
	} `json:"neighbors"`
	Events []struct {
		Time     time.Time `json:"time"`
		Neighbor string    `json:"neighbor"`
		To       string    `json:"to"`
		Reason   string    `json:"reason"`
	} `json:"events"`
}

func (l *testLab) edgeBGP(site string) edgeBGP {
	l.t.Helper()
	var st edgeBGP
	out, err := l.exec(site, "patronus", "bgp", "show", "--json")
	if err == nil {
		err = json.Unmarshal([]byte(out), &st)
	}
	if err != nil {
		l.t.Fatalf("%s: patronus bgp show --json: %v\n%s", site, err, out)
	}
	return st
}

// limitCloses is when site's edge closed neighbour a's session for its
// prefix limit, oldest first.
func (l *testLab) limitCloses(site, a string) []time.Time {
	var at []time.Time
	for _, e := range l.edgeBGP(site).Events {
		if e.Neighbor == a && e.Reason == "prefix limit" {
			at = append(at, e.Time)
		}
	}
	return at
}

// TestBGPPrefixLimit: FRR bgpd and BIRD 2 announcing more prefixes than
// their limit: that session is closed (reason "prefix limit") and its
// routes leave the overlay, while the other site's session and the
// overlay stay up; after max_prefixes_restart the edge tries the session
// again, and a router still over its limit closes it again.
func TestBGPPrefixLimit(t *testing.T) {
	for _, kind := range []string{lab.RouterFRR, lab.RouterBIRD} {
		t.Run(kind, func(t *testing.T) { testBGPPrefixLimit(t, kind) })
	}
}

func testBGPPrefixLimit(t *testing.T, kind string) {
	l := upLab(t, "--sites", "2", "--links", "1", "--routers", kind)
	const restart = 4 * time.Second
	router1 := lab.HostV4(1).String()
	l.mustCtl("bgp", "neighbor", "add", "site1", router1, "--remote-as", strconv.Itoa(int(lab.RouterAS(1))), "--bfd",
		"--max-prefixes", "5", "--max-prefixes-restart", restart.String())
	r1, r2 := l.routerOf(1), l.routerOf(2)
	p1 := lab.RouterPrefix(1).String()
	r2.wait(t, p1, true, 60*time.Second) // site 1's re-added session is up
	waitEstablished(t, l, "site2", 30*time.Second)

	r1.announce(t, lab.RouterAS(1), benchPrefixes(30))
	start := time.Now()
	for len(l.limitCloses("site1", router1)) == 0 {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("site 1's session not closed for its limit after 30 s: %+v", l.edgeBGP("site1"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%s: 30 prefixes over a limit of 5: session closed %v after the router was told", kind, time.Since(start).Round(time.Millisecond))
	r2.wait(t, p1, false, 10*time.Second) // its routes left the overlay
	l.waitCtlReason(t, "site1", router1, "prefix limit", 30*time.Second)
	if st := l.edgeBGP("site2"); st.Neighbors[0].State != "established" {
		t.Errorf("site 2's session: %+v", st.Neighbors[0])
	}
	if loss, _ := l.ping("host2", lab.HostV4(1).String(), 5, "0.2"); loss > 0 {
		t.Errorf("overlay host2 → host1: %v%% loss with site 1's session closed", loss)
	}
	if n := r2.route(t, lab.RouterPrefix(2).String()); n == "" {
		t.Errorf("site 2's router lost its own prefix")
	}

	// Tried again after max_prefixes_restart: still over the limit, the
	// session is closed again.
	deadline := time.Now().Add(restart + 30*time.Second)
	var closes []time.Time
	for closes = l.limitCloses("site1", router1); len(closes) < 2; closes = l.limitCloses("site1", router1) {
		if time.Now().After(deadline) {
			t.Fatalf("no second close within %v: %+v", restart+30*time.Second, l.edgeBGP("site1"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	gap := closes[1].Sub(closes[0])
	t.Logf("%s: closed again %v after the first close (restart after %v)", kind, gap.Round(time.Millisecond), restart)
	if gap < restart {
		t.Errorf("restarted %v after the close, want at least %v", gap, restart)
	}
	if st := l.edgeBGP("site2"); st.Neighbors[0].State != "established" {
		t.Errorf("site 2's session after the restarts: %+v", st.Neighbors[0])
	}
}

func waitEstablished(t *testing.T, l *testLab, site string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := l.edgeBGP(site)
		if len(st.Neighbors) > 0 && st.Neighbors[0].State == "established" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not established after %v: %+v", site, timeout, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitCtlReason waits until ctl bgp show SITE --json (the edge's report
// through the controller) shows neighbour a down for reason.
func (l *testLab) waitCtlReason(t *testing.T, site, a, reason string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var sb struct {
			Status struct {
				Neighbors []struct {
					Address, State, Reason string
				} `json:"neighbors"`
			} `json:"status"`
		}
		out := l.mustCtl("bgp", "show", site, "--json")
		if err := json.Unmarshal([]byte(out), &sb); err != nil {
			t.Fatalf("ctl bgp show %s --json: %v\n%s", site, err, out)
		}
		for _, n := range sb.Status.Neighbors {
			if n.Address == a && n.State != "established" && n.Reason == reason {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ctl bgp show %s: neighbour %s not down for %q after %v:\n%s", site, a, reason, timeout, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

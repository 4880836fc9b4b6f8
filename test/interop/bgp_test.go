//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// bgpRouter is a lab site's router as lab status --json shows it.
type bgpRouter struct {
	Kind    string `json:"kind"`
	Control string `json:"control"`
	Prefix  string `json:"prefix"`
	PIDs    []int  `json:"pids"`
}

// routerOf reads site s's router (1-based) from the lab's status.
func (l *testLab) routerOf(s int) bgpRouter {
	l.t.Helper()
	out, err := l.run("status", "--json")
	if err != nil {
		l.t.Fatalf("lab status: %v\n%s", err, out)
	}
	var st struct {
		Sites []struct {
			Router *bgpRouter `json:"router"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Sites[s-1].Router == nil {
		l.t.Fatalf("lab status --json: no router of site %d (%v)\n%s", s, err, out)
	}
	return *st.Sites[s-1].Router
}

// route is a router's view of a prefix: its text, "" when it has none.
func (r bgpRouter) route(t testing.TB, prefix string) string {
	t.Helper()
	var c *exec.Cmd
	if r.Kind == lab.RouterBIRD {
		c = exec.Command("birdc", "-s", r.Control, "show route "+prefix+" all")
	} else {
		c = exec.Command("vtysh", "--vty_socket", r.Control, "-c", "show ip bgp "+prefix)
	}
	out, err := c.CombinedOutput()
	s := string(out)
	if strings.Contains(s, "Network not in table") || strings.Contains(s, "Network not found") {
		return ""
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", c.Args[0], err, out)
	}
	return s
}

// waitRouter polls a router until it has (or lacks) prefix, and returns
// how long that took.
func (r bgpRouter) wait(t testing.TB, prefix string, want bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for (r.route(t, prefix) != "") != want {
		if time.Since(start) > timeout {
			t.Fatalf("%s router: %s present=%v not reached in %v; it says:\n%s", r.Kind, prefix, want, timeout, r.route(t, prefix))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// withdraw makes the router stop announcing its prefix.
func (r bgpRouter) withdraw(t testing.TB, as uint32) {
	t.Helper()
	var c *exec.Cmd
	if r.Kind == lab.RouterBIRD {
		c = exec.Command("birdc", "-s", r.Control, "disable lan")
	} else {
		c = exec.Command("vtysh", "--vty_socket", r.Control, "-c", "configure terminal", "-c", fmt.Sprintf("router bgp %d", as),
			"-c", "address-family ipv4 unicast", "-c", "no network "+r.Prefix)
	}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("withdraw at the %s router: %v\n%s", r.Kind, err, out)
	}
}

// edgeNeighbor is the first neighbour in patronus bgp show --json.
func (l *testLab) edgeNeighbor(site string) (state, bfd string) {
	l.t.Helper()
	out, err := l.exec(site, "patronus", "bgp", "show", "--json")
	if err != nil {
		return "", ""
	}
	var st struct {
		Neighbors []struct {
			State    string `json:"state"`
			BFDState string `json:"bfd_state"`
		} `json:"neighbors"`
	}
	if json.Unmarshal([]byte(out), &st) != nil || len(st.Neighbors) == 0 {
		return "", ""
	}
	return st.Neighbors[0].State, st.Neighbors[0].BFDState
}

// TestBGPRouters: patronus lab up --routers frr (with TCP MD5) and bird
// (without): the sessions establish with BFD up; a prefix announced by the
// router of site 1 reaches site 2's router with the site-of-origin
// community and is reachable from site 2's host; it leaves site 2's
// router within a second of its withdrawal at site 1; every link of site
// 2 cut takes site 2's prefixes from site 1's router within the paths'
// BFD detection time plus 200 ms; site 1's router killed takes its routes
// out of the overlay.
func TestBGPRouters(t *testing.T) {
	for _, tc := range []struct {
		kind string
		args []string
	}{{lab.RouterFRR, []string{"--router-md5"}}, {lab.RouterBIRD, nil}} {
		t.Run(tc.kind, func(t *testing.T) { testBGPRouters(t, tc.kind, tc.args...) })
	}
}

func testBGPRouters(t *testing.T, kind string, extra ...string) {
	l := upLab(t, append([]string{"--sites", "2", "--links", "2", "--routers", kind}, extra...)...)
	r1, r2 := l.routerOf(1), l.routerOf(2)
	deadline := time.Now().Add(30 * time.Second)
	for _, site := range []string{"site1", "site2"} {
		for {
			st, bfd := l.edgeNeighbor(site)
			if st == "established" && bfd == "up" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: neighbour %s, BFD %s after 30 s", site, st, bfd)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	p1 := lab.RouterPrefix(1).String()
	took := r2.wait(t, p1, true, 10*time.Second)
	t.Logf("%s: site 1's router prefix %s at site 2's router %v after the sessions were up", kind, p1, took)
	if got := r2.route(t, p1); !strings.Contains(got, "SoO:4200000000:") && !strings.Contains(got, "(ro, 4200000000,") {
		t.Errorf("%s at site 2's router without the site-of-origin community:\n%s", p1, got)
	}
	if loss, _ := l.ping("host2", lab.RouterPrefix(1).Addr().Next().String(), 3, "0.2"); loss > 0 {
		t.Errorf("%s from site 2's host: %v%% loss", p1, loss)
	}

	// The withdrawals are timed on the wire: the UPDATE that leaves a
	// router (or the edge) as tcpdump sees it in the LAN host's namespace,
	// not when the router's CLI, polled, stops showing the route.
	wire1, wire2 := l.captureBGP("host1"), l.captureBGP("host2")
	edge1, edge2 := lab.LANv4(1).Addr().Next(), lab.LANv4(2).Addr().Next()
	start := time.Now()
	r1.withdraw(t, lab.RouterAS(1))
	r2.wait(t, p1, false, 5*time.Second)
	polled := time.Since(start)
	from := wire1.withdrawn(lab.HostV4(1), lab.RouterPrefix(1), start, 5*time.Second)
	took = wire2.withdrawn(edge2, lab.RouterPrefix(1), from, 5*time.Second).Sub(from)
	t.Logf("%s: withdrawn by site 1's router, withdrawn to site 2's router %v later on the wire (%v until vtysh/birdc said so, from before the router was told)",
		kind, took, polled)
	l.withdrawalSteps(kind, from)
	if took > time.Second {
		t.Errorf("withdrawal took %v to site 2's router, want within 1 s", took)
	}

	p2 := lab.RouterPrefix(2).String()
	r1.wait(t, p2, true, 10*time.Second)
	l.impair("2", "inet", "--down")
	asked := time.Now()
	l.impair("2", "lte", "--down")
	start = time.Now() // the cut is in force; it came between asked and start (lab impair's own time)
	r1.wait(t, p2, false, 5*time.Second)
	polled = time.Since(start)
	at := wire1.withdrawn(edge1, lab.RouterPrefix(2), asked, 5*time.Second)
	took = at.Sub(start)
	detect := 300 * time.Millisecond // the paths' BFD, 100 ms x 3
	t.Logf("%s: every link of site 2 cut: site 2's prefixes withdrawn to site 1's router %v after the last cut on the wire, %v after lab impair was started (%v polled; detection %v)",
		kind, took, at.Sub(asked), polled, detect)
	if took > detect+200*time.Millisecond {
		t.Errorf("withdrawal after the cut took %v, want within %v", took, detect+200*time.Millisecond)
	}
	if r1.route(t, lab.LANv4(2).String()) != "" {
		t.Errorf("site 2's LAN prefix still at site 1's router")
	}
	l.impair("2", "inet", "--up")
	l.impair("2", "lte", "--up")

	// Site 2's router killed: site 2's edge's BFD with it goes down and
	// its routes leave the overlay (site 1's router loses them).
	r1.wait(t, p2, true, 15*time.Second)
	for _, pid := range r2.PIDs {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	start = time.Now()
	r1.wait(t, p2, false, 5*time.Second)
	polled = time.Since(start)
	took = wire1.withdrawn(edge1, lab.RouterPrefix(2), start, 5*time.Second).Sub(start)
	t.Logf("%s: site 2's router killed: its prefix withdrawn to site 1's router %v later on the wire (%v polled; BFD detection with routers 900 ms)",
		kind, took, polled)
	if took > 900*time.Millisecond+300*time.Millisecond {
		t.Errorf("took %v, want about the BFD detection time (900 ms)", took)
	}
}

// withdrawalSteps logs, from the edges' logs, where a learned prefix's
// withdrawal spent its time after from (router 1's UPDATE): site 1's edge
// reporting its learned set, site 2's edge applying the configuration
// that follows and its speaker withdrawing.
func (l *testLab) withdrawalSteps(kind string, from time.Time) {
	first := func(file, msg, has string, since time.Time) time.Time {
		ts, _ := logLines(file, msg, has, since)
		if len(ts) == 0 {
			return time.Time{}
		}
		return ts[0]
	}
	reported := first(l.st.Sites[0].Log, "bgp: learned prefixes", "", from)
	applied := first(l.st.Sites[1].Log, "controller configuration", "", from)
	withdrew := first(l.st.Sites[1].Log, "bgp: overlay routes", "withdrawn=1 ", from)
	ms := func(at time.Time) string {
		if at.IsZero() {
			return "not logged"
		}
		return at.Sub(from).Round(time.Millisecond).String()
	}
	l.t.Logf("%s: after router 1's UPDATE: edge 1 reported the learned set at %s, edge 2 applied the next configuration at %s and withdrew at %s",
		kind, ms(reported), ms(applied), ms(withdrew))
}

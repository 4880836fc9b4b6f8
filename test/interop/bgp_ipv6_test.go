//go:build interop

package interop

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// route6 is a router's view of an IPv6 prefix: its text, "" when it has
// none.
func (r bgpRouter) route6(t testing.TB, prefix string) string {
	t.Helper()
	var c *exec.Cmd
	if r.Kind == lab.RouterBIRD {
		c = exec.Command("birdc", "-s", r.Control, "show route "+prefix+" all")
	} else {
		c = exec.Command("vtysh", "--vty_socket", r.Control, "-c", "show bgp ipv6 unicast "+prefix)
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

func (r bgpRouter) wait6(t testing.TB, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if got := r.route6(t, prefix); got != "" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s router: no %s after %v", r.Kind, prefix, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBGPRoutersIPv6: patronus lab up --routers frr|bird --router-ipv6:
// each router also peers with its edge over IPv6 (with BFD); the IPv6
// prefix site 1's router announces is learned, distributed by the
// controller, advertised by site 2's edge to its router over the IPv6
// session with the site-of-origin community, and reachable from site 2's
// host; site 2's IPv6 LAN reaches site 1's router the same way.
func TestBGPRoutersIPv6(t *testing.T) {
	for _, kind := range []string{lab.RouterFRR, lab.RouterBIRD} {
		t.Run(kind, func(t *testing.T) { testBGPRoutersIPv6(t, kind) })
	}
}

func testBGPRoutersIPv6(t *testing.T, kind string) {
	l := upLab(t, "--sites", "2", "--links", "1", "--routers", kind, "--router-ipv6")
	deadline := time.Now().Add(40 * time.Second)
	for _, site := range []string{"site1", "site2"} {
		for {
			st := l.edgeBGP(site)
			up := len(st.Neighbors) == 2 && !slices.ContainsFunc(st.Neighbors, func(n struct {
				Address string `json:"address"`
				State   string `json:"state"`
				Reason  string `json:"reason"`
			}) bool {
				return n.State != "established"
			})
			if up {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: sessions not both established: %+v", site, st.Neighbors)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	r1, r2 := l.routerOf(1), l.routerOf(2)
	p6 := lab.RouterPrefix6(1).String()
	got := r2.wait6(t, p6, 20*time.Second)
	t.Logf("%s: site 1's router's %s at site 2's router:\n%s", kind, p6, got)
	if !strings.Contains(got, "SoO:4200000000:") && !strings.Contains(got, "(ro, 4200000000,") {
		t.Errorf("%s at site 2's router without the site-of-origin community", p6)
	}
	if !strings.Contains(got, lab.LANv6(2).Addr().Next().String()) {
		t.Errorf("%s at site 2's router: next hop is not the edge's IPv6 address %s", p6, lab.LANv6(2).Addr().Next())
	}
	lan2 := lab.LANv6(2).String()
	if got := r1.wait6(t, lan2, 20*time.Second); !strings.Contains(got, "4200000000") {
		t.Errorf("site 2's IPv6 LAN at site 1's router without the site-of-origin community:\n%s", got)
	}
	var sb struct {
		Learned []string `json:"learned_prefixes"`
	}
	if err := json.Unmarshal([]byte(l.mustCtl("bgp", "show", "site1", "--json")), &sb); err != nil || !slices.Contains(sb.Learned, p6) {
		t.Errorf("ctl bgp show site1: learned %v (%v), want %s", sb.Learned, err, p6)
	}
	if loss, _ := l.ping("host2", lab.RouterPrefix6(1).Addr().Next().String(), 5, "0.2"); loss > 0 {
		t.Errorf("%s from site 2's host: %v%% loss", p6, loss)
	}
}

//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// benchPrefixes are n /24s from 20.0.0.0 on, announced by site 1's router.
func benchPrefixes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%d.%d.%d.0/24", 20+i/65536, i/256%256, i%256)
	}
	return out
}

// announce makes site 1's router announce ps besides its own prefix.
func (r bgpRouter) announce(t testing.TB, as uint32, ps []string) {
	t.Helper()
	var b strings.Builder
	if r.Kind == lab.RouterBIRD {
		conf := filepath.Join(filepath.Dir(r.Control), "bird.conf")
		raw, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			fmt.Fprintf(&b, " route %s unreachable;", p)
		}
		text := strings.Replace(string(raw), "unreachable; }", "unreachable;"+b.String()+" }", 1)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("birdc", "-s", r.Control, "configure").CombinedOutput(); err != nil {
			t.Fatalf("birdc configure: %v\n%s", err, out)
		}
		return
	}
	fmt.Fprintf(&b, "router bgp %d\n address-family ipv4 unicast\n", as)
	for _, p := range ps {
		fmt.Fprintf(&b, "  network %s\n", p)
	}
	file := filepath.Join(r.Control, "bench.conf")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("vtysh", "--vty_socket", r.Control, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("vtysh -f: %v\n%s", err, out)
	}
}

var birdCount = regexp.MustCompile(`(\d+) of \d+ routes`)

// received is how many routes the router has from its edge.
func (r bgpRouter) received(t testing.TB, edge string) int {
	t.Helper()
	if r.Kind == lab.RouterBIRD {
		out, _ := exec.Command("birdc", "-s", r.Control, "show route count protocol edge").CombinedOutput()
		if m := birdCount.FindStringSubmatch(string(out)); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
		return 0
	}
	out, _ := exec.Command("vtysh", "--vty_socket", r.Control, "-c", "show ip bgp summary json").CombinedOutput()
	var s struct {
		IPv4 struct {
			Peers map[string]struct {
				PfxRcd int `json:"pfxRcd"`
			} `json:"peers"`
		} `json:"ipv4Unicast"`
	}
	_ = json.Unmarshal(out, &s)
	return s.IPv4.Peers[edge].PfxRcd
}

func (r bgpRouter) waitReceived(t testing.TB, edge string, cond func(int) bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for n := r.received(t, edge); !cond(n); n = r.received(t, edge) {
		if time.Since(start) > timeout {
			t.Fatalf("%s router: %d routes from the edge after %v", r.Kind, n, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// rssMB is a process's resident memory.
func rssMB(pid int) float64 {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

func (l *testLab) edgePIDs() []int {
	out, _ := l.run("status", "--json")
	var st struct {
		Sites []struct {
			PID int `json:"edge_pid"`
		} `json:"sites"`
	}
	_ = json.Unmarshal([]byte(out), &st)
	var pids []int
	for _, s := range st.Sites {
		pids = append(pids, s.PID)
	}
	return pids
}

// revision is the lab network's configuration revision (ctl networks).
func (l *testLab) revision() uint64 {
	l.t.Helper()
	var r struct {
		Networks []struct {
			Revision json.Number `json:"revision"`
		} `json:"networks"`
	}
	out := l.mustCtl("networks", "--json")
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Networks) == 0 {
		l.t.Fatalf("ctl networks --json: %v\n%s", err, out)
	}
	n, _ := strconv.ParseUint(strings.Trim(r.Networks[0].Revision.String(), `"`), 10, 64)
	return n
}

// BenchmarkBGPConvergence: N prefixes announced by site 1's router until
// site 2's router has them all from its edge (through the controller),
// the edges' memory then, and the time from site 1's loss (its only link
// cut) until site 2's router has withdrawn them. FRR and BIRD as the
// routers; one run each (-benchtime 1x). PATRONUS_BGP_BENCH_SIZES picks
// the sizes (default 10000,100000).
func BenchmarkBGPConvergence(b *testing.B) {
	sizes := []int{10000, 100000}
	if v := os.Getenv("PATRONUS_BGP_BENCH_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, _ := strconv.Atoi(f)
			sizes = append(sizes, n)
		}
	}
	for _, kind := range []string{lab.RouterBIRD, lab.RouterFRR} {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s-%d", kind, n), func(b *testing.B) { benchBGP(b, kind, n) })
		}
	}
}

func benchBGP(b *testing.B, kind string, n int) {
	l := upLab(b, "--sites", "2", "--links", "1", "--routers", kind, "--timeout", "120s")
	l.mustCtl("bgp", "neighbor", "add", "site1", "10.1.0.2", "--remote-as", strconv.Itoa(int(lab.RouterAS(1))), "--bfd",
		"--max-prefixes", strconv.Itoa(2*n))
	r1, r2 := l.routerOf(1), l.routerOf(2)
	r2.wait(b, lab.RouterPrefix(1).String(), true, 60*time.Second) // the re-added session is up
	base := r2.received(b, "10.2.0.1")
	rev0 := l.revision()
	start := time.Now()
	r1.announce(b, lab.RouterAS(1), benchPrefixes(n))
	announced := time.Since(start)
	took := r2.waitReceived(b, "10.2.0.1", func(got int) bool { return got >= base+n }, 15*time.Minute) + announced
	revs := l.revision() - rev0
	b.Logf("%s, %d prefixes: %d configuration revisions", kind, n, revs)
	b.ReportMetric(float64(revs), "revisions")
	pids := l.edgePIDs()
	b.Logf("%s, %d prefixes: at site 2's router %v after site 1's router was told (%v of it the router's own configuration); edges' RSS %.0f MB (site 1), %.0f MB (site 2)",
		kind, n, took.Round(time.Millisecond), announced.Round(time.Millisecond), rssMB(pids[0]), rssMB(pids[1]))
	l.convergenceSteps(b, kind, n, start)
	b.ReportMetric(took.Seconds(), "s-converge")
	b.ReportMetric(rssMB(pids[0]), "MB-edge1")
	b.ReportMetric(rssMB(pids[1]), "MB-edge2")
	l.impair("1", "inet", "--down")
	gone := r2.waitReceived(b, "10.2.0.1", func(got int) bool { return got < base }, 5*time.Minute)
	b.Logf("%s, %d prefixes: site 1's link cut: site 2's router below its %d routes from before %v later", kind, n, base, gone.Round(time.Millisecond))
	b.ReportMetric(gone.Seconds(), "s-withdraw")
}

var logLineTime = regexp.MustCompile(`^time=(\S+) `)

// logLines are an edge log's lines with message msg (and, when
// non-empty, the text has) from since on, with their times.
func logLines(file, msg, has string, since time.Time) (times []time.Time, lines []string) {
	raw, _ := os.ReadFile(file)
	for _, line := range strings.Split(string(raw), "\n") {
		m := logLineTime.FindStringSubmatch(line)
		if m == nil || !strings.Contains(line, "msg=\""+msg+"\"") && !strings.Contains(line, "msg="+msg+" ") || !strings.Contains(line, has) {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil || at.Before(since) {
			continue
		}
		times, lines = append(times, at), append(lines, line)
	}
	return times, lines
}

// convergenceSteps logs, from the edges' logs, where the convergence's
// time went: site 1's edge's learned reports, site 2's edge's
// configurations applied and the overlay routes its speaker advertised,
// and the paths' BFD state changes (flaps) on both.
func (l *testLab) convergenceSteps(b *testing.B, kind string, n int, start time.Time) {
	log1, log2 := l.st.Sites[0].Log, l.st.Sites[1].Log
	since := func(ts []time.Time) string {
		if len(ts) == 0 {
			return "none"
		}
		return fmt.Sprintf("%d, the last %v after the router was told", len(ts), ts[len(ts)-1].Sub(start).Round(time.Millisecond))
	}
	learned, _ := logLines(log1, "bgp: learned prefixes", "", start)
	applied, _ := logLines(log2, "controller configuration", "", start)
	adv, lines := logLines(log2, "bgp: overlay routes", "", start)
	flaps1, _ := logLines(log1, "path bfd", "", start)
	flaps2, _ := logLines(log2, "path bfd", "", start)
	b.Logf("%s, %d prefixes: edge 1 learned reports: %s; edge 2 configurations applied: %s; edge 2 advertisements: %s; path BFD changes: %d (edge 1), %d (edge 2)",
		kind, n, since(learned), since(applied), since(adv), len(flaps1), len(flaps2))
	if len(lines) > 0 {
		b.Logf("edge 2's last advertisement: %s", lines[len(lines)-1])
	}
}

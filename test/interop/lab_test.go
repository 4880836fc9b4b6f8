//go:build interop

package interop

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
	"github.com/patronus-sdwan/patronus/lab/netns"
)

// labStatus is the contract of patronus lab status --json that these
// tests (and people's scripts) rely on.
type labStatus struct {
	Name           string `json:"name"`
	ControllerNode string `json:"controller_node"`
	Sites          []struct {
		Name     string `json:"name"`
		HostNode string `json:"host_node"`
		HostIPv4 string `json:"host_ipv4"`
		HostIPv6 string `json:"host_ipv6"`
		LANIPv4  string `json:"lan_ipv4"`
		LANIPv6  string `json:"lan_ipv6"`
		Edge     bool   `json:"edge_running"`
		Log      string `json:"log"`
		PathsUp  int    `json:"paths_up"`
		Paths    int    `json:"paths"`
		Links    []struct {
			Name     string `json:"name"`
			Endpoint string `json:"endpoint"`
		} `json:"links"`
	} `json:"sites"`
}

// testLab is a lab with a random name and a state root of its own,
// removed when the test ends.
type testLab struct {
	t          testing.TB
	name, root string
	st         labStatus
}

func labName(t testing.TB) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "t" + hex.EncodeToString(b)
}

func upLab(t testing.TB, args ...string) *testLab {
	t.Helper()
	netns.SkipIfNotRoot(t)
	netns.Require(t, "nft")
	netns.Require(t, "ping")
	l := &testLab{t: t, name: labName(t), root: t.TempDir()}
	t.Cleanup(func() {
		if out, err := l.run("down"); err != nil {
			t.Errorf("lab down: %v\n%s", err, out)
		}
	})
	start := time.Now()
	if out, err := l.run("up", args...); err != nil {
		t.Fatalf("lab up %v: %v\n%s", args, err, out)
	}
	t.Logf("lab %s up in %v", l.name, time.Since(start).Round(time.Millisecond))
	l.st = l.status()
	return l
}

// run runs patronus lab CMD --name NAME --state-root ROOT ARGS...
func (l *testLab) run(cmd string, args ...string) (string, error) {
	l.t.Helper()
	return runPatronus(l.t, append([]string{"lab", cmd, "--name", l.name, "--state-root", l.root}, args...)...)
}

func (l *testLab) status() labStatus {
	l.t.Helper()
	out, err := l.run("status", "--json")
	if err != nil {
		l.t.Fatalf("lab status: %v\n%s", err, out)
	}
	var st labStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		l.t.Fatalf("lab status --json: %v\n%s", err, out)
	}
	return st
}

// exec runs a command in a node of the lab.
func (l *testLab) exec(node string, cmd ...string) (string, error) {
	l.t.Helper()
	return l.run("exec", append([]string{node, "--"}, cmd...)...)
}

func (l *testLab) mustExec(node string, cmd ...string) string {
	l.t.Helper()
	out, err := l.exec(node, cmd...)
	if err != nil {
		l.t.Fatalf("lab exec %s %v: %v\n%s", node, cmd, err, out)
	}
	return out
}

func (l *testLab) impair(site, link string, args ...string) {
	l.t.Helper()
	if out, err := l.run("impair", append([]string{"--site", site, "--link", link}, args...)...); err != nil {
		l.t.Fatalf("lab impair %s %s %v: %v\n%s", site, link, args, err, out)
	}
}

// pathTx returns the tx_packets of every path of a site's edge.
func (l *testLab) pathTx(site string) map[string]uint64 {
	l.t.Helper()
	var st struct {
		Paths []struct {
			ID        string `json:"id"`
			TxPackets uint64 `json:"tx_packets"`
		} `json:"paths"`
	}
	out := l.mustExec(site, "patronus", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		l.t.Fatalf("%s status --json: %v\n%s", site, err, out)
	}
	m := map[string]uint64{}
	for _, p := range st.Paths {
		m[p.ID] = p.TxPackets
	}
	return m
}

// pinAll makes every site send to every other site over link (at both
// ends: replies come back the same way).
func (l *testLab) pinAll(link string) {
	l.t.Helper()
	for _, s := range l.st.Sites {
		l.mustExec(s.Name, "patronus", "pin", "--clear")
		for _, p := range l.st.Sites {
			if p.Name == s.Name {
				continue
			}
			path := fmt.Sprintf("%s/%s->%s/%s", s.Name, link, p.Name, link)
			l.mustExec(s.Name, "patronus", "pin", "--path", path, "--dst", p.LANIPv4)
			l.mustExec(s.Name, "patronus", "pin", "--path", path, "--dst", p.LANIPv6)
		}
	}
}

var iperfRate = regexp.MustCompile(`"sum_received":\s*\{[^}]*"bits_per_second":\s*([0-9.e+]+)`)

// tcp runs iperf3 from host from to addr (an iperf3 -s -D runs in every
// host) and returns the receiver's rate.
func (l *testLab) tcp(from, addr string, args ...string) float64 {
	l.t.Helper()
	out, err := l.exec(from, append([]string{"iperf3", "-c", addr, "-J"}, args...)...)
	if err != nil {
		l.t.Fatalf("iperf3 %s -> %s: %v\n%s", from, addr, err, firstLines(out, 30))
	}
	m := iperfRate.FindStringSubmatch(out)
	if m == nil {
		l.t.Fatalf("iperf3 %s -> %s gave no rate:\n%s", from, addr, firstLines(out, 30))
	}
	bps, _ := strconv.ParseFloat(m[1], 64)
	return bps
}

func (l *testLab) iperfServers() {
	l.t.Helper()
	netns.Require(l.t, "iperf3")
	for _, s := range l.st.Sites {
		l.mustExec(s.HostNode, "iperf3", "-s", "-D")
	}
	time.Sleep(300 * time.Millisecond)
}

// startCapture runs tcpdump on iface in namespace ns, writing to pcap,
// and returns once it captures; the returned function stops it.
func startCapture(t *testing.T, ns, iface, pcap string) (stop func()) {
	t.Helper()
	c := exec.Command("ip", "netns", "exec", ns, "tcpdump", "-n", "-U", "-i", iface, "-w", pcap)
	stderr, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				close(ready)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		_ = c.Process.Kill()
		_ = c.Wait()
		t.Fatalf("tcpdump on %s in %s did not start within 10s", iface, ns)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = c.Process.Signal(syscall.SIGTERM)
			_ = c.Wait()
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestLabMesh: a 3-site, 2-link lab. The status contract; ping and TCP
// between the LAN hosts of every pair of sites over IPv4 and IPv6,
// through each link in turn (pinned at both ends, checked on the path
// counters); DF-set pings at and over the overlay MTU; bulk TCP; and a
// capture on the underlay that holds only WireGuard.
func TestLabMesh(t *testing.T) {
	l := upLab(t, "--sites", "3", "--links", "2")
	if len(l.st.Sites) != 3 {
		t.Fatalf("status: %d sites", len(l.st.Sites))
	}
	for _, s := range l.st.Sites {
		if s.Name == "" || s.HostNode == "" || s.HostIPv4 == "" || s.HostIPv6 == "" || len(s.Links) != 2 || s.Links[0].Name == "" {
			t.Errorf("status contract: %+v", s)
		}
		if !s.Edge || s.PathsUp != 8 || s.Paths != 8 {
			t.Errorf("%s: edge running %v, %d/%d paths up; want 8/8", s.Name, s.Edge, s.PathsUp, s.Paths)
		}
	}
	l.iperfServers()

	wan := "pl-" + l.name + "-wan"
	pcap := filepath.Join(t.TempDir(), "wan.pcap")
	stopCapture := startCapture(t, wan, "any", pcap)

	marker := "patronus-marker!"
	for _, link := range []string{l.st.Sites[0].Links[0].Name, l.st.Sites[0].Links[1].Name} {
		l.pinAll(link)
		before := l.pathTx(l.st.Sites[0].Name)
		for i, a := range l.st.Sites {
			for _, b := range l.st.Sites[i+1:] {
				for _, addr := range []string{b.HostIPv4, b.HostIPv6} {
					if out, err := l.exec(a.HostNode, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-p", hex.EncodeToString([]byte(marker)), addr); err != nil {
						t.Errorf("over %s: ping %s -> %s: %v\n%s", link, a.HostNode, addr, err, out)
					}
					if bps := l.tcp(a.HostNode, addr, "-n", "1M"); bps <= 0 {
						t.Errorf("over %s: TCP %s -> %s: %v bit/s", link, a.HostNode, addr, bps)
					}
				}
			}
		}
		after := l.pathTx(l.st.Sites[0].Name)
		for id, n := range after {
			moved := n - before[id]
			onLink := strings.HasPrefix(id, l.st.Sites[0].Name+"/"+link+"->") && strings.HasSuffix(id, "/"+link)
			if onLink && moved < 4 {
				t.Errorf("over %s: path %s sent %d packets, want the pinned traffic", link, id, moved)
			}
			if !onLink && moved > 2 {
				t.Errorf("over %s: path %s sent %d packets, want none", link, id, moved)
			}
		}
	}
	l.mustExec(l.st.Sites[0].Name, "patronus", "pin", "--clear")

	// MTU: a DF-set ping that fits the overlay (1420) passes; a larger one
	// gets "fragmentation needed" with the MTU, never silence.
	a, c := l.st.Sites[0], l.st.Sites[2]
	if out, err := l.exec(a.HostNode, "ping", "-c", "2", "-M", "do", "-s", "1392", c.HostIPv4); err != nil {
		t.Errorf("DF ping of 1420 bytes: %v\n%s", err, out)
	}
	big, _ := l.exec(a.HostNode, "ping", "-c", "2", "-M", "do", "-s", "1472", c.HostIPv4)
	if !strings.Contains(big, "mtu = 1420") && !strings.Contains(big, "mtu=1420") {
		t.Errorf("DF ping of 1500 bytes: want fragmentation needed with mtu 1420, got:\n%s", big)
	}
	if out, err := l.exec(a.HostNode, "ping", "-6", "-c", "2", "-M", "do", "-s", "1372", c.HostIPv6); err != nil {
		t.Errorf("IPv6 ping of 1420 bytes: %v\n%s", err, out)
	}
	if bps := l.tcp(a.HostNode, c.HostIPv4, "-t", "2"); bps < 20e6 {
		t.Errorf("bulk TCP %s -> %s: %.1f Mbit/s, want more than 20", a.HostNode, c.HostIPv4, bps/1e6)
	}

	stopCapture()
	all, err := exec.Command("tcpdump", "-n", "-r", pcap).CombinedOutput()
	if err != nil || strings.Count(string(all), "\n") < 200 {
		t.Fatalf("capture: %v, %d lines", err, strings.Count(string(all), "\n"))
	}
	checkOnlyWireGuard(t, pcap, marker)
}

// TestLabPinnedFlowSurvivesLinkDown: a TCP transfer pinned to the inet
// link at both ends; the link is cut (a silent drop in the underlay) and
// the flow re-pinned to lte through the runtime API; the transfer
// completes and keeps moving data after the cut.
func TestLabPinnedFlowSurvivesLinkDown(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2")
	l.iperfServers()
	l.pinAll("inet")
	s1, s2 := l.st.Sites[0], l.st.Sites[1]

	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := runPatronus(t, "lab", "exec", "--name", l.name, "--state-root", l.root, s1.HostNode, "--",
			"iperf3", "-c", s2.HostIPv4, "-t", "8", "-i", "1", "-J")
		done <- result{out, err}
	}()
	time.Sleep(2 * time.Second)
	l.impair(s1.Name, "inet", "--down")
	time.Sleep(300 * time.Millisecond)
	l.pinAll("lte")
	lteBefore := l.pathTx(s1.Name)[s1.Name+"/lte->"+s2.Name+"/lte"]

	var r result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("the transfer did not end within 40s after the re-pin")
	}
	if r.err != nil {
		t.Fatalf("iperf3 across the cut: %v\n%s", r.err, firstLines(r.out, 40))
	}
	var res struct {
		Intervals []struct {
			Sum struct {
				Bytes float64 `json:"bytes"`
			} `json:"sum"`
		} `json:"intervals"`
	}
	if err := json.Unmarshal([]byte(r.out), &res); err != nil || len(res.Intervals) < 8 {
		t.Fatalf("iperf3 result: %v, %d intervals", err, len(res.Intervals))
	}
	if last := res.Intervals[len(res.Intervals)-1].Sum.Bytes; last <= 0 {
		t.Errorf("no data in the last second of the transfer: %+v", res.Intervals)
	}
	if lteAfter := l.pathTx(s1.Name)[s1.Name+"/lte->"+s2.Name+"/lte"]; lteAfter-lteBefore < 1000 {
		t.Errorf("the lte path carried %d packets after the re-pin, want the transfer", lteAfter-lteBefore)
	}
}

// TestLabIPv6Underlay: the tunnels run over an IPv6 underlay and carry
// IPv4 and IPv6; the underlay sees only WireGuard over IPv6.
func TestLabIPv6Underlay(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "2", "--wan", "ipv6")
	s1, s2 := l.st.Sites[0], l.st.Sites[1]
	if ep := s2.Links[0].Endpoint; !strings.HasPrefix(ep, "[fd20:") {
		t.Errorf("site2 endpoint %s, want IPv6", ep)
	}
	wan := "pl-" + l.name + "-wan"
	pcap := filepath.Join(t.TempDir(), "wan.pcap")
	stopCapture := startCapture(t, wan, "s1l1g", pcap)
	for _, link := range []string{"inet", "lte"} {
		l.pinAll(link)
		for _, addr := range []string{s2.HostIPv4, s2.HostIPv6} {
			if out, err := l.exec(s1.HostNode, "ping", "-c", "2", "-i", "0.2", "-W", "2", addr); err != nil {
				t.Errorf("over %s: ping %s: %v\n%s", link, addr, err, out)
			}
		}
	}
	stopCapture()
	v6, _ := exec.Command("tcpdump", "-n", "-r", pcap, "ip6 and udp port 51820").CombinedOutput()
	if n := strings.Count(string(v6), "\n"); n < 8 {
		t.Errorf("capture on site1's inet link: %d WireGuard packets over IPv6, want the pings'", n)
	}
	v4, _ := exec.Command("tcpdump", "-n", "-r", pcap, "ip and not ip multicast").CombinedOutput()
	if strings.Contains(string(v4), " IP ") {
		t.Errorf("IPv4 on an IPv6 underlay:\n%s", firstLines(string(v4), 5))
	}
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received.*\n(?:rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms)?`)

// ping returns the loss fraction and average RTT of n pings.
func (l *testLab) ping(from, addr string, n int, interval string) (loss float64, avg time.Duration) {
	l.t.Helper()
	out, _ := l.exec(from, "ping", "-q", "-c", strconv.Itoa(n), "-i", interval, "-W", "1", addr)
	m := pingSummary.FindStringSubmatch(out)
	if m == nil {
		l.t.Fatalf("ping output:\n%s", out)
	}
	tx, _ := strconv.Atoi(m[1])
	rx, _ := strconv.Atoi(m[2])
	ms, _ := strconv.ParseFloat(m[4], 64)
	l.t.Logf("ping %s -> %s: %s", from, addr, strings.TrimSpace(m[0]))
	return 1 - float64(rx)/float64(tx), time.Duration(ms * float64(time.Millisecond))
}

// TestLabImpair: each impairment does what it says on the link it names,
// and --clear gives the clean link back.
func TestLabImpair(t *testing.T) {
	l := upLab(t, "--sites", "2", "--links", "1")
	l.iperfServers()
	s1, s2 := l.st.Sites[0], l.st.Sites[1]
	dst := s2.HostIPv4

	if loss, rtt := l.ping(s1.HostNode, dst, 5, "0.1"); loss > 0 || rtt > 20*time.Millisecond {
		t.Fatalf("clean link: loss %.0f%%, rtt %v", loss*100, rtt)
	}
	l.impair(s1.Name, "inet", "--delay", "40ms", "--jitter", "2ms")
	if _, rtt := l.ping(s1.HostNode, dst, 5, "0.1"); rtt < 78*time.Millisecond || rtt > 150*time.Millisecond {
		t.Errorf("delay 40ms each way: rtt %v, want about 80ms", rtt)
	}
	l.impair(s1.Name, "inet", "--delay", "0s", "--jitter", "0s")
	if _, rtt := l.ping(s1.HostNode, dst, 5, "0.1"); rtt > 20*time.Millisecond {
		t.Errorf("delay removed: rtt %v", rtt)
	}
	l.impair(s1.Name, "inet", "--loss", "50")
	// 50 % each way: about 75 % of round trips fail.
	if loss, _ := l.ping(s1.HostNode, dst, 60, "0.02"); loss < 0.45 || loss > 0.97 {
		t.Errorf("loss 50%% each way: %.0f%% of pings lost, want about 75%%", loss*100)
	}
	l.impair(s1.Name, "inet", "--loss", "0", "--down")
	if loss, _ := l.ping(s1.HostNode, dst, 5, "0.1"); loss != 1 {
		t.Errorf("down: %.0f%% lost, want all", loss*100)
	}
	l.impair(s1.Name, "inet", "--up")
	if loss, _ := l.ping(s1.HostNode, dst, 5, "0.1"); loss > 0 {
		t.Errorf("up again: %.0f%% lost", loss*100)
	}
	l.impair(s1.Name, "inet", "--rate", "10mbit")
	if bps := l.tcp(s1.HostNode, dst, "-t", "3"); bps > 11e6 || bps < 5e6 {
		t.Errorf("rate 10mbit: TCP at %.1f Mbit/s", bps/1e6)
	}
	l.impair(s1.Name, "inet", "--clear")
	if bps := l.tcp(s1.HostNode, dst, "-t", "2"); bps < 30e6 {
		t.Errorf("cleared: TCP at %.1f Mbit/s, want the clean link's", bps/1e6)
	}
	// Bad input is refused by name, and changes nothing.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--site", "site9", "--link", "inet", "--down"}, `--site "site9"`},
		{[]string{"--site", "site1", "--link", "dsl", "--down"}, `--link "dsl"`},
		{[]string{"--site", "site1", "--link", "inet", "--loss", "120"}, "--loss 120"},
		{[]string{"--site", "site1", "--link", "inet", "--rate", "fast"}, `--rate "fast"`},
		{[]string{"--site", "site1", "--link", "inet"}, "nothing to change"},
	} {
		out, err := l.run("impair", c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("impair %v: %v %q, want an error naming %s", c.args, err, out, c.want)
		}
	}
	if loss, rtt := l.ping(s1.HostNode, dst, 5, "0.1"); loss > 0 || rtt > 20*time.Millisecond {
		t.Errorf("after refused changes: loss %.0f%%, rtt %v", loss*100, rtt)
	}
}

// TestLabDownLeavesNothing: two labs coexist; one loses its edges and
// its state (as after a crash) and lab down still removes all of it; the
// other keeps working until it is taken down too. Afterwards the machine
// has the namespaces, links and nftables tables it had before.
func TestLabDownLeavesNothing(t *testing.T) {
	netns.SkipIfNotRoot(t)
	snapshot := func() string {
		links, _ := exec.Command("ip", "-o", "link", "show").CombinedOutput()
		nft, _ := exec.Command("nft", "list", "ruleset").CombinedOutput()
		ns, _ := exec.Command("ip", "netns", "list").CombinedOutput()
		var kept []string
		for _, line := range strings.Split(string(ns), "\n") {
			if !strings.HasPrefix(line, netns.Prefix) { // other tests' namespaces come and go
				kept = append(kept, line)
			}
		}
		return regexp.MustCompile(`\d+: `).ReplaceAllString(string(links), "") + string(nft) + strings.Join(kept, "\n")
	}
	before := snapshot()

	a := upLab(t, "--sites", "2", "--links", "2")
	b := upLab(t, "--sites", "2", "--links", "1")
	a.impair("site1", "inet", "--delay", "5ms", "--loss", "1", "--rate", "100mbit")
	for _, l := range []*testLab{a, b} {
		if loss, _ := l.ping("host1", "10.2.0.2", 3, "0.2"); loss == 1 {
			t.Errorf("lab %s: no ping between its sites", l.name)
		}
	}

	// A crash: the edges die and the state directory is lost.
	raw, err := os.ReadFile(filepath.Join(a.root, a.name, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Sites []struct {
			EdgePID int `json:"edge_pid"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		_ = syscall.Kill(s.EdgePID, syscall.SIGKILL)
	}
	if err := os.RemoveAll(filepath.Join(a.root, a.name)); err != nil {
		t.Fatal(err)
	}
	if out, err := a.run("down"); err != nil {
		t.Fatalf("lab down without state: %v\n%s", err, out)
	}
	if pids := lab.ProxyPIDs(a.name); len(pids) > 0 {
		t.Errorf("lab down without state left its dashboard proxy running: %v", pids)
	}
	if out, err := a.run("status"); err == nil || !strings.Contains(out, "no such lab") {
		t.Errorf("status of a removed lab: %v\n%s", err, out)
	}
	if loss, _ := b.ping("host1", "10.2.0.2", 3, "0.2"); loss == 1 {
		t.Errorf("lab %s stopped working when %s went down", b.name, a.name)
	}
	if out, err := b.run("down"); err != nil {
		t.Fatalf("lab down: %v\n%s", err, out)
	}
	out, _ := exec.Command("ip", "netns", "list").CombinedOutput()
	for _, l := range []*testLab{a, b} {
		if strings.Contains(string(out), "pl-"+l.name+"-") {
			t.Errorf("namespaces of lab %s left:\n%s", l.name, out)
		}
		if _, err := os.Stat(filepath.Join(l.root, l.name)); !os.IsNotExist(err) {
			t.Errorf("state of lab %s left: %v", l.name, err)
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("the machine changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

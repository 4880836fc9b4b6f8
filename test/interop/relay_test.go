//go:build interop

package interop

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab"
)

// relayAddr is the relay of TestLabRelay: the controller node's, on the
// controller's underlay address.
const relayAddr = "172.31.255.2:3478"

// pathOf is one path of a site's patronus status --json, as the
// transport contract has it.
type pathOf struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Transport string `json:"transport"`
}

func (l *testLab) paths(site string) []pathOf {
	l.t.Helper()
	var st struct {
		Paths []pathOf `json:"paths"`
	}
	out := l.mustExec(site, "patronus", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		l.t.Fatalf("%s status --json: %v\n%s", site, err, out)
	}
	return st.Paths
}

// waitTransport waits until every path of every site is up with
// transport want, and returns how long that took.
func (l *testLab) waitTransport(want string, timeout time.Duration) time.Duration {
	l.t.Helper()
	start := time.Now()
	for {
		ok := true
		var seen []string
		for _, s := range l.st.Sites {
			for _, p := range l.paths(s.Name) {
				seen = append(seen, fmt.Sprintf("%s %s %s", p.ID, p.State, p.Transport))
				ok = ok && p.State == "up" && p.Transport == want
			}
		}
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			l.t.Fatalf("paths not up %s within %v: %v", want, timeout, seen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// firstReply pings addr from a host until a reply comes, and returns how
// long that took.
func (l *testLab) firstReply(from, addr string, timeout time.Duration) time.Duration {
	l.t.Helper()
	start := time.Now()
	for time.Since(start) < timeout {
		if _, err := l.exec(from, "ping", "-c", "1", "-W", "0.2", addr); err == nil {
			return time.Since(start)
		}
	}
	l.t.Fatalf("no reply from %s within %v", addr, timeout)
	return 0
}

// relayCounters is the nftables table of the controller node that counts
// what reaches and leaves the relay: registrations, Data messages whose
// payload starts with each WireGuard message type (1..4, then three
// zero bytes), and everything, at UDP port port.
func relayCounters(port string) string {
	var b strings.Builder
	b.WriteString("table inet relaycap {\n")
	for _, c := range []struct{ chain, hook, port string }{{"in", "input", "dport"}, {"out", "output", "sport"}} {
		fmt.Fprintf(&b, "  chain relay%s {\n    type filter hook %s priority 0;\n", c.chain, c.hook)
		fmt.Fprintf(&b, "    udp %s %s @th,64,8 0x51 counter comment \"%s-register\"\n", c.port, port, c.chain)
		for typ := 1; typ <= 4; typ++ {
			fmt.Fprintf(&b, "    udp %s %s @th,64,16 0x5001 @th,160,32 0x0%d000000 counter comment \"%s-wg%d\"\n", c.port, port, typ, c.chain, typ)
		}
		fmt.Fprintf(&b, "    udp %s %s counter comment \"%s-all\"\n  }\n", c.port, port, c.chain)
	}
	b.WriteString("}\n")
	return b.String()
}

var nftCounter = regexp.MustCompile(`counter packets (\d+) bytes \d+ comment "([a-z0-9-]+)"`)

func (l *testLab) counters(node, table string) map[string]uint64 {
	l.t.Helper()
	out := l.mustExec(node, "nft", "list", "table", "inet", table)
	m := map[string]uint64{}
	for _, g := range nftCounter.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.ParseUint(g[1], 10, 64)
		m[g[2]] = n
	}
	return m
}

func (l *testLab) nft(node, script string) {
	l.t.Helper()
	f := filepath.Join(l.root, fmt.Sprintf("nft-%d.nft", time.Now().UnixNano()))
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		l.t.Fatal(err)
	}
	l.mustExec(node, "nft", "-f", f)
}

// restartable is a site's edge that the test stops and starts again.
type restartable struct {
	l    *testLab
	site *lab.Site
	ctl  string
	pid  int
}

// restart stops the edge (SIGTERM, waiting for it to exit) and starts a
// new one with the same state; the test's end stops it.
func (r *restartable) restart() {
	t := r.l.t
	t.Helper()
	if err := syscall.Kill(r.pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(r.pid, 0) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("edge %d did not stop", r.pid)
		}
	}
	lf, err := os.OpenFile(r.site.Log, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	c := exec.Command("ip", "netns", "exec", "pl-"+r.l.name+"-site"+strconv.Itoa(r.site.ID), patronusBin(t), "edge",
		"--controller", r.ctl, "--state-dir", filepath.Dir(r.site.Config), "--control-socket", r.site.ControlSocket)
	c.Stdout, c.Stderr = lf, lf
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	r.pid = c.Process.Pid
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	})
}

// TestLabRelay (issue 15): two sites whose direct UDP between their links
// is blocked by nftables in the underlay. The path moves to the
// controller node's relay and carries traffic, and comes up relayed
// when site2's edge starts again while blocked; what the relay receives
// and sends is registrations and WireGuard messages only, and the
// plaintext of a marked ping is nowhere in a capture at the relay. When
// the block is lifted the path goes back to direct, and a ping stream
// across that switch loses nothing. Direct and relayed latency and
// throughput are measured in the same run (docs/BENCHMARKS.md).
func TestLabRelay(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "relay.yaml")
	if err := os.WriteFile(cfg, []byte("relay:\n  listen: \":3478\"\n  endpoint: \""+relayAddr+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--links", "1", "--controller-config", cfg)
	s1, s2 := l.st.Sites[0], l.st.Sites[1]
	l.waitTransport("direct", 10*time.Second)
	l.iperfServers()
	_, rttDirect := l.ping(s1.HostNode, s2.HostIPv4, 20, "0.05")
	bpsDirect := l.tcp(s1.HostNode, s2.HostIPv4, "-t", "5")
	st, err := lab.Load(l.root, l.name)
	if err != nil {
		t.Fatal(err)
	}
	edge2 := &restartable{l: l, site: &st.Sites[1], ctl: st.Controller.Address, pid: st.Sites[1].EdgePID}
	edge2.restart()
	startDirect := l.firstReply(s1.HostNode, s2.HostIPv4, 30*time.Second)
	t.Logf("site2's edge restarted: first ping reply after %v (direct)", startDirect.Round(10*time.Millisecond))
	l.waitTransport("direct", 10*time.Second)

	l.nft("controller", relayCounters("3478"))
	stopCapture := startCapture(t, "pl-"+l.name+"-ctl", "ctl0", filepath.Join(l.root, "relay.pcap"))
	ep1, ep2 := strings.Split(s1.Links[0].Endpoint, ":")[0], strings.Split(s2.Links[0].Endpoint, ":")[0]
	block := fmt.Sprintf(`table inet relayblock {
  chain blockudp {
    type filter hook forward priority -10;
    ip saddr %[1]s ip daddr %[2]s meta l4proto udp counter drop
    ip saddr %[2]s ip daddr %[1]s meta l4proto udp counter drop
  }
}
`, ep1, ep2)
	l.nft("wan", block)
	toRelayed := l.firstReply(s1.HostNode, s2.HostIPv4, 30*time.Second)
	l.waitTransport("relayed", 15*time.Second)
	t.Logf("direct UDP blocked: first ping reply after %v (relayed)", toRelayed.Round(10*time.Millisecond))
	// The path comes up relayed: site2's edge starts again while blocked.
	edge2.restart()
	startRelayed := l.firstReply(s1.HostNode, s2.HostIPv4, 40*time.Second)
	l.waitTransport("relayed", 15*time.Second)
	t.Logf("site2's edge restarted while blocked: first ping reply after %v (relayed)", startRelayed.Round(10*time.Millisecond))

	_, rttRelayed := l.ping(s1.HostNode, s2.HostIPv4, 20, "0.05")
	bpsRelayed := l.tcp(s1.HostNode, s2.HostIPv4, "-t", "5")
	marker := []byte("patronus-relay-marker!")
	if out, err := l.exec(s1.HostNode, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-p", hex.EncodeToString(marker[:16]), s2.HostIPv4); err != nil {
		t.Fatalf("marked ping through the relay: %v\n%s", err, out)
	}
	stopCapture()
	pcap, err := os.ReadFile(filepath.Join(l.root, "relay.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pcap, marker[:16]) {
		t.Error("the relay saw the marked ping's plaintext")
	}
	c := l.counters("controller", "relaycap")
	for _, dir := range []string{"in", "out"} {
		wg := c[dir+"-wg1"] + c[dir+"-wg2"] + c[dir+"-wg3"] + c[dir+"-wg4"]
		t.Logf("relay %s: %d datagrams: %d registrations, WireGuard types 1-4 %d/%d/%d/%d", dir, c[dir+"-all"], c[dir+"-register"],
			c[dir+"-wg1"], c[dir+"-wg2"], c[dir+"-wg3"], c[dir+"-wg4"])
		if c[dir+"-wg4"] < 1000 {
			t.Errorf("relay %s: %d WireGuard data messages, want the iperf and pings'", dir, c[dir+"-wg4"])
		}
		if c[dir+"-all"] != wg+c[dir+"-register"] {
			t.Errorf("relay %s: %d datagrams, of which only %d registrations and %d WireGuard messages", dir, c[dir+"-all"], c[dir+"-register"], wg)
		}
	}

	// Lift the block during a ping stream: the path goes direct, and the
	// stream loses nothing.
	stream := make(chan float64, 1)
	go func() {
		out, _ := l.exec(s1.HostNode, "ping", "-q", "-c", "100", "-i", "0.05", "-W", "1", s2.HostIPv4)
		m := pingSummary.FindStringSubmatch(out)
		if m == nil {
			stream <- -1
			return
		}
		tx, _ := strconv.Atoi(m[1])
		rx, _ := strconv.Atoi(m[2])
		stream <- 1 - float64(rx)/float64(tx)
	}()
	time.Sleep(time.Second)
	l.mustExec("wan", "nft", "delete", "table", "inet", "relayblock")
	toDirect := l.waitTransport("direct", 15*time.Second)
	t.Logf("block lifted: direct again after %v", toDirect.Round(10*time.Millisecond))
	if loss := <-stream; loss != 0 {
		t.Errorf("ping stream across the switch to direct: loss %.1f%%, want none", loss*100)
	}
	t.Logf("BENCHMARK relay: rtt direct %v relayed %v; TCP direct %.0f Mbit/s relayed %.0f Mbit/s; edge start to first reply direct %v relayed %v; blocked->relayed first reply %v; lifted->direct %v",
		rttDirect, rttRelayed, bpsDirect/1e6, bpsRelayed/1e6, startDirect.Round(10*time.Millisecond), startRelayed.Round(10*time.Millisecond),
		toRelayed.Round(10*time.Millisecond), toDirect.Round(10*time.Millisecond))
}

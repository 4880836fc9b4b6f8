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

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// edgeSite is one site of a two-site test: a LAN host behind an edge.
type edgeSite struct {
	host, edge *netns.NS
	wanIf      string
	sock       string // the edge's control socket
}

// twoSites builds host A — edge A ==WAN== edge B — host B and starts both
// edges from generated configurations. Site A: 10.11.0.0/24, fd00:11::/64;
// site B: 10.22.0.0/24, fd00:22::/64; WAN 198.18.10.0/24.
func twoSites(t *testing.T) (a, b edgeSite) {
	t.Helper()
	return twoSitesWith(t, "", "")
}

// twoSitesWith is twoSites with YAML appended to each site's
// configuration (e.g. "defaults: {compression: true}\n").
func twoSitesWith(t *testing.T, extraA, extraB string) (a, b edgeSite) {
	t.Helper()
	a = edgeSite{host: netns.New(t), edge: netns.New(t)}
	b = edgeSite{host: netns.New(t), edge: netns.New(t)}
	for i, s := range []edgeSite{a, b} {
		n := fmt.Sprint(11 * (i + 1))
		hostIf, edgeIf := netns.Connect(s.host, s.edge)
		s.host.AddAddr(hostIf, "10."+n+".0.2/24")
		s.host.AddAddr(hostIf, "fd00:"+n+"::2/64")
		s.host.Must("ip", "route", "add", "default", "via", "10."+n+".0.1")
		s.host.Must("ip", "-6", "route", "add", "default", "via", "fd00:"+n+"::1")
		s.edge.AddAddr(edgeIf, "10."+n+".0.1/24")
		s.edge.AddAddr(edgeIf, "fd00:"+n+"::1/64")
		s.edge.Must("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	}
	a.wanIf, b.wanIf = netns.Connect(a.edge, b.edge)
	a.edge.AddAddr(a.wanIf, "198.18.10.1/24")
	b.edge.AddAddr(b.wanIf, "198.18.10.2/24")

	dir := t.TempDir()
	keyA, pubA := siteKey(t, dir, "a")
	keyB, pubB := siteKey(t, dir, "b")
	cfgA := edgeConfig(t, dir, "site-a", 1, keyA, "11", a.wanIf, "198.18.10.1", "site-b", 2, pubB, "22", "198.18.10.2", extraA)
	cfgB := edgeConfig(t, dir, "site-b", 2, keyB, "22", b.wanIf, "198.18.10.2", "site-a", 1, pubA, "11", "198.18.10.1", extraB)
	bin := patronusBin(t)
	a.sock, b.sock = filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
	a.edge.Start(bin, "edge", "--config", cfgA, "--control-socket", a.sock)
	b.edge.Start(bin, "edge", "--config", cfgB, "--control-socket", b.sock)
	return a, b
}

func siteKey(t *testing.T, dir, name string) (file, pub string) {
	t.Helper()
	file = filepath.Join(dir, name+".key")
	out, err := runPatronus(t, "keygen", "--out", file)
	if err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	return file, strings.TrimSpace(out)
}

func edgeConfig(t *testing.T, dir, name string, id int, key, lan, wanIf, wanAddr, peer string, peerID int, peerPub, peerLAN, peerWAN, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`site: {name: %s, id: %d}
private_key_file: %s
lan_prefixes: [10.%s.0.0/24, "fd00:%s::/64"]
links: [{name: wan, interface: %s, local_address: %s, listen_port: 51820, color: inet}]
peers:
  - name: %s
    id: %d
    public_key: "%s"
    prefixes: [10.%s.0.0/24, "fd00:%s::/64"]
    links: [{name: wan, endpoint: "%s:51820", color: inet}]
`, name, id, key, lan, lan, wanIf, wanAddr, peer, peerID, peerPub, peerLAN, peerLAN, peerWAN) + extra
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runPatronus(t, "config", "validate", path); err != nil {
		t.Fatalf("config validate: %v\n%s", err, out)
	}
	return path
}

// waitPing pings until a reply comes or the timeout passes.
func waitPing(t *testing.T, from *netns.NS, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := from.Exec("ping", "-c", "1", "-W", "1", addr)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ping reply from %s: %v\n%s", addr, err, out)
		}
	}
}

// TestEdgeTwoSites: LAN hosts of two sites reach each other over IPv4 and
// IPv6 through the edges; bulk TCP flows; the WAN carries only WireGuard
// on the links' port, never the inner plaintext.
func TestEdgeTwoSites(t *testing.T) {
	netns.Require(t, "ping")
	netns.Require(t, "iperf3")
	netns.Require(t, "tcpdump")
	a, b := twoSites(t)
	waitPing(t, a.host, "10.22.0.2", 20*time.Second)
	waitPing(t, a.host, "fd00:22::2", 10*time.Second)
	waitPing(t, b.host, "10.11.0.2", 10*time.Second)

	// MTU: a DF-set packet that fits the overlay MTU (1420) passes; a
	// larger one is refused with an ICMP "fragmentation needed" naming
	// the MTU, never silently dropped.
	if out, err := a.host.Exec("ping", "-c", "2", "-M", "do", "-s", "1392", "10.22.0.2"); err != nil {
		t.Errorf("DF ping of 1420 bytes: %v\n%s", err, out)
	}
	big, _ := a.host.Exec("ping", "-c", "2", "-M", "do", "-s", "1472", "10.22.0.2")
	if !strings.Contains(big, "mtu = 1420") && !strings.Contains(big, "mtu=1420") {
		t.Errorf("DF ping of 1500 bytes: want fragmentation needed with mtu 1420, got:\n%s", big)
	}

	pcap := filepath.Join(t.TempDir(), "wan.pcap")
	capture := b.edge.Start("tcpdump", "-n", "-U", "-i", b.wanIf, "-w", pcap)
	time.Sleep(500 * time.Millisecond)
	marker := "patronus-plaintext-marker"
	if out, err := a.host.Exec("ping", "-c", "3", "-i", "0.2", "-p", fmt.Sprintf("%x", marker[:16]), "10.22.0.2"); err != nil {
		t.Fatalf("ping with a marker: %v\n%s", err, out)
	}
	b.host.Start("iperf3", "-s", "-1", "-B", "10.22.0.2")
	time.Sleep(300 * time.Millisecond)
	out, err := a.host.Exec("iperf3", "-c", "10.22.0.2", "-t", "2", "-J")
	if err != nil {
		t.Fatalf("iperf3: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`"sum_received":\s*\{[^}]*"bits_per_second":\s*([0-9.e+]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("iperf3 gave no rate:\n%s", out)
	}
	if bps, _ := strconv.ParseFloat(m[1], 64); bps < 20e6 {
		t.Errorf("bulk TCP between the sites: %.1f Mbit/s, want more than 20", bps/1e6)
	}
	capture.Stop(2 * time.Second)
	checkEdgeStatus(t, a.sock, "site-b")
	// Host B answered iperf3's SYN with MSS 1460 (a 1500-byte LAN); its
	// edge clamped that to the overlay's 1380. (Host A already knew the
	// path MTU from the DF pings and sent 1380 itself.)
	if f := checkEdgeStatus(t, b.sock, "site-a"); f["mss_clamped"] < 1 {
		t.Errorf("edge B clamped no MSS: %v", f)
	}

	all, err := b.edge.Exec("tcpdump", "-n", "-r", pcap)
	if err != nil || strings.Count(all, "\n") < 100 {
		t.Fatalf("capture: %v, %d lines", err, strings.Count(all, "\n"))
	}
	checkOnlyWireGuard(t, pcap, marker[:16])
}

// runPatronus runs the patronus binary and returns its standard output.
func runPatronus(t testing.TB, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(patronusBin(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// checkEdgeStatus reads `patronus status --json` of an edge after traffic:
// its one path carried packets both ways, WireGuard shook hands, the WAN
// link counted datagrams, and the forwarder dropped nothing for lack of a
// path.
func checkEdgeStatus(t *testing.T, sock, peer string) map[string]uint64 {
	t.Helper()
	out, err := runPatronus(t, "status", "--json", "--control-socket", sock)
	if err != nil {
		t.Fatalf("patronus status: %v\n%s", err, out)
	}
	var st struct {
		Site  string `json:"site"`
		Paths []struct {
			ID            string     `json:"id"`
			PeerSite      string     `json:"peer_site"`
			Preferred     bool       `json:"preferred"`
			TxPackets     uint64     `json:"tx_packets"`
			RxPkts        uint64     `json:"rx_packets"`
			WireTxBytes   uint64     `json:"wire_tx_bytes"`
			LastHandshake *time.Time `json:"last_handshake"`
		} `json:"paths"`
		Links []struct {
			Name     string            `json:"name"`
			Counters map[string]uint64 `json:"counters"`
		} `json:"links"`
		Forwarder map[string]uint64 `json:"forwarder"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("patronus status --json: %v\n%s", err, out)
	}
	if len(st.Paths) != 1 || len(st.Links) != 1 {
		t.Fatalf("status: %d paths, %d links, want 1 and 1:\n%s", len(st.Paths), len(st.Links), out)
	}
	p := st.Paths[0]
	if p.PeerSite != peer || !p.Preferred || p.TxPackets < 100 || p.RxPkts < 100 || p.WireTxBytes == 0 || p.LastHandshake == nil {
		t.Errorf("path status after traffic: %+v", p)
	}
	if c := st.Links[0].Counters; c["received"] < 100 || c["sent"] < 100 {
		t.Errorf("link counters after traffic: %v", c)
	}
	if f := st.Forwarder; f["from_overlay"] < 100 || f["drop_no_path"] != 0 || f["drop_source_rejected"] != 0 {
		t.Errorf("forwarder counters: %v", f)
	}
	return st.Forwarder
}

// TestEdgePinSurvivesLinkLoss: two WAN links per site, point to point
// (wan1 with wan1, wan2 with wan2). A TCP flow runs over the preferred
// path (wan1); wan1 is cut; the flow is pinned to the wan2 path at both
// edges through the runtime API and keeps going: the transfer completes
// and moves data after the cut.
func TestEdgePinSurvivesLinkLoss(t *testing.T) {
	netns.Require(t, "iperf3")
	a := edgeSite{host: netns.New(t), edge: netns.New(t)}
	b := edgeSite{host: netns.New(t), edge: netns.New(t)}
	for i, s := range []edgeSite{a, b} {
		n := fmt.Sprint(11 * (i + 1))
		hostIf, edgeIf := netns.Connect(s.host, s.edge)
		s.host.AddAddr(hostIf, "10."+n+".0.2/24")
		s.host.Must("ip", "route", "add", "default", "via", "10."+n+".0.1")
		s.edge.AddAddr(edgeIf, "10."+n+".0.1/24")
		s.edge.Must("sysctl", "-qw", "net.ipv4.ip_forward=1")
	}
	a1, b1 := netns.Connect(a.edge, b.edge)
	a2, b2 := netns.Connect(a.edge, b.edge)
	a.edge.AddAddr(a1, "198.18.10.1/24")
	b.edge.AddAddr(b1, "198.18.10.2/24")
	a.edge.AddAddr(a2, "198.18.20.1/24")
	b.edge.AddAddr(b2, "198.18.20.2/24")

	dir := t.TempDir()
	keyA, pubA := siteKey(t, dir, "a")
	keyB, pubB := siteKey(t, dir, "b")
	conf := func(name string, id int, key, lan, if1, if2, me string, peer string, peerID int, pub, peerLAN string) string {
		cfg := fmt.Sprintf(`site: {name: %s, id: %d}
private_key_file: %s
lan_prefixes: [10.%s.0.0/24]
links:
  - {name: wan1, interface: %s, local_address: 198.18.10.%s, listen_port: 51820, color: inet, cost: 10}
  - {name: wan2, interface: %s, local_address: 198.18.20.%s, listen_port: 51821, color: lte, cost: 100}
peers:
  - name: %s
    id: %d
    public_key: "%s"
    prefixes: [10.%s.0.0/24]
    links:
      - {name: wan1, endpoint: "198.18.10.%d:51820", color: inet}
      - {name: wan2, endpoint: "198.18.20.%d:51821", color: lte}
`, name, id, key, lan, if1, me, if2, me, peer, peerID, pub, peerLAN, peerID, peerID)
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfgA := conf("site-a", 1, keyA, "11", a1, a2, "1", "site-b", 2, pubB, "22")
	cfgB := conf("site-b", 2, keyB, "22", b1, b2, "2", "site-a", 1, pubA, "11")
	a.sock, b.sock = filepath.Join(dir, "a.sock"), filepath.Join(dir, "b.sock")
	bin := patronusBin(t)
	a.edge.Start(bin, "edge", "--config", cfgA, "--control-socket", a.sock)
	b.edge.Start(bin, "edge", "--config", cfgB, "--control-socket", b.sock)
	waitPing(t, a.host, "10.22.0.2", 20*time.Second)
	// Warm up the wan2 path too, so that its handshake is done before the cut.
	for _, e := range []struct{ sock, path string }{{a.sock, "site-a/wan2->site-b/wan2"}, {b.sock, "site-b/wan2->site-a/wan2"}} {
		if out, err := runPatronus(t, "pin", "--control-socket", e.sock, "--proto", "icmp-is-not-a-proto", "--path", e.path); err == nil {
			t.Fatalf("a bad --proto was accepted: %s", out)
		}
	}

	b.host.Start("iperf3", "-s", "-1", "-B", "10.22.0.2")
	time.Sleep(300 * time.Millisecond)
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := a.host.Exec("iperf3", "-c", "10.22.0.2", "-t", "8", "-b", "20M", "-J")
		done <- result{out, err}
	}()
	time.Sleep(2 * time.Second)
	a.edge.SetDown(a1) // the preferred link dies; without BFD nothing notices
	cut := time.Now()
	time.Sleep(500 * time.Millisecond)
	for _, e := range []struct{ sock, path, dst string }{
		{a.sock, "site-a/wan2->site-b/wan2", "10.22.0.0/24"},
		{b.sock, "site-b/wan2->site-a/wan2", "10.11.0.0/24"},
	} {
		if out, err := runPatronus(t, "pin", "--control-socket", e.sock, "--proto", "tcp", "--dst", e.dst, "--path", e.path); err != nil {
			t.Fatalf("pin: %v\n%s", err, out)
		}
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("the TCP transfer stalled after the cut and re-pin") // cleanup kills iperf3
	}
	if r.err != nil {
		t.Fatalf("the TCP transfer did not survive the cut and re-pin: %v\n%s", r.err, r.out)
	}
	// Intervals that ended more than 2 s after the cut carried data.
	ends := regexp.MustCompile(`"end":\s*([0-9.]+),[^}]*?"bytes":\s*([0-9]+)`).FindAllStringSubmatch(r.out, -1)
	var after uint64
	for _, m := range ends {
		end, _ := strconv.ParseFloat(m[1], 64)
		bytes, _ := strconv.ParseUint(m[2], 10, 64)
		if end > 2+2.5 && end <= 8.5 {
			after += bytes
		}
	}
	if after < 1e6 {
		t.Errorf("only %d bytes moved after the re-pin (cut at %v):\n%s", after, cut.Format(time.TimeOnly), firstLines(r.out, 40))
	}
	st := checkPins(t, a.sock)
	if st != 1 {
		t.Errorf("edge A has %d pins, want 1", st)
	}
}

// checkPins returns how many pins the edge reports in its status.
func checkPins(t *testing.T, sock string) int {
	t.Helper()
	out, err := runPatronus(t, "status", "--json", "--control-socket", sock)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var st struct {
		Pins []json.RawMessage `json:"pins"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	return len(st.Pins)
}

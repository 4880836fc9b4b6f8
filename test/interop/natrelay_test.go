//go:build interop

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// labRelayPort is the port of the relay lab up runs with --nat
// (lab.RelayAddr).
const labRelayPort = "3480"

// TestLabNATRelayed (issue 15): with --nat the lab's controller runs the
// relay. Both lte links behind symmetric NAT: lab up waits for every
// path; the lte-to-lte path comes up relayed from the start (the
// controller's start_relayed: both ends' mappings depend on the
// destination) and carries a ping stream, counted at the relay as
// WireGuard data; the paths between a public and a symmetric link are
// relayed from the start too (either end symmetric: start_relayed). One
// end cone, the other symmetric: the same, the cone end's path to the
// other site's public link punched and direct.
func TestLabNATRelayed(t *testing.T) {
	t.Run("symmetric-both", func(t *testing.T) {
		l := upLab(t, "--sites", "2", "--links", "2", "--nat", "site1:lte=symmetric", "--nat", "site2:lte=symmetric")
		const lte = "site1/lte->site2/lte"
		for _, site := range []string{"site1", "site2"} {
			for id, p := range l.natPaths(site) {
				want := "relayed" // a public link to one behind symmetric NAT: nothing comes back directly
				if strings.Count(id, "/inet") == 2 {
					want = "direct"
				}
				if p.BFDState != "up" || p.Transport != want {
					t.Errorf("%s %s: bfd %s transport %q, want up %s", site, id, p.BFDState, p.Transport, want)
				}
			}
		}
		for _, id := range []string{lte, "site1/inet->site2/lte", "site1/lte->site2/inet"} {
			if d := firstPacket(t, l.st.Sites[0].Log, id); d >= 5*time.Second {
				t.Errorf("%s: first packet %v after it was made, want it relayed from the start (under DirectTimeout, 5 s)", id, d)
			}
		}
		l.pinAll("lte")
		l.nft("controller", relayCounters(labRelayPort))
		loss, rtt := l.ping("host1", l.st.Sites[1].HostIPv4, 200, "0.02")
		c := l.counters("controller", "relaycap")
		t.Logf("lte<->lte relayed: 200 pings at 50/s, loss %.1f%%, rtt %v; relay in %d WireGuard data messages, out %d",
			loss*100, rtt, c["in-wg4"], c["out-wg4"])
		if loss != 0 {
			t.Errorf("ping stream over the relayed path: loss %.1f%%, want none", loss*100)
		}
		if c["in-wg4"] < 400 || c["out-wg4"] < 400 {
			t.Errorf("relay forwarded %d/%d WireGuard data messages, want the 200 pings and their replies both ways", c["in-wg4"], c["out-wg4"])
		}
	})
	t.Run("cone-symmetric", func(t *testing.T) {
		l := upLab(t, "--sites", "2", "--links", "2", "--nat", "site1:lte=cone", "--nat", "site2:lte=symmetric")
		const lte = "site1/lte->site2/lte"
		for id, p := range l.natPaths("site1") {
			want := "direct"
			if strings.HasSuffix(id, "site2/lte") {
				want = "relayed"
			}
			if p.BFDState != "up" || p.Transport != want {
				t.Errorf("site1 %s: bfd %s transport %q, want up %s", id, p.BFDState, p.Transport, want)
			}
		}
		for _, id := range []string{lte, "site1/inet->site2/lte"} {
			if d := firstPacket(t, l.st.Sites[0].Log, id); d >= 5*time.Second {
				t.Errorf("%s: first packet %v after it was made, want it relayed from the start (under DirectTimeout, 5 s)", id, d)
			}
		}
		l.pinAll("lte")
		if loss, _ := l.ping("host1", l.st.Sites[1].HostIPv4, 100, "0.02"); loss != 0 {
			t.Errorf("ping stream over the relayed cone-symmetric path: loss %.1f%%", loss*100)
		}
	})
}

// sentOver returns how many packets path id of site sent over d.
func (l *testLab) sentOver(site, id string, d time.Duration) uint64 {
	l.t.Helper()
	before := l.pathTx(site)[id]
	time.Sleep(d)
	return l.pathTx(site)[id] - before
}

// waitPath waits until path id of site is up with transport want and,
// when carrying, sends packets (the stream's copies).
func (l *testLab) waitPath(site, id, want string, carrying bool, timeout time.Duration) time.Duration {
	l.t.Helper()
	start := time.Now()
	for {
		p := l.natPaths(site)[id]
		if p.BFDState == "up" && p.Transport == want && (!carrying || l.sentOver(site, id, 300*time.Millisecond) > 50) {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			l.t.Fatalf("%s %s not up %s (carrying %v) within %v: %+v", site, id, want, carrying, timeout, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// udpBlock is an nftables table for the wan node that drops UDP between
// two underlay addresses, both ways.
func udpBlock(a, b string) string {
	return fmt.Sprintf(`table inet dupblock {
  chain blockudp {
    type filter hook forward priority -10;
    ip saddr %[1]s ip daddr %[2]s meta l4proto udp counter drop
    ip saddr %[2]s ip daddr %[1]s meta l4proto udp counter drop
  }
}
`, a, b)
}

// linkAddr is the underlay address of a lab site's link.
func (l *testLab) linkAddr(site int, link string) string {
	l.t.Helper()
	for _, k := range l.st.Sites[site].Links {
		if k.Name == link {
			return strings.Split(k.Endpoint, ":")[0]
		}
	}
	l.t.Fatalf("site %d has no link %s", site+1, link)
	return ""
}

// TestLabRelayDuplicationLosesNothing (issue 15): a 500 packets/s voice
// stream in duplicate mode (its copies on two paths that share no link)
// while one of the two paths goes relayed (direct UDP between its links
// blocked by nftables, as in TestLabRelay) and back to direct (the block
// lifted), twice, each switch made while that path carries the stream's
// copies: no packet lost, no copy delivered twice. Then the switch
// itself, without the other copy: a 500 packets/s stream pinned to the
// lte-to-lte path while it goes from relayed to direct loses nothing.
func TestLabRelayDuplicationLosesNothing(t *testing.T) {
	dir := t.TempDir()
	policy, cfg := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "relay.yaml")
	// A 2 s hold-down so that the copies come back to the path soon after
	// it is up relayed.
	if err := os.WriteFile(policy, []byte("steering: {hold_down: 2s}\npolicies:\n  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("relay:\n  listen: \":3478\"\n  endpoint: \""+relayAddr+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--links", "2", "--policy", policy, "--controller-config", cfg)
	l.waitTransport("direct", 10*time.Second)
	const rate, run = 500, 45 * time.Second
	stream := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, rate, run)
	start := time.Now()
	// The path to switch: one of the two that carry the copies (the
	// steering's first choice is not always the same).
	var path string
	for deadline := time.Now().Add(10 * time.Second); path == "" && time.Now().Before(deadline); {
		before := l.pathTx("site1")
		time.Sleep(500 * time.Millisecond)
		var busy []string
		for id, n := range l.pathTx("site1") {
			if n-before[id] > 100 {
				busy = append(busy, id)
			}
		}
		if len(busy) == 2 {
			slices.Sort(busy)
			path = busy[1]
		}
	}
	if path == "" {
		t.Fatal("no two paths carry the duplicated stream")
	}
	var local, remote string
	if _, err := fmt.Sscanf(strings.NewReplacer("site1/", "", "->site2/", " ").Replace(path), "%s %s", &local, &remote); err != nil {
		t.Fatalf("path %q: %v", path, err)
	}
	block := udpBlock(l.linkAddr(0, local), l.linkAddr(1, remote))
	t.Logf("the copies go on %s among others: switching it", path)
	for cycle := 1; cycle <= 2; cycle++ {
		l.nft("wan", block)
		toRelayed := l.waitPath("site1", path, "relayed", false, 20*time.Second)
		carrying := l.waitPath("site1", path, "relayed", true, 20*time.Second)
		l.mustExec("wan", "nft", "delete", "table", "inet", "dupblock")
		toDirect := l.waitPath("site1", path, "direct", false, 15*time.Second)
		t.Logf("cycle %d: blocked -> %s relayed and up %v later, carrying copies %v after that; lifted -> direct %v later",
			cycle, path, toRelayed.Round(10*time.Millisecond), carrying.Round(10*time.Millisecond), toDirect.Round(10*time.Millisecond))
		if tx := l.sentOver("site1", path, 300*time.Millisecond); tx < 50 {
			t.Errorf("cycle %d: %s sent %d packets in 300 ms after going direct, want the stream's copies", cycle, path, tx)
		}
	}
	if time.Since(start) > run-2*time.Second {
		t.Fatalf("the switches took %v, longer than the stream (%v)", time.Since(start), run)
	}
	r := stream.wait()
	t.Logf("stream: %+v", r)
	if want := uint64(rate * run / time.Second); r.Lost != 0 || r.Duplicates != 0 || r.Unique != want {
		t.Errorf("duplicate mode across relayed<->direct switches: %+v, want %d packets, none lost, no copies", r, want)
	}

	// The switch alone: every flow pinned to lte, the path relayed, the
	// block lifted in the middle of a stream.
	const lte = "site1/lte->site2/lte"
	l.pinAll("lte")
	l.nft("wan", udpBlock(l.linkAddr(0, "lte"), l.linkAddr(1, "lte")))
	l.waitPath("site1", lte, "relayed", false, 20*time.Second)
	l.waitPath("site2", "site2/lte->site1/lte", "relayed", false, 20*time.Second)
	pinned := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, rate, 8*time.Second)
	time.Sleep(2 * time.Second)
	if tx := l.sentOver("site1", lte, 300*time.Millisecond); tx < 100 {
		t.Fatalf("pinned: %s sent %d packets in 300 ms, want the stream", lte, tx)
	}
	l.mustExec("wan", "nft", "delete", "table", "inet", "dupblock")
	toDirect := l.waitPath("site1", lte, "direct", false, 5*time.Second)
	r = pinned.wait()
	t.Logf("pinned to %s, relayed -> direct %v after the block was lifted: %+v", lte, toDirect.Round(10*time.Millisecond), r)
	if p := l.natPaths("site1")[lte]; r.Lost != 0 || r.Duplicates != 0 || r.Unique != rate*8 || p.Transport != "direct" {
		t.Errorf("one path across its switch relayed -> direct (now %s): %+v, want %d packets, none lost", p.Transport, r, rate*8)
	}
}

// TestLabRelayIPv6MTU (issue 15): with the relay reached over IPv6 the
// edges pick an overlay MTU of 1408 (edge/config.RelayIPv6MaxMTU), so
// that relayed datagrams fit the underlay's 1,500 bytes: the direct way
// blocked, the path relayed, 1408-byte pings with DF set cross it
// without loss, a 1409-byte one is refused at the edge, and the underlay
// router forwards no IPv6 fragment.
func TestLabRelayIPv6MTU(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "relay.yaml")
	if err := os.WriteFile(cfg, []byte("relay:\n  listen: \":3478\"\n  endpoint: \"[fd20:ff::2]:3478\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--links", "1", "--wan", "ipv6", "--controller-config", cfg)
	s1, s2 := l.st.Sites[0], l.st.Sites[1]
	if out := l.mustExec("site1", "ip", "link", "show", "patronus0"); !strings.Contains(out, "mtu 1408 ") {
		t.Errorf("site1's overlay: %s, want mtu 1408", out)
	}
	l.waitTransport("direct", 10*time.Second)
	host := func(ep string) string { return strings.Trim(ep[:strings.LastIndex(ep, ":")], "[]") }
	l.nft("wan", fmt.Sprintf(`table inet v6block {
  chain v6fwd {
    type filter hook forward priority -10;
    exthdr frag exists counter comment "fragments"
    ip6 saddr %[1]s ip6 daddr %[2]s meta l4proto udp drop
    ip6 saddr %[2]s ip6 daddr %[1]s meta l4proto udp drop
  }
}
`, host(s1.Links[0].Endpoint), host(s2.Links[0].Endpoint)))
	l.nft("controller", relayCounters("3478"))
	l.waitTransport("relayed", 30*time.Second)
	out, err := l.exec("host1", "ping", "-c", "20", "-i", "0.05", "-W", "1", "-M", "do", "-s", "1380", s2.HostIPv4)
	if err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Errorf("1408-byte pings with DF through the IPv6 relay: %v\n%s", err, out)
	}
	if out, err := l.exec("host1", "ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1381", s2.HostIPv4); err == nil {
		t.Errorf("a 1409-byte ping with DF crossed an overlay of MTU 1408:\n%s", out)
	}
	c, frag := l.counters("controller", "relaycap"), l.counters("wan", "v6block")["fragments"]
	t.Logf("IPv6 relay: WireGuard data messages in %d, out %d; IPv6 fragments forwarded by the underlay: %d", c["in-wg4"], c["out-wg4"], frag)
	if c["in-wg4"] < 40 || frag != 0 {
		t.Errorf("relay in %d data messages (want the 20 pings and replies), %d fragments (want none)", c["in-wg4"], frag)
	}
}

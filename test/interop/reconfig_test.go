//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/lab/netns"
)

// reconfSite is one site of TestEdgeReconfigure.
type reconfSite struct {
	name       string
	id         int
	lan        string // 11, 22, 33: 10.LAN.0.0/24
	host, edge *netns.NS
	wanIf, key string
	pub, sock  string
}

// siteYAML is a site's configuration with the given peers; extra goes
// into each peer's entry.
func siteYAML(s reconfSite, peers []reconfSite, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "site: {name: %s, id: %d}\nprivate_key_file: %s\nlan_prefixes: [10.%s.0.0/24]\n", s.name, s.id, s.key, s.lan)
	fmt.Fprintf(&b, "links: [{name: wan, interface: %s, local_address: 198.18.10.%d, listen_port: 51820, color: inet}]\npeers:\n", s.wanIf, s.id)
	for _, p := range peers {
		fmt.Fprintf(&b, "  - name: %s\n    id: %d\n    public_key: %q\n    prefixes: [10.%s.0.0/24]\n", p.name, p.id, p.pub, p.lan)
		fmt.Fprintf(&b, "    links: [{name: wan, endpoint: \"198.18.10.%d:51820\", color: inet}]\n%s", p.id, extra)
	}
	return b.String()
}

// TestEdgeReconfigure: three sites on one WAN segment. Edge A starts
// with peer B only; a new configuration through the control socket adds
// C (reachable at once) and turns compression on for B, while A's path to
// B keeps its WireGuard session and counters. The same configuration
// again changes nothing; changes that need a restart and invalid files
// are refused with field paths and change nothing; SIGHUP re-reads the
// file and removes C again.
func TestEdgeReconfigure(t *testing.T) {
	netns.Require(t, "ping")
	wan := netns.New(t)
	wan.Must("ip", "link", "add", "br0", "type", "bridge")
	wan.Must("ip", "link", "set", "br0", "up")
	dir := t.TempDir()
	sites := []reconfSite{{name: "site-a", id: 1, lan: "11"}, {name: "site-b", id: 2, lan: "22"}, {name: "site-c", id: 3, lan: "33"}}
	for i := range sites {
		s := &sites[i]
		s.host, s.edge = netns.New(t), netns.New(t)
		hostIf, edgeIf := netns.Connect(s.host, s.edge)
		s.host.AddAddr(hostIf, "10."+s.lan+".0.2/24")
		s.host.Must("ip", "route", "add", "default", "via", "10."+s.lan+".0.1")
		s.edge.AddAddr(edgeIf, "10."+s.lan+".0.1/24")
		s.edge.Must("sysctl", "-qw", "net.ipv4.ip_forward=1")
		var brIf string
		s.wanIf, brIf = netns.Connect(s.edge, wan)
		wan.Must("ip", "link", "set", brIf, "master", "br0")
		s.edge.AddAddr(s.wanIf, fmt.Sprintf("198.18.10.%d/24", s.id))
		s.key, s.pub = siteKey(t, dir, s.name)
		s.sock = filepath.Join(dir, s.name+".sock")
	}
	a, b, c := sites[0], sites[1], sites[2]
	write := func(name, yaml string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cfgA := write("a.yaml", siteYAML(a, []reconfSite{b}, ""))
	bin := patronusBin(t)
	edgeA := a.edge.Start(bin, "edge", "--config", cfgA, "--control-socket", a.sock)
	b.edge.Start(bin, "edge", "--config", write("b.yaml", siteYAML(b, []reconfSite{a}, "    compression: true\n")), "--control-socket", b.sock)
	c.edge.Start(bin, "edge", "--config", write("c.yaml", siteYAML(c, []reconfSite{a}, "")), "--control-socket", c.sock)
	waitPing(t, a.host, "10.22.0.2", 20*time.Second)
	if out, err := a.host.Exec("ping", "-c", "1", "-W", "1", "10.33.0.2"); err == nil {
		t.Fatalf("site C reachable before it is configured:\n%s", out)
	}
	before := statusOf(t, a.sock)
	if len(before.Paths) != 1 || before.Paths[0].LastHandshake == nil || before.Paths[0].Compression.EnabledLocal {
		t.Fatalf("edge A before: %+v", before.Paths)
	}

	// Add C, compression on for B.
	next := write("a2.yaml", siteYAML(a, []reconfSite{b, c}, "    compression: true\n"))
	out, err := runPatronus(t, "config", "apply", "--control-socket", a.sock, next)
	if err != nil {
		t.Fatalf("config apply: %v\n%s", err, out)
	}
	var ch localapi.Changes
	if err := json.Unmarshal([]byte(out), &ch); err != nil {
		t.Fatalf("config apply: %v\n%s", err, out)
	}
	if strings.Join(ch.PeersAdded, ",") != "site-c" || len(ch.PeersRemoved)+len(ch.PeersRestarted) != 0 ||
		strings.Join(ch.Compression, ",") != "site-b" || strings.Join(ch.RoutesAdded, ",") != "10.33.0.0/24,fd70:6174:726f::3/128" {
		t.Errorf("changes: %s", out)
	}
	waitPing(t, a.host, "10.33.0.2", 20*time.Second)
	waitPing(t, c.host, "10.11.0.2", 10*time.Second)
	after := statusOf(t, a.sock)
	pb := pathTo(t, after, "site-b")
	if !pb.LastHandshake.Equal(*before.Paths[0].LastHandshake) || pb.TxPackets < before.Paths[0].TxPackets || pb.ID != before.Paths[0].ID {
		t.Errorf("the unchanged path to B was restarted: before %+v\nafter %+v", before.Paths[0], pb)
	}
	if !pb.Compression.EnabledLocal {
		t.Errorf("compression to B not enabled: %+v", pb.Compression)
	}
	// B accepts compression: A compresses towards B within a Hello round trip.
	waitPathStatusOf(t, a.sock, "site-b", 15*time.Second, func(p localapi.PathStatus) bool { return p.Compression.Active })

	// The same configuration again: nothing changes.
	if out, err := runPatronus(t, "config", "apply", "--control-socket", a.sock, next); err != nil || !noChanges(t, out) {
		t.Errorf("applying the configuration in force: %v\n%s", err, out)
	}
	// A steering change (a policy, BFD timers): in force at once, no path
	// restarted. BFD comes up after the first ping can pass (its slow
	// start sends one packet a second), so wait for it: the check below is
	// that the change leaves an up session up.
	waitPathStatusOf(t, a.sock, "site-b", 10*time.Second, func(p localapi.PathStatus) bool { return p.BFDState == "up" })
	steered := write("a2s.yaml", siteYAML(a, []reconfSite{b, c}, "    compression: true\n")+
		"policies:\n  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n")
	out, err = runPatronus(t, "config", "apply", "--control-socket", a.sock, steered)
	var sch localapi.Changes
	if err != nil || json.Unmarshal([]byte(out), &sch) != nil || !sch.Steering || len(sch.PeersRestarted)+len(sch.PeersAdded)+len(sch.PeersRemoved) != 0 {
		t.Errorf("applying a policy: %v\n%s", err, out)
	}
	var dup *localapi.PolicyStatus
	st := statusOf(t, a.sock)
	for i, p := range st.Policies {
		if p.Name == "voice-dup" {
			dup = &st.Policies[i]
		}
	}
	if dup == nil || dup.Mode != "duplicate" || !slices.Contains(dup.Applications, "rtp") || !slices.Contains(dup.Applications, "sip") {
		t.Errorf("policy in force: %+v", st.Policies)
	}
	if pb := pathTo(t, st, "site-b"); !pb.LastHandshake.Equal(*before.Paths[0].LastHandshake) || pb.BFDState != "up" {
		t.Errorf("a policy change touched the path to B: %+v", pb)
	}

	// A WAN link added and removed at runtime on A and B while a ping
	// stream runs over the path between their first links.
	linksAtRuntime(t, a, b, write, []reconfSite{b, c}, "    compression: true\n")

	// Changes that need a restart, and an invalid file: refused by field
	// path, nothing changed.
	moved := strings.Replace(strings.Replace(siteYAML(a, []reconfSite{b}, ""), "id: 1}", "id: 9}", 1), "listen_port: 51820", "listen_port: 51830", 1)
	out, err = runPatronus(t, "config", "apply", "--control-socket", a.sock, write("a3.yaml", moved))
	if err == nil || !strings.Contains(out, "site.id: cannot change") || !strings.Contains(out, "links[0].listen_port: the link's socket cannot change") {
		t.Errorf("a new site id and link port were not refused: %v\n%s", err, out)
	}
	bad := strings.Replace(siteYAML(a, nil, ""), "lan_prefixes: [10.11.0.0/24]", "lan_prefixes: [10.11.0.1/24]", 1)
	out, err = runPatronus(t, "config", "apply", "--control-socket", a.sock, write("a4.yaml", bad))
	if err == nil || !strings.Contains(out, "lan_prefixes[0]: 10.11.0.1/24 has host bits set") {
		t.Errorf("an invalid configuration was not refused by field path: %v\n%s", err, out)
	}
	if st := statusOf(t, a.sock); len(st.Paths) != 2 {
		t.Errorf("a refused configuration changed the paths: %+v", st.Paths)
	}

	// SIGHUP re-reads the file: C is removed again, B's path stays (its
	// handshake as it was before, settled: see settledHandshake).
	pb = pathTo(t, statusOf(t, a.sock), "site-b")
	write("a.yaml", siteYAML(a, []reconfSite{b}, "    compression: true\n"))
	if err := edgeA.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(statusOf(t, a.sock).Paths) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not remove site C:\n%s", edgeA.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out, err := a.host.Exec("ping", "-c", "1", "-W", "1", "10.33.0.2"); err == nil {
		t.Errorf("site C still reachable after its removal:\n%s", out)
	}
	waitPing(t, a.host, "10.22.0.2", 5*time.Second)
	if pb2 := pathTo(t, statusOf(t, a.sock), "site-b"); !pb2.LastHandshake.Equal(*pb.LastHandshake) {
		t.Errorf("SIGHUP restarted the path to B: %v, was %v", pb2.LastHandshake, pb.LastHandshake)
	}
}

// withLTE adds a second link, lte (198.18.11.ID:51821, on the same
// interface, cost 20), to site s's configuration yaml and to those of
// its peers among lte.
func withLTE(yaml string, s reconfSite, lte ...reconfSite) string {
	own := fmt.Sprintf("local_address: 198.18.10.%d, listen_port: 51820, color: inet}", s.id)
	yaml = strings.Replace(yaml, own+"]", own+fmt.Sprintf(", {name: lte, interface: %s, local_address: 198.18.11.%d, listen_port: 51821, color: lte, cost: 20}]",
		s.wanIf, s.id), 1)
	for _, p := range lte {
		link := fmt.Sprintf("endpoint: \"198.18.10.%d:51820\", color: inet}", p.id)
		yaml = strings.Replace(yaml, link+"]", link+fmt.Sprintf(", {name: lte, endpoint: \"198.18.11.%d:51821\", color: lte}]", p.id), 1)
	}
	return yaml
}

// linksAtRuntime: A and B gain a second WAN link (lte) through their
// control sockets and later lose it, while a ping stream runs between
// their LANs over the path between their first links: the three new
// paths between A and B come up (WireGuard handshakes, BFD up), then go;
// the first path keeps its WireGuard session throughout and the stream
// loses nothing.
func linksAtRuntime(t *testing.T, a, b reconfSite, write func(string, string) string, peersA []reconfSite, extra string) {
	t.Helper()
	a.edge.AddAddr(a.wanIf, "198.18.11.1/24")
	b.edge.AddAddr(b.wanIf, "198.18.11.2/24")
	first := "site-a/wan->site-b/wan"
	hs := settledHandshake(t, a.sock, first)
	pingDone := make(chan string, 1)
	go func() {
		out, _ := a.host.Exec("ping", "-q", "-c", "200", "-i", "0.1", "-W", "2", "10.22.0.2")
		pingDone <- out
	}()
	apply := func(site reconfSite, yaml string) localapi.Changes {
		t.Helper()
		out, err := runPatronus(t, "config", "apply", "--control-socket", site.sock, write(site.name+"-links.yaml", yaml))
		var ch localapi.Changes
		if err != nil || json.Unmarshal([]byte(out), &ch) != nil {
			t.Fatalf("%s: config apply: %v\n%s", site.name, err, out)
		}
		return ch
	}
	apply(b, withLTE(siteYAML(b, []reconfSite{a}, extra), b, a))
	ch := apply(a, withLTE(siteYAML(a, peersA, extra), a, b))
	if !slices.Equal(ch.LinksAdded, []string{"lte"}) || !slices.Equal(ch.PeerLinksChanged, []string{"site-b"}) || len(ch.PeersRestarted) != 0 {
		t.Errorf("adding lte: %+v", ch)
	}
	waitPaths(t, a.sock, 30*time.Second, func(ps []localapi.PathStatus) bool {
		up := 0
		for _, p := range ps {
			if p.PeerSite == "site-b" && p.BFDState == "up" && p.LastHandshake != nil {
				up++
			}
		}
		return up == 4
	})
	if p := pathByID(t, statusOf(t, a.sock), first); !p.LastHandshake.Equal(*hs) {
		t.Errorf("adding a link restarted %s: handshake %v, was %v", first, p.LastHandshake, hs)
	}
	apply(b, siteYAML(b, []reconfSite{a}, extra))
	ch = apply(a, siteYAML(a, peersA, extra))
	if !slices.Equal(ch.LinksRemoved, []string{"lte"}) || len(ch.PeersRestarted) != 0 {
		t.Errorf("removing lte: %+v", ch)
	}
	if st := statusOf(t, a.sock); len(st.Paths) != 2 || !pathByID(t, st, first).LastHandshake.Equal(*hs) {
		t.Errorf("after removing lte: paths %+v, %s's handshake was %v", st.Paths, first, hs)
	}
	if out := <-pingDone; !strings.Contains(out, "200 received") {
		t.Errorf("the ping stream lost packets while links came and went:\n%s", out)
	}
}

// settledHandshake waits until path id's last handshake is older than
// WireGuard's REKEY_TIMEOUT (5 s) and returns it: when both ends
// initiated, a second handshake completes that long after the first, and
// from then on the next comes after REKEY_AFTER_TIME (2 min). A change of
// it within that is a restarted path.
func settledHandshake(t *testing.T, sock, id string) *time.Time {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := pathByID(t, statusOf(t, sock), id)
		if !p.LastHandshake.IsZero() && time.Since(*p.LastHandshake) > 6*time.Second {
			return p.LastHandshake
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no settled handshake after 30 s: %+v", id, p)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pathByID(t *testing.T, st localapi.Status, id string) localapi.PathStatus {
	t.Helper()
	for _, p := range st.Paths {
		if p.ID == id {
			if p.LastHandshake == nil {
				p.LastHandshake = &time.Time{}
			}
			return p
		}
	}
	t.Fatalf("no path %s: %+v", id, st.Paths)
	return localapi.PathStatus{}
}

func waitPaths(t *testing.T, sock string, timeout time.Duration, ok func([]localapi.PathStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := statusOf(t, sock)
		if ok(st.Paths) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("paths after %v: %+v", timeout, st.Paths)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func statusOf(t *testing.T, sock string) localapi.Status {
	t.Helper()
	out, err := runPatronus(t, "status", "--json", "--control-socket", sock)
	if err != nil {
		t.Fatalf("patronus status: %v\n%s", err, out)
	}
	var st localapi.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("patronus status --json: %v\n%s", err, out)
	}
	return st
}

func pathTo(t *testing.T, st localapi.Status, peer string) localapi.PathStatus {
	t.Helper()
	for _, p := range st.Paths {
		if p.PeerSite == peer {
			if p.LastHandshake == nil {
				p.LastHandshake = &time.Time{}
			}
			return p
		}
	}
	t.Fatalf("no path to %s: %+v", peer, st.Paths)
	return localapi.PathStatus{}
}

func waitPathStatusOf(t *testing.T, sock, peer string, timeout time.Duration, ok func(localapi.PathStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p := pathTo(t, statusOf(t, sock), peer)
		if ok(p) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("path to %s after %v: %+v", peer, timeout, p)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func noChanges(t *testing.T, out string) bool {
	t.Helper()
	var ch localapi.Changes
	if err := json.Unmarshal([]byte(out), &ch); err != nil {
		t.Errorf("config apply: %v\n%s", err, out)
		return false
	}
	return ch.None()
}

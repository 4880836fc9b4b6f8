package dataplane_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/dataplane/dptest"
)

// Sites in one process: each site's data plane runs on an in-memory TUN
// and link sockets on one in-memory WAN (dptest), with real WireGuard
// devices, BFD, probes, steering and shim between them. Site i has LAN
// 10.i.0.0/24 and two WAN links, inet (198.18.0.i) and lte (198.19.0.i),
// so two sites have four paths.

// testNet is the WAN and the sites on it.
type testNet struct {
	t     *testing.T
	wan   *dptest.WAN
	dir   string
	keys  map[int]*ecdh.PrivateKey
	sites map[int]*testSite
}

type testSite struct {
	id     int
	dp     *dataplane.Dataplane
	tun    *dptest.TUN
	routes *dptest.Routes
}

// newTestNet makes the keys of sites ids. When the test ends and its
// sites are closed, no goroutine of theirs may be left.
func newTestNet(t *testing.T, ids ...int) *testNet {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // runs last: after the sites' Close
	n := &testNet{t: t, wan: dptest.NewWAN(), dir: t.TempDir(), keys: map[int]*ecdh.PrivateKey{}, sites: map[int]*testSite{}}
	for _, id := range ids {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		n.keys[id] = k
		file := filepath.Join(n.dir, fmt.Sprintf("site%d.key", id))
		if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// linkAddr is the address of site id's link (0: inet, 1: lte).
func linkAddr(id, link int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18 + byte(link), 0, byte(id)})
}

// config is site id's configuration with peers and extra YAML (top-level
// keys: defaults, policies, ...).
func (n *testNet) config(id int, peers []int, extra string) *config.Valid {
	n.t.Helper()
	return n.configWith(id, peers, 2, 1420, extra)
}

// linkNames are the links of the sites, in order: link k has colour
// linkNames[k], cost 10 × (k+1) and address linkAddr(id, k).
var linkNames = []string{"inet", "lte", "mpls"}

// configWith is config with the first links of linkNames (for the site
// and its peers alike) and overlay MTU mtu.
func (n *testNet) configWith(id int, peers []int, links, mtu int, extra string) *config.Valid {
	n.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "site: {name: s%d, id: %d}\nprivate_key_file: %s\nlan_prefixes: [10.%d.0.0/24]\n",
		id, id, filepath.Join(n.dir, fmt.Sprintf("site%d.key", id)), id)
	fmt.Fprintf(&b, "overlay: {interface: pt%d, mtu: %d}\nlinks:\n", id, mtu)
	for k, name := range linkNames[:links] {
		fmt.Fprintf(&b, "  - {name: %s, local_address: %s, listen_port: 51820, color: %s, cost: %d}\n", name, linkAddr(id, k), name, 10*(k+1))
	}
	b.WriteString("peers:\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "  - name: s%d\n    id: %d\n    public_key: %q\n    prefixes: [10.%d.0.0/24]\n    links:\n", p, p,
			base64.StdEncoding.EncodeToString(n.keys[p].PublicKey().Bytes()), p)
		for k, name := range linkNames[:links] {
			fmt.Fprintf(&b, "      - {name: %s, endpoint: \"%s:51820\", color: %s}\n", name, linkAddr(p, k), name)
		}
	}
	b.WriteString(extra)
	c, err := config.Parse([]byte(b.String()))
	if err != nil {
		n.t.Fatalf("site %d: %v\n%s", id, err, b.String())
	}
	v, err := c.Validate()
	if err != nil {
		n.t.Fatalf("site %d: %v\n%s", id, err, b.String())
	}
	return v
}

// slowBFD keeps BFD from declaring false Downs on a loaded machine under
// -race: 100 ms × 10.
const slowBFD = "defaults:\n  bfd: {tx_interval: 100ms, rx_interval: 100ms, multiplier: 10}\n"

// start runs site id on cfg.
func (n *testNet) start(id int, cfg *config.Valid) *testSite {
	n.t.Helper()
	s := &testSite{id: id, tun: dptest.NewTUN(cfg.Overlay.MTU), routes: &dptest.Routes{}}
	var links []dataplane.Link
	for _, l := range cfg.Links {
		wl, err := n.wan.Listen(netip.AddrPortFrom(l.LocalAddress, l.ListenPort))
		if err != nil {
			n.t.Fatal(err)
		}
		links = append(links, wl)
	}
	open := func(l config.ValidLink) (dataplane.Link, error) {
		return n.wan.Listen(netip.AddrPortFrom(l.LocalAddress, l.ListenPort))
	}
	dp, err := dataplane.New(cfg, dataplane.Deps{TUN: s.tun, Links: links, Routes: s.routes, OpenLink: open}, nil)
	if err != nil {
		n.t.Fatalf("site %d: %v", id, err)
	}
	s.dp = dp
	n.sites[id] = s
	n.t.Cleanup(func() { _ = dp.Close() })
	return s
}

// waitUp waits until every path of every site has BFD up (its quality
// may be degraded: the machine running the test is not a WAN).
func (n *testNet) waitUp() {
	n.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		down := ""
		for _, s := range n.sites {
			ps, _ := s.dp.PathStates()
			for _, p := range ps {
				if p.BFDState != "up" || p.State == "down" {
					down = p.ID + " " + p.State + ", bfd " + p.BFDState
				}
			}
		}
		if down == "" {
			n.t.Logf("every path up after %v", time.Since(deadline.Add(-60*time.Second)).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("path %s after 60 s", down)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// udp is a UDP packet from 10.from.0.2:5000 to 10.to.0.2:5001 whose
// payload starts with seq, padded to size bytes with text.
func udp(from, to int, seq uint32, size int) []byte {
	payload := []byte(strings.Repeat(`{"site":"branch","path":"wan1","rtt_ms":12}`, size/43+1))[:max(size-28, 4)]
	binary.BigEndian.PutUint32(payload, seq)
	pkt := make([]byte, 28, 28+len(payload))
	pkt[0], pkt[8], pkt[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(pkt[2:], uint16(28+len(payload)))
	copy(pkt[12:16], []byte{10, byte(from), 0, 2})
	copy(pkt[16:20], []byte{10, byte(to), 0, 2})
	binary.BigEndian.PutUint16(pkt[20:], 5000)
	binary.BigEndian.PutUint16(pkt[22:], 5001)
	binary.BigEndian.PutUint16(pkt[24:], uint16(8+len(payload)))
	return append(pkt, payload...)
}

// seqOf is the sequence number of a packet udp made.
func seqOf(pkt []byte) uint32 { return binary.BigEndian.Uint32(pkt[28:]) }

// expect reads packets from s's overlay until want have arrived or the
// timeout; it returns how many arrived by sequence number.
func expect(t *testing.T, s *testSite, want int, timeout time.Duration) map[uint32]int {
	t.Helper()
	got := map[uint32]int{}
	n := 0
	deadline := time.After(timeout)
	for n < want {
		select {
		case p := <-s.tun.Out():
			got[seqOf(p)]++
			n++
		case <-deadline:
			return got
		}
	}
	return got
}

// TestSitesForward: three sites, every path up, packets from each site
// reach the others' overlays unchanged; each site routed every peer's
// prefixes and control address into its overlay.
func TestSitesForward(t *testing.T) {
	n := newTestNet(t, 1, 2, 3)
	for _, id := range []int{1, 2, 3} {
		var peers []int
		for _, p := range []int{1, 2, 3} {
			if p != id {
				peers = append(peers, p)
			}
		}
		n.start(id, n.config(id, peers, slowBFD))
	}
	n.waitUp()
	for _, pair := range [][2]int{{1, 2}, {1, 3}, {3, 1}, {2, 3}} {
		pkt := udp(pair[0], pair[1], 7, 200)
		n.sites[pair[0]].tun.Inject(pkt)
		select {
		case got := <-n.sites[pair[1]].tun.Out():
			if string(got) != string(pkt) {
				t.Errorf("%d→%d: delivered %x, sent %x", pair[0], pair[1], got, pkt)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d→%d: nothing delivered", pair[0], pair[1])
		}
	}
	if rs := n.sites[1].routes.Prefixes(); len(rs) != 4 || rs[0] != netip.MustParsePrefix("10.2.0.0/24") {
		t.Errorf("site 1 routes %v, want the LAN and control address of sites 2 and 3", rs)
	}
	if ps := n.sites[1].dp.Paths(); len(ps) != 8 {
		t.Errorf("site 1 has %d paths, want 2 links × 2 links × 2 peers", len(ps))
	}
}

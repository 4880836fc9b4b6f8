package server

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func testSnapshot(topo store.Topology, sites ...store.Site) *snapshot {
	snap := &snapshot{Network: store.Network{Name: "corp", Topology: topo, Revision: 9}, Links: map[string][]store.Link{},
		Prefixes: map[string][]netip.Prefix{}, Policy: &pb.PolicySet{}}
	for i, s := range sites {
		s.ID = int64(i + 1)
		s.PublicKey = base64.StdEncoding.EncodeToString(make([]byte, 32))
		if s.State == "" {
			s.State = store.Enrolled
		}
		snap.Sites = append(snap.Sites, s)
		snap.Prefixes[s.Name] = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i + 1), 0, 0}), 16)}
	}
	return snap
}

func peerNames(c *pb.EdgeConfig) []string {
	var out []string
	for _, p := range c.Peers {
		out = append(out, p.Site.Name)
	}
	return out
}

// TestEdgeConfigTopologies: who is whose peer and which prefixes each peer
// carries, with two hubs, two spokes and a revoked spoke.
func TestEdgeConfigTopologies(t *testing.T) {
	snap := testSnapshot(store.HubAndSpoke,
		store.Site{Name: "h1", Role: store.Hub}, store.Site{Name: "h2", Role: store.Hub},
		store.Site{Name: "s1", Role: store.Spoke}, store.Site{Name: "s2", Role: store.Spoke},
		store.Site{Name: "gone", Role: store.Spoke, State: store.Revoked})
	now := time.Unix(0, 0)

	s1, ok := edgeConfig(snap, 3, now) // s1
	if !ok || s1.Role != pb.TopologyRole_TOPOLOGY_ROLE_SPOKE || !slices.Equal(peerNames(s1), []string{"h1", "h2"}) {
		t.Fatalf("spoke s1: %v", s1)
	}
	// The first hub carries s2's prefix (10.4/16), the second its own only.
	if !slices.Equal(s1.Peers[0].Prefixes, []string{"10.1.0.0/16", "10.4.0.0/16"}) || !slices.Equal(s1.Peers[1].Prefixes, []string{"10.2.0.0/16"}) {
		t.Fatalf("spoke s1's hubs carry %v and %v", s1.Peers[0].Prefixes, s1.Peers[1].Prefixes)
	}
	h1, _ := edgeConfig(snap, 1, now) // h1
	if h1.Role != pb.TopologyRole_TOPOLOGY_ROLE_HUB || !slices.Equal(peerNames(h1), []string{"h2", "s1", "s2"}) {
		t.Fatalf("hub h1: %v", peerNames(h1))
	}
	for _, p := range h1.Peers {
		if len(p.Prefixes) != 1 {
			t.Fatalf("hub h1's peer %s carries %v, want its own prefix only", p.Site.Name, p.Prefixes)
		}
	}
	if _, ok := edgeConfig(snap, 5, now); ok { // gone
		t.Fatal("a revoked site got a configuration")
	}
	if _, ok := edgeConfig(snap, 99, now); ok {
		t.Fatal("an unknown site got a configuration")
	}

	mesh := testSnapshot(store.FullMesh, store.Site{Name: "a", Role: store.Spoke}, store.Site{Name: "b", Role: store.Spoke},
		store.Site{Name: "c", Role: store.Hub, State: store.Revoked})
	a, _ := edgeConfig(mesh, 1, now)
	if a.Role != pb.TopologyRole_TOPOLOGY_ROLE_MESH || !slices.Equal(peerNames(a), []string{"b"}) || a.Revision != 9 {
		t.Fatalf("mesh a: %v", a)
	}
	b, _ := edgeConfig(mesh, 1, now.Add(time.Hour))
	b.Revision = 10
	if !sameConfig(a, b) {
		t.Fatal("configurations differing in revision and time only are not the same")
	}
	b.LanPrefixes = nil
	if sameConfig(a, b) {
		t.Fatal("configurations with different prefixes are the same")
	}
}

func TestCanonicalPath(t *testing.T) {
	for in, want := range map[string]string{
		"a/inet->b/lte":    "a/inet~b/lte",
		"b/lte->a/inet":    "a/inet~b/lte",
		"hq/mpls->br1/lte": "br1/lte~hq/mpls",
	} {
		if got, err := canonicalPath(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a/inet~b/lte", "a->b", "a/inet->b", "/x->b/y", "a/x/y->b/z", "a/x->b/y->c/z", "a/x->b/"} {
		if got, err := canonicalPath(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

// TestEdgeConfigPins: a site gets its own pins, by ID, without those
// expired at the time the configuration is made.
func TestEdgeConfigPins(t *testing.T) {
	snap := testSnapshot(store.FullMesh, store.Site{Name: "a", Role: store.Spoke}, store.Site{Name: "b", Role: store.Spoke})
	now := time.Unix(1000, 0)
	m := store.PinMatch{Protocol: 17, Src: netip.MustParsePrefix("10.1.0.0/24"), SrcPort: 5060}
	snap.Pins = map[string][]store.Pin{
		"a": {
			{ID: 3, PinSpec: store.PinSpec{Site: "a", Match: m, Path: "a/inet->b/lte", ExpiresAt: now.Add(time.Second)}},
			{ID: 4, PinSpec: store.PinSpec{Site: "a", Path: "a/lte->b/lte", ExpiresAt: now}},
			{ID: 7, PinSpec: store.PinSpec{Site: "a", Path: "a/lte->b/inet"}},
		},
		"b": {{ID: 5, PinSpec: store.PinSpec{Site: "b", Path: "b/lte->a/lte"}}},
	}
	a, _ := edgeConfig(snap, 1, now)
	if len(a.Pins) != 2 || a.Pins[0].Id != 3 || a.Pins[1].Id != 7 {
		t.Fatalf("a's pins %v", a.Pins)
	}
	p := a.Pins[0]
	if p.PathId != "a/inet->b/lte" || p.Match.Protocol != 17 || p.Match.SourcePrefix != "10.1.0.0/24" || p.Match.SourcePort != 5060 ||
		p.Match.DestinationPrefix != "" || !p.ExpiresAt.AsTime().Equal(now.Add(time.Second)) || a.Pins[1].ExpiresAt != nil {
		t.Fatalf("a's first pin %v", p)
	}
	if later, _ := edgeConfig(snap, 1, now.Add(time.Second)); len(later.Pins) != 1 || later.Pins[0].Id != 7 {
		t.Fatalf("a's pins a second later %v", later.Pins)
	}
	if b, _ := edgeConfig(snap, 2, now); len(b.Pins) != 1 || b.Pins[0].Id != 5 {
		t.Fatalf("b's pins %v", b.Pins)
	}
}

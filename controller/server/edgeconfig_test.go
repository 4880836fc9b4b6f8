package server

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

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

// TestTelemetryTrust: a site's batch may name only its own paths, its
// strings and lists are bounded, names follow the label rule, and its
// timestamps are clamped to the controller's clock.
func TestTelemetryTrust(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	base := func() *pb.Telemetry {
		return &pb.Telemetry{BootId: []byte("boot"), Sequence: 1, PathSamples: []*pb.PathSample{{
			PathId: "a/inet->b/lte", State: pb.PathState_PATH_STATE_UP, MeasuredAt: timestamppb.New(now)}}}
	}
	for name, tc := range map[string]struct {
		edit func(*pb.Telemetry)
		want string
	}{
		"another site's path": {func(b *pb.Telemetry) { b.PathSamples[0].PathId = "c/inet->b/lte" }, `path_samples[0].path_id: "c/inet->b/lte": site "a" reports only its own paths`},
		"bad name":            {func(b *pb.Telemetry) { b.PathSamples[0].PathId = "a/INET->b/lte" }, "path_samples[0].path_id"},
		"long name":           {func(b *pb.Telemetry) { b.PathSamples[0].PathId = "a/" + strings.Repeat("x", 5000) + "->b/lte" }, "longer than 32"},
		"long reason": {func(b *pb.Telemetry) {
			b.SteeringEvents = []*pb.SteeringEvent{{Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION, Reason: strings.Repeat("r", 2000)}}
		}, "steering_events[0].reason: longer than 1024"},
		"foreign path in a decision": {func(b *pb.Telemetry) {
			b.SteeringEvents = []*pb.SteeringEvent{{Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION, FromPathIds: []string{"x y"}}}
		}, "steering_events[0].from_path_ids"},
		"long application": {func(b *pb.Telemetry) {
			b.FlowSummaries = []*pb.FlowSummary{{PathId: "a/inet->b/lte", Application: strings.Repeat("a", 100)}}
		}, "flow_summaries[0].application"},
		"current flows of another site's path": {func(b *pb.Telemetry) {
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "b/lte->a/inet"}}}
		}, `current_flows.paths[0].path_id: "b/lte->a/inet": site "a" reports only its own paths`},
		"a path's current flows twice": {func(b *pb.Telemetry) {
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte"}, {PathId: "a/inet->b/lte"}}}
		}, "current_flows.paths[1].path_id: \"a/inet->b/lte\" appears twice"},
		"too many current flows": {func(b *pb.Telemetry) {
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 100,
				Flows: make([]*pb.CurrentFlow, maxCurrentFlowsPerPath+1)}}}
		}, "current_flows.paths[0].flows: 21 entries, at most 20"},
		"total below the flows listed": {func(b *pb.Telemetry) {
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 0,
				Flows: []*pb.CurrentFlow{goodFlow()}}}}
		}, "current_flows.paths[0].total_flows: 0, fewer than the 1"},
		"a flow's bad address": {func(b *pb.Telemetry) {
			f := goodFlow()
			f.Dst = strings.Repeat("z", 3000)
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 1, Flows: []*pb.CurrentFlow{f}}}}
		}, "current_flows.paths[0].flows[0].dst: \"zzz"},
		"a flow's long policy": {func(b *pb.Telemetry) {
			f := goodFlow()
			f.Policy = strings.Repeat("p", 65)
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 1, Flows: []*pb.CurrentFlow{f}}}}
		}, "current_flows.paths[0].flows[0].policy: longer than 64"},
		"a flow's port": {func(b *pb.Telemetry) {
			f := goodFlow()
			f.SrcPort = 70000
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 1, Flows: []*pb.CurrentFlow{f}}}}
		}, "current_flows.paths[0].flows[0].src_port, dst_port: 70000"},
		"a flow's server name": {func(b *pb.Telemetry) {
			f := goodFlow()
			f.ServerName = "\xff"
			b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 1, Flows: []*pb.CurrentFlow{f}}}}
		}, "current_flows.paths[0].flows[0].server_name: longer than 253 bytes or not UTF-8"},
		"too many samples": {func(b *pb.Telemetry) {
			s := b.PathSamples[0]
			b.PathSamples = make([]*pb.PathSample, maxTelemetryEntries+1)
			for i := range b.PathSamples {
				b.PathSamples[i] = s
			}
		}, "path_samples: 65537 entries"},
	} {
		b := base()
		tc.edit(b)
		if _, err := telemetryBatch("a", b, now); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	b := base()
	b.CurrentFlows = &pb.CurrentFlows{Paths: []*pb.PathFlows{{PathId: "a/inet->b/lte", TotalFlows: 5, Flows: []*pb.CurrentFlow{goodFlow()}}}}
	if _, err := telemetryBatch("a", b, now); err != nil {
		t.Fatalf("good current flows refused: %v", err)
	}
	b = base()
	b.PathSamples = append(b.PathSamples, proto.Clone(b.PathSamples[0]).(*pb.PathSample))
	b.PathSamples[0].MeasuredAt = timestamppb.New(now.AddDate(80, 0, 0))
	b.PathSamples[1].MeasuredAt = timestamppb.New(now.AddDate(-30, 0, 0))
	got, err := telemetryBatch("a", b, now)
	if err != nil {
		t.Fatal(err)
	}
	if hi, lo := got.Samples[0].TS, got.Samples[1].TS; !hi.Equal(now.Add(maxTelemetryLead)) || !lo.Equal(now.Add(-maxTelemetryAge)) {
		t.Fatalf("clamped to %v and %v, want now+%v and now-%v", hi, lo, maxTelemetryLead, maxTelemetryAge)
	}
}

func goodFlow() *pb.CurrentFlow {
	return &pb.CurrentFlow{Src: "10.1.0.2", Dst: "2001:db8::2", SrcPort: 40000, DstPort: 873, Protocol: 6,
		Application: "rsync", Class: "bulk", Policy: "default", ServerName: "files.example", TxBytes: 1 << 20}
}

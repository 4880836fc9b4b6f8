package agent

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/edge/quality"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"
)

// savedRevision is the revision of the configuration on disk; 0: none.
func savedRevision(t *testing.T, dir string) uint64 {
	t.Helper()
	cfg, err := loadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.GetRevision()
}

// A pushed configuration reaches Apply as the edge's own validated
// configuration, field for field, and is saved (0600) once applied.
func TestConfigPushAppliedAndSaved(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	pushed := siteConfig(5)
	ctl.push(pushed)
	v := e.next(t)

	if v.Name != "branch-1" || v.ID != 7 || len(v.LANPrefixes) != 1 || v.LANPrefixes[0] != netip.MustParsePrefix("10.7.0.0/16") {
		t.Errorf("site: %q %d %v", v.Name, v.ID, v.LANPrefixes)
	}
	if v.Overlay.Interface != config.DefaultOverlayInterface || v.Overlay.MTU != config.DefaultOverlayMTU {
		t.Errorf("overlay defaults: %+v", v.Overlay)
	}
	if len(v.Links) != 2 {
		t.Fatalf("links: %+v", v.Links)
	}
	l := v.Links[0]
	if l.Name != "fibre" || l.LocalAddress != netip.MustParseAddr("192.0.2.7") || l.ListenPort != 51900 || l.Color != "inet" || l.Cost != 10 || l.Bandwidth != 50_000_000 {
		t.Errorf("links[0]: %+v", l)
	}
	if l := v.Links[1]; l.Interface != "wwan0" || l.ListenPort != config.DefaultListenPort+1 || l.Bandwidth != 0 {
		t.Errorf("links[1]: %+v", l)
	}
	if len(v.Peers) != 1 {
		t.Fatalf("peers: %+v", v.Peers)
	}
	p := v.Peers[0]
	if p.Name != "hq" || p.ID != 1 || string(p.PublicKey.Bytes()) != string(peerKey) || !p.Compression ||
		p.Links[0].Endpoint != netip.MustParseAddrPort("198.51.100.1:51820") || p.Prefixes[0] != netip.MustParsePrefix("10.1.0.0/16") {
		t.Errorf("peers[0]: %+v", p)
	}
	if v.Compression {
		t.Error("defaults.compression: unset must be off")
	}
	if v.BFD.DesiredMinTx != 300*time.Millisecond || v.BFD.RequiredMinRx != config.DefaultPathBFDInterval || v.BFD.DetectMult != 5 {
		t.Errorf("bfd: %+v", v.BFD)
	}
	checkSteering(t, &v.Steering)
	// Pins, the second naming a peer link the edge does not have: the
	// data plane reports and ignores it, the configuration stands.
	wantPins := []config.ValidPin{
		{ID: 4, Protocol: 6, Dst: netip.MustParsePrefix("10.1.5.0/24"), DstPort: 443, Path: "branch-1/lte->hq/fibre",
			Expires: time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)},
		{ID: 9, Src: netip.MustParsePrefix("fd10::/64"), Path: "branch-1/fibre->hq/mpls"},
	}
	if !slices.EqualFunc(v.Pins, wantPins, func(a, b config.ValidPin) bool { return a == b }) {
		t.Errorf("pins: %+v, want %+v", v.Pins, wantPins)
	}
	if v.PrivateKey == nil || string(v.PrivateKey.PublicKey().Bytes()) != string(a.WireGuardPublicKey()) {
		t.Error("the private key is not the state directory's wireguard.key")
	}

	eventually(t, "revision 5 in force", func() bool { return a.Revision() == 5 })
	saved, err := loadConfig(dir)
	if err != nil || !proto.Equal(saved, pushed) {
		t.Fatalf("saved configuration: %v\n%v", err, saved)
	}
	if st, err := os.Stat(filepath.Join(dir, ConfigFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", ConfigFile, err, st.Mode())
	}
}

// Without its controller, a restarted edge comes up with the last
// configuration it applied, and tells the returning controller which
// revision it runs, so that an unchanged configuration is not resent.
func TestRestartWithoutControllerUsesSavedConfig(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	stop := run(t, newAgent(t, e.options(ctl, dir, "")))
	ctl.push(siteConfig(5))
	e.next(t)
	eventually(t, "revision 5 saved", func() bool { return savedRevision(t, dir) == 5 })
	stop()
	ctl.stop()

	e2 := newEdge()
	a2 := newAgent(t, e2.options(ctl, dir, ""))
	run(t, a2)
	v := e2.next(t)
	if v.Name != "branch-1" || len(v.Peers) != 1 {
		t.Fatalf("restart applied %+v", v)
	}
	eventually(t, "revision 5 in force", func() bool { return a2.Revision() == 5 })
	if n := len(ctl.watchCalls()); n != 1 {
		t.Fatalf("%d WatchConfig calls while the controller was down; want only the first agent's", n)
	}

	ctl.start()
	eventually(t, "WatchConfig with last_revision 5", func() bool {
		calls := ctl.watchCalls()
		return len(calls) == 2 && calls[1].lastRevision == 5
	})
	// The controller has nothing newer, so it sends nothing: the next
	// configuration applied is the next revision.
	next := siteConfig(6)
	next.LanPrefixes = []string{"10.8.0.0/16"}
	ctl.push(next)
	if v := e2.next(t); v.LANPrefixes[0] != netip.MustParsePrefix("10.8.0.0/16") {
		t.Fatalf("applied %v after the reconnection, want revision 6", v.LANPrefixes)
	}
	eventually(t, "revision 6 in force and saved", func() bool { return a2.Revision() == 6 && savedRevision(t, dir) == 6 })
}

// The agent reconnects to a restarted controller by itself, sends the
// revision it runs, and applies what changed meanwhile.
func TestReconnectAfterControllerRestart(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	ctl.push(siteConfig(5))
	e.next(t)
	eventually(t, "revision 5 in force", func() bool { return a.Revision() == 5 })

	ctl.stop()
	eventually(t, "the watch to fail", func() bool { return strings.Contains(e.logs.String(), "config watch interrupted") })
	next := siteConfig(6)
	next.LanPrefixes = append(next.LanPrefixes, "10.77.0.0/16")
	ctl.push(next)
	ctl.start()

	v := e.next(t)
	if len(v.LANPrefixes) != 2 {
		t.Fatalf("after the restart: %v", v.LANPrefixes)
	}
	eventually(t, "revision 6 saved", func() bool { return savedRevision(t, dir) == 6 })
	calls := ctl.watchCalls()
	if last := calls[len(calls)-1]; last.lastRevision != 5 {
		t.Fatalf("reconnected with last_revision %d, want 5", last.lastRevision)
	}
}

// An invalid configuration is refused with the field path of every
// problem, and the edge keeps, saves and reports the last good one; so
// does a configuration for another site, and one the edge's Apply
// refuses.
func TestInvalidConfigRefused(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	e.refuse = func(v *config.Valid) error {
		if len(v.LANPrefixes) > 1 {
			return errors.New("the data plane refuses it")
		}
		return nil
	}
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	ctl.push(siteConfig(5))
	e.next(t)
	eventually(t, "revision 5 in force", func() bool { return a.Revision() == 5 })

	bad := siteConfig(6)
	bad.Links[0].ListenPort = 70000
	bad.Peers[0].PublicKey = bad.Peers[0].PublicKey[:5]
	bad.Pins[0].Match.Protocol = 17
	bad.Pins[0].Match.SourcePrefix = "10.7.0.1/16"
	bad.Pins[1].PathId = "hq/fibre->branch-1/fibre"
	ctl.push(bad)
	eventually(t, "revision 6 refused", func() bool {
		logs := e.logs.String()
		return strings.Contains(logs, `"revision":6,"source":"controller","field":"links[0].listen_port"`) &&
			strings.Contains(logs, `"revision":6,"source":"controller","field":"peers[0].public_key"`) &&
			strings.Contains(logs, `"revision":6,"source":"controller","field":"pins[0].source_prefix"`) &&
			strings.Contains(logs, `"revision":6,"source":"controller","field":"pins[1].path_id"`)
	})
	other := siteConfig(7)
	other.Site.Id = 8
	ctl.push(other)
	eventually(t, "revision 7 refused", func() bool {
		return strings.Contains(e.logs.String(), `"revision":7,"source":"controller","field":"site"`)
	})
	refused := siteConfig(8)
	refused.LanPrefixes = append(refused.LanPrefixes, "10.77.0.0/16")
	ctl.push(refused)
	eventually(t, "revision 8 refused by Apply", func() bool {
		return strings.Contains(e.logs.String(), `"revision":8,"source":"controller","err":"the data plane refuses it"`)
	})
	if a.Revision() != 5 || savedRevision(t, dir) != 5 || len(e.applied) != 0 {
		t.Fatalf("after refusals: revision %d, saved %d, %d applied", a.Revision(), savedRevision(t, dir), len(e.applied))
	}

	// Still connected, the edge takes the next good one.
	ctl.push(siteConfig(9))
	e.next(t)
	eventually(t, "revision 9 saved", func() bool { return savedRevision(t, dir) == 9 && a.Revision() == 9 })
}

// TestEdgeSettingsConverted: the edge settings the controller pushes
// (defaults: compression, bfd, bfd_by_color; bfd_adaptive; overlay.mtu)
// become the edge's configuration, and bad ones are refused at the file's
// field paths.
func TestEdgeSettingsConverted(t *testing.T) {
	pc := siteConfig(3)
	on, off := true, false
	pc.Overlay = &pb.Overlay{Mtu: 1380}
	pc.Defaults.Compression = &on
	pc.Defaults.BfdByColor = map[string]*pb.BfdTimers{"lte": {TxInterval: durationpb.New(time.Second), RxInterval: durationpb.New(time.Second), Multiplier: 4}}
	pc.BfdAdaptive = &pb.BfdAdaptive{Enabled: &off, IdleRxInterval: durationpb.New(2 * time.Second)}
	v, err := toConfig(pc, writeKey(t)).Validate()
	if err != nil {
		t.Fatal(err)
	}
	if v.Overlay.MTU != 1380 || !v.Compression || v.Adaptive.On || v.PathBFD("lte").DesiredMinTx != time.Second ||
		v.PathBFD("lte").DetectMult != 4 || v.PathBFD("inet").DesiredMinTx != 300*time.Millisecond {
		t.Errorf("converted: mtu %d, compression %v, adaptive %+v, lte %+v, inet %+v", v.Overlay.MTU, v.Compression, v.Adaptive,
			v.PathBFD("lte"), v.PathBFD("inet"))
	}
	pc.Overlay.Mtu = 100
	pc.Defaults.BfdByColor["lte"].Multiplier = 300
	pc.BfdAdaptive.RealtimeInterval = durationpb.New(-time.Second)
	_, err = toConfig(pc, writeKey(t)).Validate()
	for _, field := range []string{"overlay.mtu", "defaults.bfd_by_color.lte.multiplier", "defaults.bfd_adaptive.realtime_interval"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("refusal %v does not name %s", err, field)
		}
	}
}

// checkSteering checks the steering sections of siteConfig.
func checkSteering(t *testing.T, s *policy.Compiled) {
	t.Helper()
	i := slices.IndexFunc(s.Classes, func(k quality.SLAClass) bool { return k.Name == "gold" })
	if i < 0 || s.Classes[i].MaxLatency != 150*time.Millisecond || s.Classes[i].MaxLossPct != 1 {
		t.Errorf("sla_classes: %+v", s.Classes)
	}
	i = slices.IndexFunc(s.Rules.Apps(), func(a *classify.App) bool { return a.Name == "erp" })
	if i < 0 || s.Rules.Apps()[i].Class != "gold" {
		t.Fatalf("applications: erp missing")
	}
	erp := s.Rules.Apps()[i]
	p := s.Policies[s.PolicyOfApp(erp)]
	if p.Name != "erp-dup" || p.SLA != "gold" || p.Mode != steer.Duplicate || !slices.Equal(p.Colors, []string{"inet"}) || !s.NoCompress[s.PolicyOfApp(erp)] {
		t.Errorf("policies: erp gets %+v", p)
	}
	if s.Timers.Damping != 2*time.Second || s.Timers.Margin != 7 {
		t.Errorf("steering: %+v", s.Timers)
	}
	if s.Model.DegradedBelow != 70 || s.Model.RecoverAt != 85 {
		t.Errorf("quality_model: %+v", s.Model)
	}
}

// Every field of EdgeConfig is either converted (sections) or, for
// revision, created_at, role, trace_parent, key_rotation and
// controller_time (read with each peer link's punch_at, convertPeers), the
// agent's or the controller's own. A
// field added to the API fails this test until it has a converter.
func TestEveryEdgeConfigFieldHasAConverter(t *testing.T) {
	known := []string{"revision", "created_at", "site", "role", "lan_prefixes", "overlay", "links", "peers", "defaults",
		"sla_classes", "applications", "disable_builtin_applications", "policies", "steering", "quality_model", "pins", "trace_parent", "bgp", "relay", "nat_traversal", "key_rotation", "controller_time", "bfd_adaptive"}
	fields := (&pb.EdgeConfig{}).ProtoReflect().Descriptor().Fields()
	var got []string
	for i := range fields.Len() {
		got = append(got, string(fields.Get(i).Name()))
	}
	if !slices.Equal(got, known) {
		t.Fatalf("EdgeConfig fields %v; the converters know %v: add a converter to sections in convert.go", got, known)
	}
	// disable_builtin_applications, which siteConfig leaves false.
	c := toConfig(&pb.EdgeConfig{DisableBuiltinApplications: true}, "")
	if !c.DisableBuiltinApplications {
		t.Fatal("disable_builtin_applications not converted")
	}
}

// An older revision than the one in force is applied, with a warning;
// a configuration equal to the one in force is not applied again.
func TestOlderRevisionAppliedEqualSkipped(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	ctl.push(siteConfig(6))
	e.next(t)
	eventually(t, "revision 6 in force", func() bool { return a.Revision() == 6 })
	older := siteConfig(4)
	older.LanPrefixes = []string{"10.4.0.0/16"}
	ctl.push(older)
	if v := e.next(t); v.LANPrefixes[0] != netip.MustParsePrefix("10.4.0.0/16") {
		t.Fatalf("applied %v, want revision 4's", v.LANPrefixes)
	}
	eventually(t, "revision 4 in force and saved", func() bool { return a.Revision() == 4 && savedRevision(t, dir) == 4 })
	if !strings.Contains(e.logs.String(), `"revision":4,"in_force":6`) {
		t.Fatalf("no warning:\n%s", e.logs)
	}
	a.offer(proto.Clone(older).(*pb.EdgeConfig))
	if len(e.applied) != 0 || !strings.Contains(e.logs.String(), `"msg":"configuration unchanged","site":"branch-1","revision":4`) {
		t.Fatalf("an equal configuration was applied again (%d)", len(e.applied))
	}
}

// A site the controller refuses on the stream (revoked) keeps its
// configuration, logs why, and keeps trying.
func TestRefusedWatchKeepsConfig(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	ctl.push(siteConfig(5))
	e.next(t)
	eventually(t, "revision 5 in force", func() bool { return a.Revision() == 5 })
	ctl.mu.Lock()
	ctl.denyWatch = true
	ctl.mu.Unlock()
	ctl.stop()
	ctl.start()
	eventually(t, "two refusals logged", func() bool {
		return strings.Count(e.logs.String(), "the controller refuses this edge (revoked?)") >= 2
	})
	if a.Revision() != 5 || savedRevision(t, dir) != 5 {
		t.Fatalf("revision %d, saved %d", a.Revision(), savedRevision(t, dir))
	}
}

// When the controller it was given cannot be reached, the agent tries
// the other endpoints enrolment returned (controller replicas), skipping
// a malformed one, and gets its configuration from a replica.
func TestFailoverToControllerReplica(t *testing.T) {
	ctl := newTestController(t)
	second := ctl.replica()
	ctl.mu.Lock()
	ctl.endpoints = []string{ctl.addr, "no port here", second}
	ctl.mu.Unlock()
	dir := filepath.Join(tempDir(t), "state")
	newAgent(t, newEdge().options(ctl, dir, ctl.newToken("branch-1", nil)))

	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	ctl.push(siteConfig(5))
	e.next(t)
	eventually(t, "revision 5 in force", func() bool { return a.Revision() == 5 })
	ctl.stopAt(ctl.addr)
	ctl.push(siteConfig(6))
	e.next(t)
	eventually(t, "revision 6 in force", func() bool { return a.Revision() == 6 })
	calls := ctl.watchCalls()
	if last := calls[len(calls)-1]; last.lastRevision != 5 {
		t.Fatalf("the replica got last_revision %d, want 5", last.lastRevision)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"msg":"controller address skipped","site":"branch-1","controller":"no port here"`) {
		t.Fatalf("the malformed endpoint is not logged:\n%s", logs)
	}
}

// A peer the controller lists before it has links or prefixes (a site
// enrolled, not yet given them) is left out, and the rest of the
// configuration is applied: it does not hold every other change back.
func TestPeerNotReadyLeftOut(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	pushed := siteConfig(5)
	pushed.Peers = append(pushed.Peers,
		&pb.Peer{Site: &pb.Site{Name: "new-site", Id: 9}, PublicKey: pushed.Peers[0].PublicKey},
		&pb.Peer{Site: &pb.Site{Name: "no-prefix", Id: 10}, PublicKey: pushed.Peers[0].PublicKey,
			Links: []*pb.PeerLink{{Name: "inet", Endpoint: "198.51.100.9:51820", Color: "inet"}}})
	ctl.push(pushed)
	v := e.next(t)
	if len(v.Peers) != 1 || v.Peers[0].Name != "hq" {
		t.Errorf("peers: %+v", v.Peers)
	}
}

// TestPeerLinksBehindNAT: a peer link known only by its observed
// endpoint gets paths to that endpoint, marked observed with its NAT
// kind; one with no endpoint at all is left out (no path until its edge
// reports one); the STUN responder comes through.
func TestPeerLinksBehindNAT(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	a := newAgent(t, e.options(ctl, dir, ""))
	run(t, a)
	pushed := siteConfig(5)
	pushed.NatTraversal = &pb.NatTraversal{StunServer: "192.0.2.10:3478", RefreshSeconds: 5}
	cone := &pb.NatKind{Mapping: pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT, Filtering: pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT}
	pushed.Peers[0].Links = append(pushed.Peers[0].Links,
		&pb.PeerLink{Name: "lte", ObservedEndpoint: "203.0.113.7:40001", Color: "lte", Nat: cone},
		&pb.PeerLink{Name: "dsl", Color: "inet"})
	ctl.push(pushed)
	v := e.next(t)
	links := v.Peers[0].Links
	if len(links) != 2 || links[1].Name != "lte" || !links[1].Observed || links[1].Endpoint.String() != "203.0.113.7:40001" ||
		links[1].NAT != (natdisc.NATKind{Mapping: natdisc.EndpointIndependent, Filtering: natdisc.AddressAndPortDependent}) || links[0].Observed {
		t.Errorf("peer links: %+v", links)
	}
	if v.NAT.STUNServer.String() != "192.0.2.10:3478" || v.NAT.Refresh != 5*time.Second {
		t.Errorf("nat: %+v", v.NAT)
	}
}

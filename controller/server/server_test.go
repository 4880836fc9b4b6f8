package server_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/syncbuf"
)

// TestEnrolWatchPush: two edges enrol with pki join tokens over the
// pinned handshake, each receives its whole configuration with the other
// as a peer, and a link added through Admin reaches the watching edge
// within 1 s.
func TestEnrolWatchPush(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a := c.enrol("corp", "a")
	wa := a.watch(t, 0)
	first := wa.next(pushWithin, "site a", func(cfg *pb.EdgeConfig) bool { return cfg.Site.GetName() == "a" })
	if first.Role != pb.TopologyRole_TOPOLOGY_ROLE_MESH || len(first.Peers) != 0 || first.Site.Id != a.id {
		t.Fatalf("first config %v", first)
	}
	b := c.enrol("corp", "b")
	wa.next(pushWithin, "peer b", hasPeer("b"))
	wb := b.watch(t, 0)
	wb.next(pushWithin, "peer a", hasPeer("a"))

	startAt := time.Now()
	_, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "b", Name: "inet", Color: "inet", Cost: 1, BandwidthBps: 100_000_000, Endpoint: "198.51.100.7:51820",
		Interface: "eth1", LocalAddress: "10.9.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	got := wa.next(pushWithin, "b's link", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && len(p.Links) == 1 && p.Links[0].Endpoint == "198.51.100.7:51820"
	})
	t.Logf("link pushed to the watching edge in %v", time.Since(startAt))
	if p := peer(got, "b"); len(p.PublicKey) != 32 || p.Site.Id != b.id {
		t.Fatalf("peer b %v", p)
	}
	// b's own config has the link with its port.
	wb.next(pushWithin, "own link", func(cfg *pb.EdgeConfig) bool {
		return len(cfg.Links) == 1 && cfg.Links[0].ListenPort == 51820 && cfg.Links[0].BandwidthBps == 100_000_000 &&
			cfg.Links[0].Interface == "eth1" && cfg.Links[0].LocalAddress == "10.9.0.2"
	})

	// A reconnecting edge that runs the current revision gets nothing
	// until the next change.
	w2 := a.watch(t, got.Revision)
	select {
	case cfg := <-w2.configs:
		t.Fatalf("sent revision %d again to an edge running it", cfg.Revision)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "b", Prefix: "10.2.0.0/16"}}); err != nil {
		t.Fatal(err)
	}
	w2.next(pushWithin, "b's prefix", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && len(p.Prefixes) == 1 && p.Prefixes[0] == "10.2.0.0/16"
	})
}

// TestEnrolRefused: a used, expired, revoked, malformed, foreign or
// mismatched token is refused with an error saying which, and a refused
// enrolment does not consume the token.
func TestEnrolRefused(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)

	tok := c.token("corp", "a", time.Hour)
	if _, err := c.tryEnrol(tok, "a"); err != nil {
		t.Fatal(err)
	}
	_, err := c.tryEnrol(tok, "a")
	wantCode(t, err, codes.PermissionDenied, "already used")

	exp := c.token("corp", "b", time.Minute)
	c.clock.Advance(2 * time.Minute)
	_, err = c.tryEnrol(exp, "b")
	wantCode(t, err, codes.PermissionDenied, "expired")

	rvk := c.token("corp", "c", time.Hour)
	id, err := pki.TokenID(rvk)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.admin.RevokeJoinToken(ctxT(t), &pb.RevokeJoinTokenRequest{Network: "corp", Id: id})
	if err != nil || info.RevokedAt == nil || info.Id != id {
		t.Fatalf("revoke token: %v %v", info, err)
	}
	_, err = c.tryEnrol(rvk, "c")
	wantCode(t, err, codes.PermissionDenied, "revoked")

	// For another site than the token's: refused, and the token stays good.
	d := c.token("corp", "d", time.Hour)
	_, err = c.tryEnrol(d, "x")
	wantCode(t, err, codes.PermissionDenied, `bound to site "d"`)
	if _, err := c.tryEnrol(d, ""); err != nil {
		t.Fatalf("token refused after a mismatched try: %v", err)
	}

	// Malformed: one character changed. The edge's own check refuses it
	// before dialling; the server refuses it too.
	bad := c.token("corp", "e", time.Hour)
	sub := "A" // another character of the alphabet
	if bad[10] == 'A' {
		sub = "B"
	}
	bad = bad[:10] + sub + bad[11:]
	conf := &tls.Config{RootCAs: c.ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS13}
	enr := pb.NewEnrollmentClient(c.dial(conf))
	_, err = enr.Enroll(ctxT(t), enrolRequest(t, bad, "e"))
	wantCode(t, err, codes.InvalidArgument, "checksum")
	if strings.Contains(err.Error(), bad[4:20]) {
		t.Fatal("the error contains the token")
	}
	// A well-formed token of another controller.
	other := newCA(t)
	foreign, _, err := pki.NewToken("e", other.Certificate(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, err = enr.Enroll(ctxT(t), enrolRequest(t, foreign, "e"))
	wantCode(t, err, codes.PermissionDenied, "another controller")
	// A bad CSR does not consume the token.
	good := c.token("corp", "f", time.Hour)
	req := enrolRequest(t, good, "f")
	req.CsrDer = req.CsrDer[:len(req.CsrDer)-3]
	_, err = enr.Enroll(ctxT(t), req)
	wantCode(t, err, codes.InvalidArgument, "csr_der")
	req = enrolRequest(t, good, "f")
	req.WireguardPublicKey = req.WireguardPublicKey[:31]
	_, err = enr.Enroll(ctxT(t), req)
	wantCode(t, err, codes.InvalidArgument, "wireguard_public_key")
	if _, err := enr.Enroll(ctxT(t), enrolRequest(t, good, "f")); err != nil {
		t.Fatalf("token refused after bad requests: %v", err)
	}
	// Names an edge would refuse are refused before a token exists.
	_, err = c.admin.CreateJoinToken(ctxT(t), &pb.CreateJoinTokenRequest{Network: "corp", SiteName: "branch 1"})
	wantCode(t, err, codes.InvalidArgument, `site_name: "branch 1"`)
	_, err = c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: "a", Name: "inet", Color: "Fibre"}})
	wantCode(t, err, codes.InvalidArgument, `link.color: "Fibre"`)
	// The events record the enrolments.
	evs, err := c.admin.ListEvents(ctxT(t), &pb.ListEventsRequest{Network: "corp"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs.Events {
		if e.Kind == "enrolled" {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d enrolled events, want 3 (a, d, f): %v", n, evs.Events)
	}
}

// TestCertificatesRefused: a client certificate of another CA (same
// identity) is refused in the handshake; an edge certificate cannot call
// Admin, an operator's cannot call EdgeControl, and no certificate
// reaches neither.
func TestCertificatesRefused(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	e := c.enrol("corp", "a")

	forger := newCA(t)
	forged, err := forger.IssueAdmin("alice", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	conf := forged.ClientTLSConfig("localhost")
	conf.RootCAs = c.ca.Pool() // it trusts the real server; its own certificate is forged
	_, err = pb.NewAdminClient(c.dial(conf)).ListSites(ctxT(t), &pb.ListSitesRequest{Network: "corp"})
	wantCode(t, err, codes.Unavailable, "")

	// A forged edge certificate with the real site's identity.
	key, _ := pki.NewEdgeKey()
	csr, _ := pki.CreateCSR(key)
	fcert, err := forger.SignEdge(csr, "a", int64(e.id), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fconf := &tls.Config{RootCAs: c.ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS13,
		Certificates: []tls.Certificate{{Certificate: [][]byte{fcert.Raw, forger.Certificate().Raw}, PrivateKey: key, Leaf: fcert}}}
	stream, err := pb.NewEdgeControlClient(c.dial(fconf)).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.Unavailable, "")

	_, err = pb.NewAdminClient(c.dial(e.creds.ClientTLSConfig("localhost"))).ListSites(ctxT(t), &pb.ListSitesRequest{Network: "corp"})
	wantCode(t, err, codes.PermissionDenied, "site certificates are not accepted")

	admin, _ := c.ca.IssueAdmin("bob", time.Hour)
	stream, err = pb.NewEdgeControlClient(c.dial(admin.ClientTLSConfig("localhost"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.PermissionDenied, "admin certificates are not accepted")

	anon := &tls.Config{RootCAs: c.ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS13}
	_, err = pb.NewAdminClient(c.dial(anon)).ListSites(ctxT(t), &pb.ListSitesRequest{Network: "corp"})
	wantCode(t, err, codes.Unauthenticated, "client certificate")
}

// TestRevokedSiteCut: revoking a site ends its open config and telemetry
// streams, refuses its new handshakes, and pushes its peers a
// configuration without it within 1 s.
func TestRevokedSiteCut(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	wa := a.watch(t, 0)
	wa.next(pushWithin, "peer b", hasPeer("b"))
	wb := b.watch(t, 0)
	wb.next(pushWithin, "peer a", hasPeer("a"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := b.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Send(&pb.Telemetry{BootId: []byte("boot-b"), Sequence: 1}); err != nil {
		t.Fatal(err)
	}
	if ack, err := report.Recv(); err != nil || ack.AckedSequence != 1 {
		t.Fatalf("ack %v %v", ack, err)
	}

	startAt := time.Now()
	if _, err := c.admin.RevokeSite(ctxT(t), &pb.RevokeSiteRequest{Network: "corp", SiteName: "b", Reason: "stolen"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wb.ended(pushWithin), codes.PermissionDenied, "revoked")
	wa.next(pushWithin, "no peer b", func(cfg *pb.EdgeConfig) bool { return peer(cfg, "b") == nil })
	t.Logf("revocation reached both edges in %v", time.Since(startAt))
	recvDone := make(chan error, 1)
	go func() {
		_, err := report.Recv()
		recvDone <- err
	}()
	select {
	case err := <-recvDone:
		wantCode(t, err, codes.PermissionDenied, "revoked")
	case <-time.After(pushWithin):
		t.Fatal("the revoked site's telemetry stream is still open")
	}
	// A new connection with b's certificate is refused in the handshake.
	fresh := pb.NewEdgeControlClient(c.dial(b.creds.ClientTLSConfig("localhost")))
	s2, err := fresh.WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = s2.Recv()
	}
	wantCode(t, err, codes.Unavailable, "")
	info, err := c.admin.GetSite(ctxT(t), &pb.GetSiteRequest{Network: "corp", SiteName: "b"})
	if err != nil || info.State != pb.SiteState_SITE_STATE_REVOKED {
		t.Fatalf("site b after revocation: %v %v", info, err)
	}
}

// TestReportAcksOnce: each batch is acked after it is stored; a batch sent
// again (lost ack) is acked and not stored twice; a bad batch names its
// field.
// TestReportManyStreams: batches of many sites' streams, sent without
// waiting for acks, are each acknowledged in order and stored once
// (group commit stores several streams' batches per transaction).
func TestReportManyStreams(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	const sites, batches = 8, 25
	edges := make([]*edge, sites)
	for i := range edges {
		edges[i] = c.enrol("corp", fmt.Sprintf("s%d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, sites)
	for i, e := range edges {
		go func() {
			errs <- func() error {
				r, err := e.ctl.Report(ctx)
				if err != nil {
					return err
				}
				for seq := uint64(1); seq <= batches; seq++ {
					path := fmt.Sprintf("s%d/inet->hq/inet", i)
					if err := r.Send(&pb.Telemetry{BootId: []byte("boot"), Sequence: seq, PathSamples: []*pb.PathSample{{PathId: path,
						MeasuredAt: timestamppb.Now(), State: pb.PathState_PATH_STATE_UP}}}); err != nil {
						return err
					}
				}
				for seq := uint64(1); seq <= batches; seq++ {
					ack, err := r.Recv()
					if err != nil {
						return err
					}
					if ack.AckedSequence != seq {
						return fmt.Errorf("site %d: ack %d, want %d", i, ack.AckedSequence, seq)
					}
				}
				return r.CloseSend()
			}()
		}()
	}
	for range sites {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range sites {
		path := fmt.Sprintf("hq/inet~s%d/inet", i)
		ps, err := c.st.PathMetrics(ctxT(t), "corp", path, store.Raw, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil || len(ps) != batches {
			t.Fatalf("%s: %d samples (%v), want %d", path, len(ps), err, batches)
		}
	}
}

func TestReportAcksOnce(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a := c.enrol("corp", "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batch := &pb.Telemetry{BootId: []byte("0123456789abcdef"), Sequence: 1,
		PathSamples:    []*pb.PathSample{{PathId: "a/inet->b/inet", MeasuredAt: timestamppb.Now(), State: pb.PathState_PATH_STATE_UP, LatencyMs: 12.5, MetricsValid: true}},
		SteeringEvents: []*pb.SteeringEvent{{At: timestamppb.Now(), PathId: "a/inet->b/inet", Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE, Reason: "bfd up"}},
		FlowSummaries:  []*pb.FlowSummary{{WindowStart: timestamppb.Now(), Application: "web", PathId: "a/inet->b/inet", Flows: 3, TxBytes: 100}},
		PathCounters: []*pb.PathCounters{{PathId: "a/inet->b/inet", CountersSince: timestamppb.Now(), TxBytes: 1000, RxBytes: 2000,
			CompressOfferedPackets: 10, CompressedPackets: 7, CompressInBytes: 5000, CompressOutBytes: 3000}},
	}
	for round := range 2 {
		r, err := a.ctl.Report(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Send(batch); err != nil {
			t.Fatal(err)
		}
		ack, err := r.Recv()
		if err != nil || ack.AckedSequence != 1 || string(ack.BootId) != "0123456789abcdef" {
			t.Fatalf("round %d: ack %v %v", round, ack, err)
		}
		r.CloseSend()
		if _, err := r.Recv(); err != io.EOF {
			t.Fatalf("after CloseSend: %v, want EOF", err)
		}
	}
	evs, err := c.st.Events(ctxT(t), "corp", store.EventQuery{Site: "a"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == "path_state" {
			n++
		}
	}
	if n != 1 || evs[0].Path != "a/inet~b/inet" {
		t.Fatalf("%d path_state events after sending the batch twice, want 1 on path a/inet~b/inet: %+v", n, evs)
	}
	flows, err := c.st.Flows(ctxT(t), "corp", store.FlowQuery{Site: "a"})
	if err != nil || len(flows) != 1 || flows[0].Path != "a/inet~b/inet" {
		t.Fatalf("flows %+v %v", flows, err)
	}
	cs, err := c.st.PathCounters(ctxT(t), "corp", store.CounterQuery{Site: "a"})
	if err != nil || len(cs) != 1 || cs[0].Path != "a/inet~b/inet" || cs[0].TxBytes != 1000 || cs[0].CompressInBytes-cs[0].CompressOutBytes != 2000 {
		t.Fatalf("path counters %+v %v", cs, err)
	}
	if st, _ := c.st.Site(ctxT(t), "corp", "a"); st.LastSeen.IsZero() {
		t.Fatal("last seen not recorded")
	}
	r, err := a.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.Send(&pb.Telemetry{BootId: []byte("x"), Sequence: 2, PathSamples: []*pb.PathSample{{PathId: "a/inet->b/inet", MeasuredAt: timestamppb.Now()}}})
	_, err = r.Recv()
	wantCode(t, err, codes.InvalidArgument, "path_samples[0].state")
	r, err = a.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.Send(&pb.Telemetry{BootId: []byte("x"), Sequence: 3, PathSamples: []*pb.PathSample{{PathId: "a/inet~b/inet", State: pb.PathState_PATH_STATE_UP}}})
	_, err = r.Recv()
	wantCode(t, err, codes.InvalidArgument, `path_samples[0].path_id: "a/inet~b/inet" is not SITE/LINK->SITE/LINK`)
}

// TestPolicies: SetPolicies validates with the edge's rules (errors name
// the field), refuses a stale expected revision, and the set reaches the
// watching edges within 1 s.
func TestPolicies(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a := c.enrol("corp", "a")
	w := a.watch(t, 0)
	w.next(pushWithin, "first", func(*pb.EdgeConfig) bool { return true })

	comp := false
	set := &pb.PolicySet{
		SlaClasses:   []*pb.SlaClass{{Name: "gold", MaxLatency: durationpb.New(50 * time.Millisecond), MaxLossPct: 1}},
		Applications: []*pb.Application{{Name: "erp", Class: "gold", Match: &pb.MatchRule{Cidrs: []string{"192.0.2.0/24"}, Ports: []string{"443"}, Protocols: []string{"tcp"}}}},
		Policies: []*pb.Policy{{Name: "erp-dup", Match: &pb.PolicyMatch{Applications: []string{"erp"}}, SlaClass: "gold",
			Colors: []string{"mpls"}, Mode: pb.SteeringMode_STEERING_MODE_DUPLICATE, Compression: &comp}},
		QualityModel: &pb.QualityModel{DegradedBelowScore: 60, RecoverAtScore: 70},
	}
	for _, tc := range []struct {
		mutate func(*pb.PolicySet)
		field  string
	}{
		{func(p *pb.PolicySet) { p.Policies[0].SlaClass = "platinum" }, `policies[0].sla_class: no SLA class "platinum"`},
		{func(p *pb.PolicySet) { p.Policies[0].Match.Applications = []string{"nope"} }, "policies[0].match.applications[0]"},
		{func(p *pb.PolicySet) { p.Applications[0].Match.Ports = []string{"99999"} }, "applications[0].match.ports[0]"},
		{func(p *pb.PolicySet) { p.SlaClasses[0].MaxLossPct = 101 }, "sla_classes[0].max_loss_pct"},
		{func(p *pb.PolicySet) { p.Applications[0].Class = "tin" }, "applications[0].class"},
		{func(p *pb.PolicySet) { p.Policies[0].Colors = []string{"Bad Colour"} }, "policies[0].colors[0]"},
		{func(p *pb.PolicySet) { p.QualityModel.RecoverAtScore = 101 }, "quality_model.recover_at_score"},
		{func(p *pb.PolicySet) { p.Steering = &pb.SteeringTimers{FlowIdle: durationpb.New(time.Millisecond)} }, "steering.flow_idle"},
	} {
		bad := protoClone(set)
		tc.mutate(bad)
		_, err := c.admin.SetPolicies(ctxT(t), &pb.SetPoliciesRequest{Network: "corp", Policies: bad})
		wantCode(t, err, codes.InvalidArgument, tc.field)
	}
	got, err := c.admin.GetPolicies(ctxT(t), &pb.GetPoliciesRequest{Network: "corp"})
	if err != nil {
		t.Fatal(err)
	}
	startAt := time.Now()
	put, err := c.admin.SetPolicies(ctxT(t), &pb.SetPoliciesRequest{Network: "corp", Policies: set, ExpectedRevision: got.Revision})
	if err != nil {
		t.Fatal(err)
	}
	cfg := w.next(pushWithin, "policy erp-dup", func(cfg *pb.EdgeConfig) bool {
		return len(cfg.Policies) == 1 && cfg.Policies[0].Name == "erp-dup"
	})
	t.Logf("policy pushed in %v", time.Since(startAt))
	p := cfg.Policies[0]
	if p.Mode != pb.SteeringMode_STEERING_MODE_DUPLICATE || p.Compression == nil || *p.Compression || p.Match.Applications[0] != "erp" ||
		len(cfg.SlaClasses) != 1 || len(cfg.Applications) != 1 || cfg.Revision != put.Revision ||
		cfg.QualityModel.GetDegradedBelowScore() != 60 || cfg.QualityModel.GetRecoverAtScore() != 70 {
		t.Fatalf("pushed %v", cfg)
	}
	_, err = c.admin.SetPolicies(ctxT(t), &pb.SetPoliciesRequest{Network: "corp", Policies: set, ExpectedRevision: got.Revision})
	wantCode(t, err, codes.Aborted, "expected_revision")
	back, err := c.admin.GetPolicies(ctxT(t), &pb.GetPoliciesRequest{Network: "corp"})
	if err != nil || back.Revision != put.Revision || len(back.Policies) != 1 || back.QualityModel.GetDegradedBelowScore() != 60 {
		t.Fatalf("get after set: %v %v", back, err)
	}
}

// TestHubAndSpoke: a spoke's peers are the hubs, the first hub carrying
// the other spokes' prefixes; a hub has every site.
func TestHubAndSpoke(t *testing.T) {
	c := startSQLite(t, func(cfg *server.Config) {
		cfg.Hub = func(network, site string) bool { return site == "hq" }
	})
	c.network("corp", store.HubAndSpoke)
	hq, s1, s2 := c.enrol("corp", "hq"), c.enrol("corp", "s1"), c.enrol("corp", "s2")
	for site, p := range map[string]string{"hq": "10.0.0.0/16", "s1": "10.1.0.0/16", "s2": "10.2.0.0/16"} {
		if _, err := c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: site, Prefix: p}}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := s1.watch(t, 0).next(pushWithin, "hub with spoke prefixes", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "hq")
		return p != nil && len(p.Prefixes) == 2
	})
	if cfg.Role != pb.TopologyRole_TOPOLOGY_ROLE_SPOKE || len(cfg.Peers) != 1 || cfg.Peers[0].Prefixes[0] != "10.0.0.0/16" || cfg.Peers[0].Prefixes[1] != "10.2.0.0/16" {
		t.Fatalf("spoke s1's config %v", cfg)
	}
	hcfg := hq.watch(t, 0).next(pushWithin, "both spokes", func(cfg *pb.EdgeConfig) bool { return len(cfg.Peers) == 2 })
	if hcfg.Role != pb.TopologyRole_TOPOLOGY_ROLE_HUB || len(hcfg.LanPrefixes) != 1 {
		t.Fatalf("hub config %v", hcfg)
	}
	_ = s2
	sites, err := c.admin.ListSites(ctxT(t), &pb.ListSitesRequest{Network: "corp", PageSize: 2})
	if err != nil || len(sites.Sites) != 2 || sites.NextPageToken == "" || sites.Sites[0].Role != pb.TopologyRole_TOPOLOGY_ROLE_HUB {
		t.Fatalf("page 1: %v %v", sites, err)
	}
	more, err := c.admin.ListSites(ctxT(t), &pb.ListSitesRequest{Network: "corp", PageSize: 2, PageToken: sites.NextPageToken})
	if err != nil || len(more.Sites) != 1 || more.Sites[0].Site.Name != "s2" || more.NextPageToken != "" {
		t.Fatalf("page 2: %v %v", more, err)
	}
}

// TestReplicasOnPostgres: two controllers on one PostgreSQL database (one
// CA): an edge enrolled through one watches through the other, and a
// change made through either reaches it within 1 s; a revocation through
// one cuts the edge's stream on the other.
func TestReplicasOnPostgres(t *testing.T) {
	requirePG(t)
	url := pg.NewDB(t)
	ca := newCA(t)
	clk := &clock{}
	c1 := start(t, ca, openPG(t, ca, url, clk), clk)
	c2 := start(t, ca, openPG(t, ca, url, clk), clk)
	c1.network("corp", store.FullMesh)
	a := c1.enrol("corp", "a")
	b := c1.enrol("corp", "b")
	a2 := pb.NewEdgeControlClient(c2.dial(a.creds.ClientTLSConfig("localhost")))
	w := (&edge{name: "a", ctl: a2}).watch(t, 0)
	w.next(pushWithin, "peer b", hasPeer("b"))

	startAt := time.Now()
	_, err := c1.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: "b", Name: "lte", Color: "lte", Endpoint: "203.0.113.9:51820"}})
	if err != nil {
		t.Fatal(err)
	}
	w.next(pushWithin, "b's link via the other replica", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && len(p.Links) == 1
	})
	t.Logf("change through replica 1 reached an edge on replica 2 in %v", time.Since(startAt))

	// A site enrolled through replica 1 a moment ago is known to replica 2.
	d := c1.enrol("corp", "d")
	d2 := pb.NewEdgeControlClient(c2.dial(d.creds.ClientTLSConfig("localhost")))
	(&edge{ctl: d2}).watch(t, 0).next(pushWithin, "d's config on replica 2", hasPeer("a"))

	wb := (&edge{ctl: pb.NewEdgeControlClient(c2.dial(b.creds.ClientTLSConfig("localhost")))}).watch(t, 0)
	wb.next(pushWithin, "b's config", hasPeer("a"))
	if _, err := c1.admin.RevokeSite(ctxT(t), &pb.RevokeSiteRequest{Network: "corp", SiteName: "b"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wb.ended(pushWithin), codes.PermissionDenied, "revoked")
	w.next(pushWithin, "no peer b", func(cfg *pb.EdgeConfig) bool { return peer(cfg, "b") == nil })
}

func protoClone(p *pb.PolicySet) *pb.PolicySet {
	c := &pb.PolicySet{}
	b, _ := protoMarshal(p)
	protoUnmarshal(b, c)
	return c
}

// TestListPathsLatest: paths are derived from the sites' links, and each
// carries the latest sample an edge reported for it.
func TestListPathsLatest(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	for _, s := range []string{"a", "b"} {
		if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: s, Name: "inet", Color: "inet"}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Each end names the path from its side; both are one path.
	r, err := a.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq, lat := range []float64{10, 20} {
		r, id := r, "a/inet->b/inet"
		if seq == 1 {
			r, id = rb, "b/inet->a/inet"
		}
		r.Send(&pb.Telemetry{BootId: []byte("boot"), Sequence: uint64(seq + 1), PathSamples: []*pb.PathSample{{
			PathId: id, MeasuredAt: timestamppb.New(time.Now().Add(time.Duration(seq) * time.Second)),
			State: pb.PathState_PATH_STATE_DEGRADED, LatencyMs: lat, LossPct: 2}}})
		if _, err := r.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := c.admin.ListPaths(ctxT(t), &pb.ListPathsRequest{Network: "corp", SiteName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths.Paths) != 1 || paths.Paths[0].PathId != "a/inet~b/inet" || paths.Paths[0].Latest == nil {
		t.Fatalf("paths %v", paths)
	}
	l := paths.Paths[0].Latest
	if l.LatencyMs != 20 || l.State != pb.PathState_PATH_STATE_DEGRADED || l.LossPct != 2 {
		t.Fatalf("latest %v, want the second sample (b's)", l)
	}
}

// TestServerCertificateRenewed: with RenewCertificate, a certificate that
// comes within 30 days of its end is replaced while the server runs; new
// connections get the new one.
func TestServerCertificateRenewed(t *testing.T) {
	clk := &clock{}
	ca, _, err := pki.LoadOrCreate(tempDir(t)+"/pki", pki.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqliteStore(t, ca, clk)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"localhost", "127.0.0.1"}
	c := start(t, ca, st, clk, func(cfg *server.Config) {
		cfg.RenewInterval = 20 * time.Millisecond
		cfg.RenewCertificate = func() (tls.Certificate, error) {
			cert, _, err := ca.ServerCertificate(names)
			return cert, err
		}
	})
	serial := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", c.addr, &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", NextProtos: []string{"h2"}, Time: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	first := serial()
	time.Sleep(100 * time.Millisecond)
	if s := serial(); s != first {
		t.Fatalf("certificate replaced with 90 days left: %s → %s", first, s)
	}
	clk.Advance(61 * 24 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for serial() == first {
		if time.Now().After(deadline) {
			t.Fatal("certificate not renewed with 29 days left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSiteNameReused: a site deleted and enrolled again under its name is
// another site: the old certificate's stream ends and its new connections
// are refused, while the new edge gets the configuration.
func TestSiteNameReused(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	old := c.enrol("corp", "a")
	w := old.watch(t, 0)
	w.next(pushWithin, "first", func(*pb.EdgeConfig) bool { return true })
	if err := c.st.DeleteSite(ctxT(t), "corp", "a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.ended(pushWithin), codes.PermissionDenied, "")
	fresh := c.enrol("corp", "a")
	if fresh.id == old.id {
		t.Fatalf("re-enrolled site has the old id %d", old.id)
	}
	fresh.watch(t, 0).next(pushWithin, "the new site's config", func(cfg *pb.EdgeConfig) bool { return cfg.Site.Id == fresh.id })
	s, err := pb.NewEdgeControlClient(c.dial(old.creds.ClientTLSConfig("localhost"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = s.Recv()
	}
	wantCode(t, err, codes.Unavailable, "")
}

// TestTokenRace: ten edges enrol at once with one token; exactly one gets
// a certificate, the others are told the token was used.
func TestTokenRace(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	tok := c.token("corp", "a", time.Hour)
	conf, err := pki.EnrolTLSConfig(tok, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	enr := pb.NewEnrollmentClient(c.dial(conf))
	const racers = 10
	reqs := make([]*pb.EnrollRequest, racers)
	for i := range reqs {
		reqs[i] = enrolRequest(t, tok, "a")
	}
	errs := make(chan error, racers)
	for _, req := range reqs {
		go func() {
			_, err := enr.Enroll(ctxT(t), req)
			errs <- err
		}()
	}
	wins := 0
	for range racers {
		switch err := <-errs; {
		case err == nil:
			wins++
		case !strings.Contains(err.Error(), "already used"):
			t.Errorf("loser got %v, want already used", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d enrolments won with one token", wins)
	}
}

// TestEnrolFloodLimited: forged enrolments (well formed, this CA's pin)
// from one address are refused by the store until the address's burst is
// spent, then by the rate limit without touching anything; another
// address is not affected, and the refusals are logged once per second,
// not once each.
func TestEnrolFloodLimited(t *testing.T) {
	var logs syncbuf.Buffer
	c := startSQLite(t, func(cfg *server.Config) {
		cfg.Enrolment = server.EnrolLimit{Burst: 5, Interval: time.Minute}
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	c.network("corp", store.FullMesh)
	forged, _, err := pki.NewToken("a", c.ca.Certificate(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{RootCAs: c.ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS13}
	enr := pb.NewEnrollmentClient(c.dial(conf))
	for i := range 5 {
		_, err := enr.Enroll(ctxT(t), enrolRequest(t, forged, "a"))
		if status.Code(err) == codes.ResourceExhausted {
			t.Fatalf("attempt %d of the burst rate limited: %v", i, err)
		}
	}
	for range 50 {
		_, err := enr.Enroll(ctxT(t), enrolRequest(t, forged, "a"))
		wantCode(t, err, codes.ResourceExhausted, "too many enrolment attempts from 127.0.0.1")
	}
	// A real token from the same address waits too; after the interval it goes.
	tok := c.token("corp", "a", 2*time.Hour)
	_, err = c.tryEnrol(tok, "a")
	wantCode(t, err, codes.ResourceExhausted, "retry in")
	c.clock.Advance(time.Minute)
	if _, err := c.tryEnrol(tok, "a"); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
	if n := strings.Count(logs.String(), "enrolment refused"); n != 1 {
		t.Fatalf("%d refusal log lines for 56 refusals in one instant, want 1:\n%s", n, logs.String())
	}
}

// TestStreamsPerSiteLimited: one site cannot hold more than 8 EdgeControl
// streams open; closing one lets the next in, and another site is not
// affected.
func TestStreamsPerSiteLimited(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	var cancels []context.CancelFunc
	for i := range 8 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cancels = append(cancels, cancel)
		st, err := a.ctl.WatchConfig(ctx, &pb.WatchConfigRequest{})
		if err == nil {
			_, err = st.Recv()
		}
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
	}
	ninth := func() error {
		st, err := a.ctl.WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
		if err == nil {
			_, err = st.Recv()
		}
		return err
	}
	wantCode(t, ninth(), codes.ResourceExhausted, "already holds 8 streams")
	b.watch(t, 0).next(pushWithin, "site b's config", func(*pb.EdgeConfig) bool { return true })
	cancels[0]()
	deadline := time.Now().Add(5 * time.Second)
	for err := ninth(); err != nil; err = ninth() {
		if time.Now().After(deadline) {
			t.Fatalf("a stream closed, still refused: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEdgeConfigTooLarge: a configuration larger than an edge accepts is
// not sent (the edge keeps its last one instead of failing and retrying
// forever); the controller logs it and records an event, and the next
// configuration that fits is sent.
func TestEdgeConfigTooLarge(t *testing.T) {
	var logs syncbuf.Buffer
	c := startSQLite(t, func(cfg *server.Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	c.network("corp", store.FullMesh)
	a := c.enrol("corp", "a")
	c.enrol("corp", "b")
	addPrefix := func(p string) {
		t.Helper()
		if _, err := c.admin.AddPrefix(ctxT(t), &pb.AddPrefixRequest{Network: "corp", Prefix: &pb.LanPrefix{SiteName: "b", Prefix: p}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{
		SiteName: "b", Name: "inet", Color: "inet", Endpoint: "198.51.100.2:51820"}}); err != nil {
		t.Fatal(err)
	}
	addPrefix("10.2.0.0/24")
	w := a.watch(t, 0)
	first := w.next(pushWithin, "a config with site b", func(cfg *pb.EdgeConfig) bool { return len(cfg.Peers) == 1 })
	// From now on any configuration with more in it is too large.
	restore := server.SetMaxEdgeConfig(proto.Size(first))
	defer restore()
	addPrefix("10.3.0.0/24")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "configuration too large to send") {
		if time.Now().After(deadline) {
			t.Fatalf("no error logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case cfg := <-w.configs:
		t.Fatalf("a configuration of %d bytes was sent past the limit of %d", proto.Size(cfg), proto.Size(first))
	case err := <-w.err:
		t.Fatalf("the stream ended: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// The event is recorded just after the log line: wait for it too.
	for {
		evs, err := c.admin.ListEvents(ctxT(t), &pb.ListEventsRequest{Network: "corp"})
		if err == nil && strings.Contains(fmt.Sprint(evs), "config_too_large") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no config_too_large event: %v %v", evs, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	restore()
	addPrefix("10.4.0.0/24")
	w.next(pushWithin, "the configuration that fits again", func(cfg *pb.EdgeConfig) bool {
		return len(cfg.Peers) == 1 && len(cfg.Peers[0].Prefixes) == 3
	})
}

package server_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/server"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestNATObservationsReachPeers: what site b's edge reports of its lte
// link's NAT reaches site a as b's peer link's observed endpoint and NAT
// kind; a rebound mapping reaches it again; every edge is told the STUN
// responder; a bad observation is refused naming its field.
func TestNATObservationsReachPeers(t *testing.T) {
	stunAddr := netip.MustParseAddrPort("192.0.2.10:3478")
	c := startSQLite(t, func(cfg *server.Config) { cfg.NAT = server.NATConfig{STUNServer: stunAddr} })
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: "b", Name: "lte", Color: "lte"}}); err != nil {
		t.Fatal(err)
	}
	wa := a.watch(t, 0)
	first := wa.next(pushWithin, "peer b with lte", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && len(p.Links) == 1
	})
	if got := first.GetNatTraversal().GetStunServer(); got != stunAddr.String() {
		t.Fatalf("stun_server %q, want %v", got, stunAddr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	report, err := b.ctl.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(0)
	send := func(ep string) {
		seq++
		kind := &pb.NatKind{Mapping: pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT, Filtering: pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT}
		if err := report.Send(&pb.Telemetry{BootId: []byte("boot-b"), Sequence: seq,
			NatObservations: []*pb.NatObservation{{Link: "lte", ObservedEndpoint: ep, Nat: kind}}}); err != nil {
			t.Fatal(err)
		}
		if ack, err := report.Recv(); err != nil || ack.AckedSequence != seq {
			t.Fatalf("ack %v %v", ack, err)
		}
	}
	observed := func(ep string) func(*pb.EdgeConfig) bool {
		return func(cfg *pb.EdgeConfig) bool {
			p := peer(cfg, "b")
			return p != nil && len(p.Links) == 1 && p.Links[0].ObservedEndpoint == ep &&
				p.Links[0].GetNat().GetMapping() == pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT
		}
	}
	send("203.0.113.5:40001")
	wa.next(pushWithin, "b's observed endpoint", observed("203.0.113.5:40001"))
	send("203.0.113.5:40002") // the NAT rebound
	got := wa.next(pushWithin, "b's new observed endpoint", observed("203.0.113.5:40002"))
	lead := peer(got, "b").Links[0].GetPunchAt().AsTime().Sub(got.GetControllerTime().AsTime())
	if lead <= 0 || lead > server.PunchLead {
		t.Errorf("punch_at is %v after controller_time, want within (0, %v]: the change was just made", lead, server.PunchLead)
	}

	seq++
	if err := report.Send(&pb.Telemetry{BootId: []byte("boot-b"), Sequence: seq,
		NatObservations: []*pb.NatObservation{{Link: "lte", ObservedEndpoint: "not-an-endpoint"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = report.Recv()
	wantCode(t, err, codes.InvalidArgument, "observed_endpoint")
}

// TestPunchAtSameForBothEnds: two sites whose links are both behind NAT
// get the same punch_at for each other's link: PunchLead after the later
// of the two links' changes.
func TestPunchAtSameForBothEnds(t *testing.T) {
	c := startSQLite(t, func(cfg *server.Config) {
		cfg.NAT = server.NATConfig{STUNServer: netip.MustParseAddrPort("192.0.2.10:3478")}
	})
	c.network("corp", store.FullMesh)
	sites := map[string]*edge{"a": c.enrol("corp", "a"), "b": c.enrol("corp", "b")}
	for _, s := range []string{"a", "b"} {
		if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: s, Name: "lte", Color: "lte"}}); err != nil {
			t.Fatal(err)
		}
	}
	kind := &pb.NatKind{Mapping: pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT, Filtering: pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT}
	for i, s := range []string{"a", "b"} {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		report, err := sites[s].ctl.Report(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.Send(&pb.Telemetry{BootId: []byte("boot-" + s), Sequence: 1, NatObservations: []*pb.NatObservation{
			{Link: "lte", ObservedEndpoint: fmt.Sprintf("203.0.113.%d:40001", i+1), Nat: kind}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := report.Recv(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // b's change is the later one
	}
	at := map[string]time.Time{}
	for s, other := range map[string]string{"a": "b", "b": "a"} {
		cfg := sites[s].watch(t, 0).next(pushWithin, other+"'s lte observed", func(cfg *pb.EdgeConfig) bool {
			p := peer(cfg, other)
			return p != nil && len(p.Links) == 1 && p.Links[0].ObservedEndpoint != "" && p.Links[0].PunchAt != nil
		})
		at[s] = peer(cfg, other).Links[0].PunchAt.AsTime()
	}
	if !at["a"].Equal(at["b"]) {
		t.Errorf("punch_at: a gets %v, b gets %v; want the same", at["a"], at["b"])
	}
}

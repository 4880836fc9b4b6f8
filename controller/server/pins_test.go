package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func pinIDs(cfg *pb.EdgeConfig) []int64 {
	var ids []int64
	for _, p := range cfg.Pins {
		ids = append(ids, p.Id)
	}
	return ids
}

func hasPins(ids ...int64) func(*pb.EdgeConfig) bool {
	return func(cfg *pb.EdgeConfig) bool {
		got := pinIDs(cfg)
		if len(got) != len(ids) {
			return false
		}
		for i := range ids {
			if got[i] != ids[i] {
				return false
			}
		}
		return true
	}
}

// TestPins: a pin set through Admin reaches its site's edge (and only
// it), from the site's end of the path; bad requests are refused by
// field; a deleted pin leaves the edge's configuration; a pin with a TTL
// leaves it when it expires, with no other change in the network.
func TestPins(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	for _, l := range []*pb.WanLink{
		{SiteName: "a", Name: "inet", Color: "inet"}, {SiteName: "a", Name: "lte", Color: "lte"},
		{SiteName: "b", Name: "inet", Color: "inet"}, {SiteName: "b", Name: "lte", Color: "lte"},
	} {
		if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: l}); err != nil {
			t.Fatal(err)
		}
	}
	wa := a.watch(t, 0)
	wa.next(pushWithin, "first", func(*pb.EdgeConfig) bool { return true })

	match := &pb.PinMatch{Protocol: 6, DestinationPrefix: "10.2.0.0/24", DestinationPort: 443}
	p1, err := c.admin.SetPin(ctxT(t), &pb.SetPinRequest{Network: "corp", SiteName: "a", Match: match, PathId: "b/lte->a/lte"})
	if err != nil {
		t.Fatal(err)
	}
	if p1.PathId != "a/lte->b/lte" || p1.CreatedBy != "spiffe://patronus/admin/alice" || p1.ExpiresAt != nil || p1.Id == 0 {
		t.Fatalf("set %v", p1)
	}
	cfg := wa.next(pushWithin, "pin", hasPins(p1.Id))
	got := cfg.Pins[0]
	if got.PathId != "a/lte->b/lte" || got.Match.Protocol != 6 || got.Match.DestinationPrefix != "10.2.0.0/24" ||
		got.Match.DestinationPort != 443 || got.Match.SourcePrefix != "" || got.ExpiresAt != nil {
		t.Fatalf("pushed pin %v", got)
	}
	// b's configuration does not carry a's pin.
	if got := b.watch(t, 0).next(pushWithin, "b's configuration", func(*pb.EdgeConfig) bool { return true }); got.Revision < cfg.Revision || len(got.Pins) != 0 {
		t.Fatalf("b's configuration at revision %d (pin at %d) has pins %v", got.Revision, cfg.Revision, got.Pins)
	}

	for _, bad := range []struct {
		req   *pb.SetPinRequest
		code  codes.Code
		field string
	}{
		{&pb.SetPinRequest{Network: "corp", SiteName: "a"}, codes.InvalidArgument, "path_id"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/mpls"}, codes.InvalidArgument, "pin.path"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet~b/lte"}, codes.InvalidArgument, "pin.path"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "ghost", PathId: "ghost/inet->b/lte"}, codes.NotFound, "ghost"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/lte", Match: &pb.PinMatch{DestinationPort: 53}}, codes.InvalidArgument, "match.protocol"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/lte", Match: &pb.PinMatch{Protocol: 256}}, codes.InvalidArgument, "match.protocol"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/lte", Match: &pb.PinMatch{SourcePrefix: "10.1.0.1/24"}}, codes.InvalidArgument, "match.src"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/lte", Match: &pb.PinMatch{SourcePrefix: "nope"}}, codes.InvalidArgument, "match.source_prefix"},
		{&pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/lte", Ttl: durationpb.New(-time.Second)}, codes.InvalidArgument, "ttl"},
	} {
		_, err := c.admin.SetPin(ctxT(t), bad.req)
		wantCode(t, err, bad.code, bad.field)
	}

	p2, err := c.admin.SetPin(ctxT(t), &pb.SetPinRequest{Network: "corp", SiteName: "a", PathId: "a/inet->b/inet", Ttl: durationpb.New(1500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	cfg = wa.next(pushWithin, "two pins", hasPins(p1.Id, p2.Id))
	if cfg.Pins[1].ExpiresAt == nil || cfg.Pins[1].Match.Protocol != 0 {
		t.Fatalf("pushed pin %v", cfg.Pins[1])
	}
	list, err := c.admin.ListPins(ctxT(t), &pb.ListPinsRequest{Network: "corp", SiteName: "a"})
	if err != nil || len(list.Pins) != 2 || list.Pins[0].Id != p1.Id || list.Pins[1].ExpiresAt == nil {
		t.Fatalf("ListPins: %v, %v", list, err)
	}
	// Expiry alone (nothing else changes) takes the pin off the edge.
	expiry := cfg.Pins[1].ExpiresAt.AsTime()
	wa.next(3*time.Second, "the TTL pin expired", hasPins(p1.Id))
	if late := time.Since(expiry); late > pushWithin {
		t.Errorf("expired pin removed %v after its expiry, want within %v", late, pushWithin)
	}
	if list, err := c.admin.ListPins(ctxT(t), &pb.ListPinsRequest{Network: "corp"}); err != nil || len(list.Pins) != 1 {
		t.Fatalf("ListPins after expiry: %v, %v", list, err)
	}

	if _, err := c.admin.DeletePin(ctxT(t), &pb.DeletePinRequest{Network: "corp", Id: p1.Id}); err != nil {
		t.Fatal(err)
	}
	wa.next(pushWithin, "no pins", hasPins())
	_, err = c.admin.DeletePin(ctxT(t), &pb.DeletePinRequest{Network: "corp", Id: p1.Id})
	wantCode(t, err, codes.NotFound, "pin")
	_, err = c.admin.DeletePin(ctxT(t), &pb.DeletePinRequest{Network: "corp"})
	wantCode(t, err, codes.InvalidArgument, "id")
}

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestResetSite: ResetSite revokes the site's certificate at once (its
// open streams end, a new connection with it is refused) and returns a
// token with which a new edge takes the site's place under the same ID,
// with the site's links, and its new WireGuard key goes to the peers. The
// call is audited as the management API audits it.
func TestResetSite(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: &pb.WanLink{SiteName: "b", Name: "wan1", Color: "internet"}}); err != nil {
		t.Fatal(err)
	}
	wa := a.watch(t, 0)
	before := peer(wa.next(pushWithin, "peer b", hasPeer("b")), "b").PublicKey
	wb := b.watch(t, 0)
	wb.next(pushWithin, "peer a", hasPeer("a"))

	_, err := c.admin.ResetSite(ctxT(t), &pb.ResetSiteRequest{Network: "corp", SiteName: "nope"})
	wantCode(t, err, codes.NotFound, "nope")
	_, err = c.admin.ResetSite(ctxT(t), &pb.ResetSiteRequest{Network: "corp", SiteName: "b", Ttl: durationpb.New(time.Second)})
	wantCode(t, err, codes.InvalidArgument, "ttl")
	r, err := c.admin.ResetSite(ctxT(t), &pb.ResetSiteRequest{Network: "corp", SiteName: "b", Ttl: durationpb.New(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Info.Reset_ || r.Info.SiteName != "b" {
		t.Fatalf("reset token info %+v", r.Info)
	}
	wantCode(t, wb.ended(pushWithin), codes.PermissionDenied, "revoked")
	s, err := pb.NewEdgeControlClient(c.dial(b.creds.ClientTLSConfig("localhost"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = s.Recv()
	}
	wantCode(t, err, codes.Unavailable, "")

	again, err := c.tryEnrol(r.Token, "b")
	if err != nil {
		t.Fatalf("enrol with the reset token: %v", err)
	}
	if again.id != b.id {
		t.Fatalf("re-enrolled under id %d, was %d", again.id, b.id)
	}
	cfg := again.watch(t, 0).next(pushWithin, "b's config with its link", func(cfg *pb.EdgeConfig) bool {
		return cfg.Site.Id == b.id && len(cfg.Links) == 1 && cfg.Links[0].Name == "wan1"
	})
	if cfg.Site.Name != "b" {
		t.Fatalf("config of %+v", cfg.Site)
	}
	wa.next(pushWithin, "b's new key", func(cfg *pb.EdgeConfig) bool {
		p := peer(cfg, "b")
		return p != nil && !bytes.Equal(p.PublicKey, before)
	})
	_, err = c.tryEnrol(r.Token, "b")
	wantCode(t, err, codes.PermissionDenied, "used")

	entries, err := c.st.AuditLog(ctxT(t), store.AuditQuery{Action: "site.reset"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit entries of site.reset: %v %+v", err, entries)
	}
	last := entries[0]
	for _, e := range entries {
		if e.At.After(last.At) || (e.At.Equal(last.At) && e.ID > last.ID) {
			last = e
		}
	}
	var detail map[string]any
	_ = json.Unmarshal(last.Detail, &detail)
	if last.Actor != "alice" || last.Outcome != "success" || last.Method != "certificate" || detail["token_id"] != r.Info.Id ||
		bytes.Contains(last.Detail, []byte(r.Token)) {
		t.Fatalf("audit entry %+v %s", last, last.Detail)
	}
}

// TestDeleteSiteAdmin: Admin's DeleteSite is the management operation:
// the site's streams end, its peers drop it, the call is audited, and its
// name enrols anew.
func TestDeleteSiteAdmin(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	wa := a.watch(t, 0)
	wa.next(pushWithin, "peer b", hasPeer("b"))
	wb := b.watch(t, 0)
	wb.next(pushWithin, "peer a", hasPeer("a"))
	_, err := c.admin.DeleteSite(ctxT(t), &pb.DeleteSiteRequest{Network: "corp"})
	wantCode(t, err, codes.InvalidArgument, "name")
	if _, err := c.admin.DeleteSite(ctxT(t), &pb.DeleteSiteRequest{Network: "corp", SiteName: "b"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wb.ended(pushWithin), codes.PermissionDenied, "")
	wa.next(pushWithin, "no peer b", func(cfg *pb.EdgeConfig) bool { return peer(cfg, "b") == nil })
	_, err = c.admin.DeleteSite(ctxT(t), &pb.DeleteSiteRequest{Network: "corp", SiteName: "b"})
	wantCode(t, err, codes.NotFound, "")
	entries, err := c.st.AuditLog(context.Background(), store.AuditQuery{Action: "site.delete"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit entries of site.delete: %v %+v", err, entries)
	}
	if fresh := c.enrol("corp", "b"); fresh.id == b.id {
		t.Fatal("the deleted site's ID was reused")
	}
}

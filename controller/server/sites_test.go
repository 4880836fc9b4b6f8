package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
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

// TestRevokeCertificate: one certificate is revoked by its serial. A
// site's: the streams opened with it end and a new handshake with it is
// refused, while the site's other (renewed) certificate works and the
// site stays. An operator's: refused from its next call. Listed, audited.
func TestRevokeCertificate(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a := c.enrol("corp", "a")
	w := a.watch(t, 0)
	w.next(pushWithin, "a's config", func(*pb.EdgeConfig) bool { return true })
	renewed := c.renewEdge(a)
	old := a.creds.Chain[0].SerialNumber.String()

	list, err := c.admin.ListCertificates(ctxT(t), &pb.ListCertificatesRequest{Network: "corp", SiteName: "a"})
	if err != nil || len(list.Certificates) != 2 || list.Certificates[0].Serial != old || list.Certificates[1].RevokedAt != nil {
		t.Fatalf("certificates of a: %v %v", list, err)
	}
	for _, tc := range []struct{ serial, want string }{{"", "serial"}, {"0x1f", "serial"}, {"007", "serial"}} {
		_, err := c.admin.RevokeCertificate(ctxT(t), &pb.RevokeCertificateRequest{Serial: tc.serial})
		wantCode(t, err, codes.InvalidArgument, tc.want)
	}
	_, err = c.admin.RevokeCertificate(ctxT(t), &pb.RevokeCertificateRequest{Serial: "12345"})
	wantCode(t, err, codes.NotFound, "12345")

	r, err := c.admin.RevokeCertificate(ctxT(t), &pb.RevokeCertificateRequest{Serial: old, Reason: "key leaked"})
	if err != nil || r.SiteName != "a" || r.Network != "corp" || r.RevokedAt == nil || r.Reason != "revoked by spiffe://patronus/admin/alice: key leaked" {
		t.Fatalf("revoke: %v %v", r, err)
	}
	wantCode(t, w.ended(pushWithin), codes.PermissionDenied, "revoked")
	s, err := pb.NewEdgeControlClient(c.dial(a.creds.ClientTLSConfig("localhost"))).WatchConfig(ctxT(t), &pb.WatchConfigRequest{})
	if err == nil {
		_, err = s.Recv()
	}
	wantCode(t, err, codes.Unavailable, "")
	renewed.watch(t, 0).next(pushWithin, "a's config over the renewed certificate", func(*pb.EdgeConfig) bool { return true })
	if info, err := c.admin.GetSite(ctxT(t), &pb.GetSiteRequest{Network: "corp", SiteName: "a"}); err != nil || info.State != pb.SiteState_SITE_STATE_ENROLLED {
		t.Fatalf("site a: %v %v", info, err)
	}

	bob, err := c.issueOperator("bob")
	if err != nil {
		t.Fatal(err)
	}
	asBob := pb.NewAdminClient(c.dial(bob.ClientTLSConfig("localhost")))
	if _, err := asBob.ListNetworks(ctxT(t), &pb.ListNetworksRequest{}); err != nil {
		t.Fatal(err)
	}
	r, err = c.admin.RevokeCertificate(ctxT(t), &pb.RevokeCertificateRequest{Serial: bob.Chain[0].SerialNumber.String()})
	if err != nil || r.Operator != "bob" {
		t.Fatalf("revoke bob's: %v %v", r, err)
	}
	_, err = asBob.ListNetworks(ctxT(t), &pb.ListNetworksRequest{})
	wantCode(t, err, codes.PermissionDenied, "revoked")
	entries, err := c.st.AuditLog(ctxT(t), store.AuditQuery{Action: "certificate.revoke"})
	if err != nil || len(entries) != 6 {
		t.Fatalf("audit of certificate.revoke: %v, %d entries", err, len(entries))
	}
}

// renewEdge renews e's certificate through EdgeControl and returns an
// edge with the new one.
func (c *ctrl) renewEdge(e *edge) *edge {
	t := c.t
	t.Helper()
	key, err := pki.NewEdgeKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.ctl.RenewCertificate(ctxT(t), &pb.RenewCertificateRequest{CsrDer: csr})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(r.ClientCertChainDer[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tempDir(t), "renewed")
	if err := pki.SaveIdentity(dir, key, []*x509.Certificate{leaf}, c.ca.Certificate()); err != nil {
		t.Fatal(err)
	}
	creds, err := pki.LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if creds.Identity != e.creds.Identity {
		t.Fatalf("renewed as %v, was %v", creds.Identity, e.creds.Identity)
	}
	return &edge{name: e.name, id: e.id, creds: creds, ctl: pb.NewEdgeControlClient(c.dial(creds.ClientTLSConfig("localhost")))}
}

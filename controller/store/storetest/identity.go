package storetest

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testSiteReset: a reset token re-enrols the site under its ID with its
// links and prefixes, replaces its key and certificate, and revokes the
// old certificate; the site records its certificates from then on.
func testSiteReset(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, spoke("legacy"))
	secret, _, err := s.CreateJoinToken(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	first := &store.SiteCert{Serial: "1001", NotAfter: epoch.Add(365 * 24 * time.Hour)}
	site := must(s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: Key(), Cert: first}))(t)
	if !site.CertsRecorded {
		t.Fatalf("a site enrolled with a certificate does not record them: %+v", site)
	}
	if legacy := must(s.Site(ctx, "corp", "legacy"))(t); legacy.CertsRecorded {
		t.Fatal("a site created without a certificate records them")
	}
	must(s.PutLink(ctx, "corp", "b1", store.LinkSpec{Name: "wan1", Colour: "internet"}))(t)
	must(s.AddPrefix(ctx, "corp", "b1", netip.MustParsePrefix("10.1.0.0/24")))(t)

	_, _, err = s.ResetSite(ctx, "corp", "nope", time.Hour)
	wantErr(t, err, store.ErrNotFound, "")
	_, _, err = s.ResetSite(ctx, "corp", "b1", time.Second)
	wantErr(t, err, store.ErrInvalid, "ttl")
	stale, _, err := s.ResetSite(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	rev := must(s.Network(ctx, "corp"))(t).Revision
	reset, tok, err := s.ResetSite(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	if !tok.Reset || tok.Site != "b1" {
		t.Fatalf("reset token %+v", tok)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev+1 {
		t.Fatalf("reset moved the revision %d → %d, want +1", rev, r)
	}
	certs := must(s.SiteCerts(ctx, "corp"))(t)
	if len(certs) != 1 || certs[0].Serial != "1001" || certs[0].RevokedAt.IsZero() || certs[0].Site != "b1" || certs[0].SiteID != site.ID {
		t.Fatalf("after the reset: %+v", certs)
	}
	// The earlier reset token was revoked by the later one.
	_, err = s.EnrolSite(ctx, stale, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenRevoked, "")

	key := Key()
	again := must(s.EnrolSite(ctx, reset, store.SiteSpec{Role: store.Spoke, PublicKey: key,
		Cert: &store.SiteCert{Serial: "1002", NotAfter: epoch.Add(time.Hour)}}))(t)
	if again.ID != site.ID || again.PublicKey != key || !again.CertsRecorded {
		t.Fatalf("re-enrolled %+v, was %+v", again, site)
	}
	if ls := must(s.Links(ctx, "corp", "b1"))(t); len(ls) != 1 {
		t.Fatalf("links after the reset: %+v", ls)
	}
	if ps := must(s.Prefixes(ctx, "corp"))(t); len(ps) != 1 || ps[0].Site != "b1" {
		t.Fatalf("prefixes after the reset: %+v", ps)
	}
	certs = must(s.SiteCerts(ctx, "corp"))(t)
	if len(certs) != 2 || certs[1].Serial != "1002" || !certs[1].InForce(epoch) || certs[0].InForce(epoch) {
		t.Fatalf("after re-enrolment: %+v", certs)
	}
	toks := must(s.JoinTokens(ctx, "corp"))(t)
	if last := toks[len(toks)-1]; !last.Reset || last.UsedAt.IsZero() {
		t.Fatalf("the reset token, listed: %+v", last)
	}
	// Renewals: recorded, at most MaxSiteCertsInForce in force; the
	// revision does not move.
	rev = must(s.Network(ctx, "corp"))(t).Revision
	for i := 1; i < store.MaxSiteCertsInForce; i++ {
		ok(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: fmt.Sprint(2000 + i), NotAfter: epoch.Add(time.Hour)}))
	}
	wantErr(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "3000", NotAfter: epoch.Add(time.Hour)}), store.ErrConstraint, "site")
	wantErr(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{NotAfter: epoch.Add(time.Hour)}), store.ErrInvalid, "serial")
	wantErr(t, s.AddSiteCert(ctx, "corp", "nope", store.SiteCert{Serial: "3001", NotAfter: epoch.Add(time.Hour)}), store.ErrNotFound, "")
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev {
		t.Fatalf("renewals moved the revision %d → %d", rev, r)
	}
	e.clock.Advance(2 * time.Hour) // all expired: room again
	// A renewal asked with a revoked or another's certificate fails.
	wantErr(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "3002", NotAfter: epoch.Add(time.Hour), RenewedFrom: "1001"}), store.ErrConstraint, "renewed_from")
	wantErr(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "3002", NotAfter: epoch.Add(time.Hour), RenewedFrom: "999"}), store.ErrConstraint, "renewed_from")
	ok(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "3000", NotAfter: epoch.Add(3 * time.Hour), RenewedFrom: "1002"}))
	wantErr(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "3000", NotAfter: epoch.Add(3 * time.Hour)}), store.ErrConflict, "serial")

	// A revoked site cannot be reset; a deleted one takes its tokens along.
	must(s.RevokeSite(ctx, "corp", "legacy"))(t)
	_, _, err = s.ResetSite(ctx, "corp", "legacy", time.Hour)
	wantErr(t, err, store.ErrConstraint, "name")
	orphan, _, err := s.ResetSite(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	ok(t, s.DeleteSite(ctx, "corp", "b1"))
	_, err = s.EnrolSite(ctx, orphan, store.SiteSpec{Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrTokenUnknown, "")
	if certs := must(s.SiteCerts(ctx, "corp"))(t); len(certs) != 0 {
		t.Fatalf("certificates of a deleted site: %+v", certs)
	}
}

// testRevokeCert: one certificate is revoked by serial, a site's (the
// revision moves, the site stays) or an operator's; again is a no-op; an
// unknown serial is not found.
func testRevokeCert(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	secret, _, err := s.CreateJoinToken(ctx, "corp", "b1", time.Hour)
	ok(t, err)
	must(s.EnrolSite(ctx, secret, store.SiteSpec{Role: store.Spoke, PublicKey: Key(),
		Cert: &store.SiteCert{Serial: "500", NotAfter: epoch.Add(time.Hour)}}))(t)
	ok(t, s.AddSiteCert(ctx, "corp", "b1", store.SiteCert{Serial: "501", NotAfter: epoch.Add(time.Hour)}))
	ok(t, s.AddOperatorCert(ctx, store.OperatorCert{Serial: "900", Name: "bob", IssuedAt: epoch, NotAfter: epoch.Add(time.Hour)}, true))

	rev := must(s.Network(ctx, "corp"))(t).Revision
	r := must(s.RevokeCert(ctx, "500", "replaced"))(t)
	if r.Network != "corp" || r.Site != "b1" || r.Operator != "" || !r.RevokedAt.Equal(epoch) || r.Reason != "replaced" {
		t.Fatalf("revoked %+v", r)
	}
	if got := must(s.Network(ctx, "corp"))(t).Revision; got != rev+1 {
		t.Fatalf("revoking a site's certificate moved the revision %d → %d, want +1", rev, got)
	}
	certs := must(s.SiteCerts(ctx, "corp"))(t)
	if len(certs) != 2 || certs[0].InForce(epoch) == certs[1].InForce(epoch) {
		t.Fatalf("certificates %+v", certs)
	}
	if st := must(s.Site(ctx, "corp", "b1"))(t); st.State != store.Enrolled {
		t.Fatalf("the site after one certificate was revoked: %+v", st)
	}
	e.clock.Advance(time.Minute)
	if again := must(s.RevokeCert(ctx, "500", "other"))(t); !again.RevokedAt.Equal(epoch) || again.Reason != "replaced" {
		t.Fatalf("revoked again: %+v", again)
	}
	if got := must(s.Network(ctx, "corp"))(t).Revision; got != rev+1 {
		t.Fatal("revoking again moved the revision")
	}
	op := must(s.RevokeCert(ctx, "900", "lost"))(t)
	if op.Operator != "bob" || op.Site != "" || op.RevokedAt.IsZero() {
		t.Fatalf("operator revoked %+v", op)
	}
	if revoked := must(s.OperatorCertRevoked(ctx, "900"))(t); !revoked {
		t.Fatal("the operator certificate is not revoked")
	}
	_, err = s.RevokeCert(ctx, "404", "")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.RevokeCert(ctx, "", "")
	wantErr(t, err, store.ErrInvalid, "serial")
}

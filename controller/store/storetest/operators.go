package storetest

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testOperatorCerts: operator certificates are recorded, one in force
// per name; revocation by name marks every one in force and is seen by
// serial; an expired one is not in force; bad input names the field.
func testOperatorCerts(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	year := 365 * 24 * time.Hour
	alice := store.OperatorCert{Serial: "1001", Name: "alice", IssuedBy: "admin", IssuedAt: epoch, NotAfter: epoch.Add(year)}
	ok(t, s.AddOperatorCert(ctx, alice, true))
	wantErr(t, s.AddOperatorCert(ctx, alice, true), store.ErrConflict, "name")
	again := alice
	again.Serial = "1002"
	wantErr(t, s.AddOperatorCert(ctx, again, true), store.ErrConflict, "name")
	bob := store.OperatorCert{Serial: "1001", Name: "bob", IssuedAt: epoch, NotAfter: epoch.Add(year)}
	wantErr(t, s.AddOperatorCert(ctx, bob, false), store.ErrConflict, "serial")
	wantErr(t, s.AddOperatorCert(ctx, store.OperatorCert{Serial: "12x", Name: "bob"}, false), store.ErrInvalid, "serial")
	wantErr(t, s.AddOperatorCert(ctx, store.OperatorCert{Serial: "7", Name: "Bob"}, false), store.ErrInvalid, "name")
	// Not exclusive: a second one in force for the name (a replica's
	// first operator); revocation by name takes both.
	dan := store.OperatorCert{Serial: "2001", Name: "dan", IssuedAt: epoch, NotAfter: epoch.Add(year)}
	ok(t, s.AddOperatorCert(ctx, dan, false))
	dan.Serial = "2002"
	ok(t, s.AddOperatorCert(ctx, dan, false))
	// An expired certificate is not in force: the name may have a new one.
	old := store.OperatorCert{Serial: "5", Name: "carol", IssuedAt: epoch.Add(-2 * year), NotAfter: epoch.Add(-time.Hour)}
	ok(t, s.AddOperatorCert(ctx, old, true))
	ok(t, s.AddOperatorCert(ctx, store.OperatorCert{Serial: "6", Name: "carol", IssuedAt: epoch, NotAfter: epoch.Add(year)}, true))

	if r := must(s.OperatorCertRevoked(ctx, "1001"))(t); r {
		t.Fatal("alice revoked before RevokeOperatorCerts")
	}
	if r := must(s.OperatorCertRevoked(ctx, "999"))(t); r {
		t.Fatal("an unknown serial is revoked")
	}
	e.clock.Advance(time.Minute)
	got := must(s.RevokeOperatorCerts(ctx, "alice", "left"))(t)
	if len(got) != 1 || got[0].Serial != "1001" || got[0].Reason != "left" || !got[0].RevokedAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("revoked %+v", got)
	}
	if r := must(s.OperatorCertRevoked(ctx, "1001"))(t); !r {
		t.Fatal("alice not revoked")
	}
	_, err := s.RevokeOperatorCerts(ctx, "alice", "again")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.RevokeOperatorCerts(ctx, "nobody", "")
	wantErr(t, err, store.ErrNotFound, "")
	if got := must(s.RevokeOperatorCerts(ctx, "dan", ""))(t); len(got) != 2 {
		t.Fatalf("revoked %+v, want both of dan's", got)
	}
	// Revoked, alice may have a new one.
	ok(t, s.AddOperatorCert(ctx, again, true))
	all := must(s.OperatorCerts(ctx))(t)
	var names []string
	for _, c := range all {
		names = append(names, c.Name+"/"+c.Serial)
	}
	if want := "[alice/1001 alice/1002 carol/5 carol/6 dan/2001 dan/2002]"; fmtList(names) != want {
		t.Fatalf("OperatorCerts = %s, want %s", fmtList(names), want)
	}
	if all[0].InForce(e.clock.Now()) || !all[1].InForce(e.clock.Now()) || all[2].InForce(e.clock.Now()) || all[0].IssuedBy != "admin" {
		t.Fatalf("in force: %+v", all)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}

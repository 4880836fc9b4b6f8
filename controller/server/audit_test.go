package server_test

import (
	"strings"
	"testing"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestAdminAudited: a change made through Admin (patronus ctl) is in the
// audit log like one made through the management API, with the operator
// certificate as actor, success or failure, and no secret; a read is not.
func TestAdminAudited(t *testing.T) {
	c := startSQLite(t)
	c.network("default", store.FullMesh)
	tok, err := c.admin.CreateJoinToken(ctxT(t), &pb.CreateJoinTokenRequest{Network: "default", SiteName: "branch1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.admin.RevokeJoinToken(ctxT(t), &pb.RevokeJoinTokenRequest{Network: "default", Id: "nope"}); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
	if _, err := c.admin.ListSites(ctxT(t), &pb.ListSitesRequest{Network: "default"}); err != nil {
		t.Fatal(err)
	}
	log, err := c.st.AuditLog(ctxT(t), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.AuditEntry{}
	for _, e := range log {
		got[e.Action+"/"+e.Outcome] = e
		if strings.Contains(string(e.Detail), tok.Token) {
			t.Errorf("%s: the join token's secret is in the audit log", e.Action)
		}
	}
	ok := got["join_token.create/success"]
	if !strings.Contains(ok.Actor, "admin") || ok.Method != "certificate" || ok.SourceIP == "" || ok.Target != "network/default" ||
		!strings.Contains(string(ok.Detail), "branch1") {
		t.Errorf("join_token.create entry %+v (detail %s)", ok, ok.Detail)
	}
	if e, found := got["join_token.revoke/failure"]; !found || !strings.Contains(string(e.Detail), `"error"`) {
		t.Errorf("no failure entry for the refused revoke: %+v", log)
	}
	if len(log) != 2 {
		t.Errorf("%d entries, want 2 (a read is not audited): %+v", len(log), log)
	}
}

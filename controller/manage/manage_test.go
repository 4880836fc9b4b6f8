package manage_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/manage/managetest"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// keyOf is a distinct WireGuard public key for each site.
func keyOf(site string) string {
	var k [32]byte
	copy(k[:], site)
	return base64.StdEncoding.EncodeToString(k[:])
}

type env struct {
	svc   *manage.Service
	st    store.Store
	audit *managetest.Audit
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st, audit: &managetest.Audit{}, now: time.Now()}
	e.svc, err = manage.New(manage.Config{Store: st, Audit: e.audit, Users: &managetest.Users{},
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNetwork(ctx, "default", store.FullMesh); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if _, err := st.CreateSite(ctx, "default", store.SiteSpec{Name: s, Role: store.Spoke, PublicKey: keyOf(s)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutLink(ctx, "default", s, store.LinkSpec{Name: "inet", Colour: "internet"}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func as(role auth.Role) context.Context {
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "u-" + string(role), Role: role, Method: auth.MethodPassword})
	return manage.WithRequestInfo(ctx, manage.RequestInfo{SourceIP: "192.0.2.7", UserAgent: "test/1"})
}

func wantCode(t *testing.T, err error, code manage.Code, field string) {
	t.Helper()
	var e *manage.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *manage.Error %s", err, code)
	}
	if e.Code != code || field != "" && e.Field != field {
		t.Fatalf("err = %v (code %s field %q), want %s field %q", err, e.Code, e.Field, code, field)
	}
}

func TestRolesAndAudit(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.RevokeSite(context.Background(), "default", "a", "")
	wantCode(t, err, manage.CodeUnauthenticated, "")
	_, err = e.svc.RevokeSite(as(auth.RoleViewer), "default", "a", "")
	wantCode(t, err, manage.CodeForbidden, "")
	if _, err := e.svc.Sites(as(auth.RoleViewer), "default", manage.SiteFilter{}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Users(as(auth.RoleOperator))
	wantCode(t, err, manage.CodeForbidden, "")
	st, err := e.svc.RevokeSite(as(auth.RoleOperator), "default", "a", "stolen")
	if err != nil || st.State != store.Revoked {
		t.Fatalf("revoke: %+v, %v", st, err)
	}
	got := e.audit.Entries()
	if len(got) != 3 {
		t.Fatalf("%d audit entries, want 3: %+v", len(got), got)
	}
	if g := got[1]; g.Actor != "u-viewer" || g.Outcome != "failure" || g.Action != "site.revoke" || !strings.Contains(string(g.Detail), "FORBIDDEN") {
		t.Errorf("refusal entry: %+v %s", g, g.Detail)
	}
	if g := got[2]; g.Outcome != "success" || g.Target != "network/default/site/a" || g.SourceIP != "192.0.2.7" ||
		g.UserAgent != "test/1" || g.Role != "operator" || g.Method != "password" {
		t.Errorf("success entry: %+v", g)
	}
}

func TestValidationNamesField(t *testing.T) {
	e := newEnv(t)
	op := as(auth.RoleOperator)
	_, err := e.svc.PutLink(op, "default", "a", store.LinkSpec{Name: "Bad Name", Colour: "internet"})
	wantCode(t, err, manage.CodeInvalidArgument, "name")
	_, err = e.svc.PutLink(op, "default", "a", store.LinkSpec{Name: "lte", Colour: "lte", Endpoint: "x"})
	wantCode(t, err, manage.CodeInvalidArgument, "endpoint")
	_, err = e.svc.AddPrefix(op, "default", "a", "10.0.0.1/24")
	wantCode(t, err, manage.CodeInvalidArgument, "prefix")
	_, _, err = e.svc.CreateJoinToken(op, "default", "c", time.Second)
	wantCode(t, err, manage.CodeInvalidArgument, "ttl")
	_, err = e.svc.Sites(op, "default'; DROP TABLE sites; --", manage.SiteFilter{})
	wantCode(t, err, manage.CodeInvalidArgument, "network")
	_, err = e.svc.SetPolicySet(op, "default", json.RawMessage(`{"policies":[{"name":"p"}]}`), 0)
	wantCode(t, err, manage.CodeInvalidArgument, "policies[0].sla_class")
	if _, err := e.svc.AddPrefix(op, "default", "a", "10.0.0.0/24"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AddPrefix(op, "default", "b", "10.0.0.0/24")
	wantCode(t, err, manage.CodeConflict, "")
	_, err = e.svc.Site(op, "default", "zz")
	wantCode(t, err, manage.CodeNotFound, "")
}

func TestPolicySetStaleAndAudit(t *testing.T) {
	e := newEnv(t)
	op := as(auth.RoleOperator)
	cur, err := e.svc.PolicySet(op, "default")
	if err != nil || string(cur.Document) != "{}" {
		t.Fatalf("%s %v", cur.Document, err)
	}
	doc := json.RawMessage(`{"sla_classes":[{"name":"gold","max_latency":"0.150s"}],"policies":[{"name":"p","sla_class":"gold"}]}`)
	got, err := e.svc.SetPolicySet(op, "default", doc, cur.Revision)
	if err != nil || got.Revision != cur.Revision+1 || !strings.Contains(string(got.Document), "gold") {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = e.svc.SetPolicySet(op, "default", doc, cur.Revision)
	wantCode(t, err, manage.CodeStale, "")
	entries := e.audit.Entries()
	var d struct{ Before, After json.RawMessage }
	if err := json.Unmarshal(entries[0].Detail, &d); err != nil || string(d.Before) != "{}" || !strings.Contains(string(d.After), "gold") {
		t.Fatalf("detail %s: %v", entries[0].Detail, err)
	}
}

func TestOnlineAndPaths(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	seen := e.now.Add(-3 * time.Second)
	if err := e.st.TouchSite(ctx, "default", "a", seen); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordPathMetrics(ctx, "default", []store.PathSample{{Path: "a/inet~b/inet", TS: seen, State: store.PathDown, Latency: 5 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	v := as(auth.RoleViewer)
	on := true
	sites, err := e.svc.Sites(v, "default", manage.SiteFilter{Online: &on})
	if err != nil || len(sites) != 1 || sites[0].Name != "a" {
		t.Fatalf("online sites %+v %v", sites, err)
	}
	e.now = e.now.Add(manage.DefaultOnlineWindow)
	if sites, _ = e.svc.Sites(v, "default", manage.SiteFilter{Online: &on}); len(sites) != 0 {
		t.Fatalf("still online after the window: %+v", sites)
	}
	paths, err := e.svc.Paths(v, "default", manage.PathFilter{State: store.PathDown})
	if err != nil || len(paths) != 1 || paths[0].ID != "a/inet->b/inet" || paths[0].Latest.Latency != 5*time.Millisecond {
		t.Fatalf("paths %+v %v", paths, err)
	}
	p, err := e.svc.Path(v, "default", "b/inet->a/inet")
	if err != nil || p.ID != "a/inet->b/inet" || manage.PathIDFrom(p.Path, "b") != "b/inet->a/inet" {
		t.Fatalf("path %+v %v", p, err)
	}
	h, err := e.svc.PathHistory(v, "default", p.ID, seen.Add(-time.Minute), e.now)
	if err != nil || h.Resolution != store.Raw || len(h.Points) != 1 {
		t.Fatalf("history %+v %v", h, err)
	}
}

func TestResolutionFor(t *testing.T) {
	now := time.Now()
	r := store.DefaultRetention
	for _, c := range []struct {
		from, to time.Duration // before now
		want     store.Resolution
	}{
		{time.Hour, 0, store.Raw},                                    // the dashboard's 1 h chart
		{24 * time.Hour, 0, store.Minute},                            // its 24 h chart
		{7 * 24 * time.Hour, 0, store.Minute},                        // its 7 d chart
		{2 * time.Hour, 90 * time.Minute, store.Minute},              // raw is gone by then (1 h)
		{7*24*time.Hour + time.Hour, 0, store.Hour},                  // longer than 7 days
		{8 * 24 * time.Hour, 8*24*time.Hour - time.Hour, store.Hour}, // minutes are gone (7 days)
	} {
		if got := manage.ResolutionFor(now.Add(-c.from), now.Add(-c.to), now, r); got != c.want {
			t.Errorf("%v..%v ago: %s, want %s", c.from, c.to, got, c.want)
		}
	}
}

func TestJoinTokenSecretOnce(t *testing.T) {
	e := newEnv(t)
	op := as(auth.RoleOperator)
	secret, tok, err := e.svc.CreateJoinToken(op, "default", "c", 0)
	if err != nil || secret == "" || tok.ExpiresAt.Sub(tok.CreatedAt) != manage.DefaultTokenTTL {
		t.Fatalf("%+v %v", tok, err)
	}
	for _, en := range e.audit.Entries() {
		if strings.Contains(string(en.Detail), secret) {
			t.Fatalf("secret in the audit log: %s", en.Detail)
		}
	}
	got, err := e.svc.RevokeJoinToken(op, "default", tok.ID)
	if err != nil || got.RevokedAt.IsZero() {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = e.svc.RevokeJoinToken(op, "default", "0000000000000000")
	wantCode(t, err, manage.CodeNotFound, "")
}

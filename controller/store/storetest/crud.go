package storetest

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func testNetworks(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	n := must(s.CreateNetwork(ctx, "corp", store.FullMesh))(t)
	if n.Name != "corp" || n.Topology != store.FullMesh || n.Revision != 1 || !n.CreatedAt.Equal(epoch) {
		t.Fatalf("created %+v", n)
	}
	_, err := s.CreateNetwork(ctx, "corp", store.HubAndSpoke)
	wantErr(t, err, store.ErrConflict, "name")
	if !strings.Contains(err.Error(), `network "corp" already exists`) {
		t.Errorf("conflict message %q does not name the network", err)
	}
	_, err = s.CreateNetwork(ctx, "Bad Name", store.FullMesh)
	wantErr(t, err, store.ErrInvalid, "name")
	_, err = s.CreateNetwork(ctx, "x", "ring")
	wantErr(t, err, store.ErrInvalid, "topology")
	n2 := must(s.SetTopology(ctx, "corp", store.HubAndSpoke))(t)
	if n2.Topology != store.HubAndSpoke || n2.Revision != 2 {
		t.Fatalf("after SetTopology %+v", n2)
	}
	got := must(s.Network(ctx, "corp"))(t)
	if got != n2 {
		t.Fatalf("Network = %+v, want %+v", got, n2)
	}
	must(s.CreateNetwork(ctx, "lab", store.FullMesh))(t)
	if ns := must(s.Networks(ctx))(t); len(ns) != 2 || ns[0].Name != "corp" || ns[1].Name != "lab" {
		t.Fatalf("Networks = %+v", ns)
	}
	ok(t, s.DeleteNetwork(ctx, "lab"))
	wantErr(t, s.DeleteNetwork(ctx, "lab"), store.ErrNotFound, "")
	_, err = s.Network(ctx, "lab")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.SetTopology(ctx, "nope", store.FullMesh)
	wantErr(t, err, store.ErrNotFound, "")
}

func setupNet(t *testing.T, e *env, topo store.Topology, sites ...store.SiteSpec) {
	t.Helper()
	must(e.s.CreateNetwork(e.ctx, "corp", topo))(t)
	for _, sp := range sites {
		must(e.s.CreateSite(e.ctx, "corp", sp))(t)
	}
}

// SiteSpec returns a spoke's spec with a fresh key.
func SiteSpec(name string) store.SiteSpec { return spoke(name) }

func hub(name string) store.SiteSpec {
	return store.SiteSpec{Name: name, Role: store.Hub, PublicKey: Key()}
}
func spoke(name string) store.SiteSpec {
	return store.SiteSpec{Name: name, Role: store.Spoke, PublicKey: Key()}
}

func testSites(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	a := hub("hq")
	st := must(s.CreateSite(ctx, "corp", a))(t)
	if st.Name != "hq" || st.Role != store.Hub || st.PublicKey != a.PublicKey || st.State != store.Enrolled ||
		!st.LastSeen.IsZero() || !st.CreatedAt.Equal(epoch) || st.Network != "corp" {
		t.Fatalf("created %+v", st)
	}
	_, err := s.CreateSite(ctx, "corp", store.SiteSpec{Name: "hq", Role: store.Spoke, PublicKey: Key()})
	wantErr(t, err, store.ErrConflict, "name")
	_, err = s.CreateSite(ctx, "corp", store.SiteSpec{Name: "b", Role: store.Spoke, PublicKey: a.PublicKey})
	wantErr(t, err, store.ErrConflict, "public_key")
	_, err = s.CreateSite(ctx, "corp", store.SiteSpec{Name: "b", Role: "leaf", PublicKey: Key()})
	wantErr(t, err, store.ErrInvalid, "role")
	_, err = s.CreateSite(ctx, "corp", store.SiteSpec{Name: "b", Role: store.Spoke, PublicKey: "abc"})
	wantErr(t, err, store.ErrInvalid, "public_key")
	_, err = s.CreateSite(ctx, "nope", spoke("b"))
	wantErr(t, err, store.ErrNotFound, "")

	a.Role = store.Spoke
	a.PublicKey = Key()
	up := must(s.UpdateSite(ctx, "corp", a))(t)
	if up.Role != store.Spoke || up.PublicKey != a.PublicKey {
		t.Fatalf("updated %+v", up)
	}
	_, err = s.UpdateSite(ctx, "corp", spoke("ghost"))
	wantErr(t, err, store.ErrNotFound, "")

	seen := epoch.Add(90 * time.Second)
	rev := must(s.Network(ctx, "corp"))(t).Revision
	ok(t, s.TouchSite(ctx, "corp", "hq", seen))
	if got := must(s.Site(ctx, "corp", "hq"))(t); !got.LastSeen.Equal(seen) {
		t.Fatalf("LastSeen = %v, want %v", got.LastSeen, seen)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev {
		t.Fatalf("TouchSite moved the revision %d → %d", rev, r)
	}
	wantErr(t, s.TouchSite(ctx, "corp", "ghost", seen), store.ErrNotFound, "")

	rv := must(s.RevokeSite(ctx, "corp", "hq"))(t)
	if rv.State != store.Revoked {
		t.Fatalf("revoked %+v", rv)
	}
	_, err = s.RevokeSite(ctx, "corp", "ghost")
	wantErr(t, err, store.ErrNotFound, "")
	must(s.CreateSite(ctx, "corp", spoke("b")))(t)
	if ss := must(s.Sites(ctx, "corp"))(t); len(ss) != 2 || ss[0].Name != "b" || ss[1].Name != "hq" {
		t.Fatalf("Sites = %+v", ss)
	}
	ok(t, s.DeleteSite(ctx, "corp", "b"))
	wantErr(t, s.DeleteSite(ctx, "corp", "b"), store.ErrNotFound, "")
	_, err = s.Site(ctx, "corp", "b")
	wantErr(t, err, store.ErrNotFound, "")
}

func testLinks(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("hq"))
	spec := store.LinkSpec{Name: "inet", Colour: "internet", Cost: 10, BandwidthKbps: 100000, Endpoint: "192.0.2.1:51820",
		Interface: "eth0", LocalAddress: "10.0.0.2", ListenPort: 51820}
	l := must(s.PutLink(ctx, "corp", "hq", spec))(t)
	if l.ID == 0 || l.Site != "hq" || l.LinkSpec != spec {
		t.Fatalf("put %+v", l)
	}
	spec.Cost, spec.Endpoint = 5, "[2001:db8::1]:51820"
	l2 := must(s.PutLink(ctx, "corp", "hq", spec))(t)
	if l2.ID != l.ID {
		t.Fatalf("PutLink of an existing name made a new link %d (was %d)", l2.ID, l.ID)
	}
	must(s.PutLink(ctx, "corp", "hq", store.LinkSpec{Name: "lte", Colour: "lte", Cost: 20}))(t)
	ls := must(s.Links(ctx, "corp", "hq"))(t)
	if len(ls) != 2 || ls[0].LinkSpec != spec || ls[1].Name != "lte" || ls[1].Endpoint != "" {
		t.Fatalf("Links = %+v", ls)
	}
	for _, bad := range []struct {
		spec  store.LinkSpec
		field string
	}{
		{store.LinkSpec{Name: "x", Colour: "c", Cost: -1}, "cost"},
		{store.LinkSpec{Name: "x", Colour: "c", BandwidthKbps: -1}, "bandwidth_kbps"},
		{store.LinkSpec{Name: "x", Colour: "c", Endpoint: "host:1"}, "endpoint"},
		{store.LinkSpec{Name: "x", Colour: ""}, "colour"},
		{store.LinkSpec{Name: "", Colour: "c"}, "name"},
		{store.LinkSpec{Name: "x", Colour: "c", Interface: "eth0:1"}, "interface"},
		{store.LinkSpec{Name: "x", Colour: "c", LocalAddress: "10.0.0"}, "local_address"},
		{store.LinkSpec{Name: "x", Colour: "c", ListenPort: 65536}, "listen_port"},
	} {
		_, err := s.PutLink(ctx, "corp", "hq", bad.spec)
		wantErr(t, err, store.ErrInvalid, bad.field)
	}
	_, err := s.PutLink(ctx, "corp", "ghost", spec)
	wantErr(t, err, store.ErrNotFound, "")
	ok(t, s.DeleteLink(ctx, "corp", "hq", "lte"))
	wantErr(t, s.DeleteLink(ctx, "corp", "hq", "lte"), store.ErrNotFound, "")
	ok(t, s.DeleteSite(ctx, "corp", "hq"))
	if n := must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM links"))(t); n != 0 {
		t.Fatalf("%d links left after their site was deleted", n)
	}
}

func testPrefixes(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	p := netip.MustParsePrefix("10.1.0.0/24")
	pr := must(s.AddPrefix(ctx, "corp", "a", p))(t)
	if pr.ID == 0 || pr.Site != "a" || pr.Prefix != p {
		t.Fatalf("added %+v", pr)
	}
	_, err := s.AddPrefix(ctx, "corp", "b", p)
	wantErr(t, err, store.ErrConflict, "prefix")
	if !strings.Contains(err.Error(), `already belongs to site "a"`) {
		t.Fatalf("conflict %q does not name the owner", err)
	}
	_, err = s.AddPrefix(ctx, "corp", "a", p)
	wantErr(t, err, store.ErrConflict, "prefix")
	_, err = s.AddPrefix(ctx, "corp", "b", netip.MustParsePrefix("10.1.0.1/24"))
	wantErr(t, err, store.ErrInvalid, "prefix")
	_, err = s.AddPrefix(ctx, "corp", "b", netip.Prefix{})
	wantErr(t, err, store.ErrInvalid, "prefix")
	must(s.AddPrefix(ctx, "corp", "b", netip.MustParsePrefix("fd10:0:2::/64")))(t)
	must(s.AddPrefix(ctx, "corp", "b", netip.MustParsePrefix("10.2.0.0/24")))(t)
	ps := must(s.Prefixes(ctx, "corp"))(t)
	if len(ps) != 3 || ps[0].Site != "a" || ps[1].Site != "b" {
		t.Fatalf("Prefixes = %+v", ps)
	}
	// The same prefix in another network is another prefix.
	must(s.CreateNetwork(ctx, "other", store.FullMesh))(t)
	must(s.CreateSite(ctx, "other", spoke("c")))(t)
	must(s.AddPrefix(ctx, "other", "c", p))(t)
	// The database enforces one owner even when the store's check is bypassed.
	if err := h.Exec(ctx, e.loc, `INSERT INTO prefixes (network_id, site_id, prefix)
		SELECT network_id, id, '10.1.0.0/24' FROM sites WHERE name = 'b'`); err == nil {
		t.Fatal("database accepted a second owner of 10.1.0.0/24")
	}
	ok(t, s.DeletePrefix(ctx, "corp", p))
	wantErr(t, s.DeletePrefix(ctx, "corp", p), store.ErrNotFound, "")
	must(s.AddPrefix(ctx, "corp", "b", p))(t)
}

func testPaths(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("hq"), spoke("s1"), spoke("s2"))
	for _, site := range []string{"hq", "s1", "s2"} {
		must(s.PutLink(ctx, "corp", site, store.LinkSpec{Name: "inet", Colour: "internet", Cost: 10}))(t)
	}
	must(s.PutLink(ctx, "corp", "hq", store.LinkSpec{Name: "mpls", Colour: "mpls", Cost: 5}))(t)
	names := func() []string {
		var out []string
		for _, p := range must(s.Paths(ctx, "corp"))(t) {
			out = append(out, p.Name)
		}
		return out
	}
	want := []string{"hq/inet~s1/inet", "hq/inet~s2/inet", "hq/mpls~s1/inet", "hq/mpls~s2/inet", "s1/inet~s2/inet"}
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("full mesh paths = %v, want %v", got, want)
	}
	must(s.SetTopology(ctx, "corp", store.HubAndSpoke))(t)
	want = want[:4]
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("hub-and-spoke paths = %v, want %v", got, want)
	}
	must(s.RevokeSite(ctx, "corp", "s2"))(t)
	want = []string{"hq/inet~s1/inet", "hq/mpls~s1/inet"}
	if got := names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths without revoked s2 = %v, want %v", got, want)
	}
	_, err := s.Paths(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "")
}

func testClassesApps(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	c := store.SLAClass{Name: "voice", MaxLatency: 150 * time.Millisecond, MaxJitter: 30 * time.Millisecond, MaxLossPct: 1}
	c = must(s.PutSLAClass(ctx, "corp", c))(t)
	c.MaxLossPct = 0.5
	c2 := must(s.PutSLAClass(ctx, "corp", c))(t)
	if c2.ID != c.ID {
		t.Fatalf("PutSLAClass made a new class")
	}
	if got := must(s.SLAClasses(ctx, "corp"))(t); len(got) != 1 || got[0] != c2 {
		t.Fatalf("SLAClasses = %+v, want [%+v]", got, c2)
	}
	_, err := s.PutSLAClass(ctx, "corp", store.SLAClass{Name: "x", MaxLossPct: 101})
	wantErr(t, err, store.ErrInvalid, "max_loss_pct")
	_, err = s.PutSLAClass(ctx, "corp", store.SLAClass{Name: "x", MaxLatency: -1})
	wantErr(t, err, store.ErrInvalid, "max_latency")

	a := store.Application{Name: "web", Protocol: "tcp", Ports: []store.PortRange{{From: 80, To: 80}, {From: 8000, To: 8080}},
		Prefixes: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}, DSCP: -1}
	a = must(s.PutApplication(ctx, "corp", a))(t)
	v := must(s.PutApplication(ctx, "corp", store.Application{Name: "voip", Protocol: "udp", DSCP: 46}))(t)
	got := must(s.Applications(ctx, "corp"))(t)
	if len(got) != 2 || !reflect.DeepEqual(got[0], v) || !reflect.DeepEqual(got[1], a) {
		t.Fatalf("Applications = %+v", got)
	}
	for _, bad := range []struct {
		a     store.Application
		field string
	}{
		{store.Application{Name: "x", Protocol: "sctp"}, "protocol"},
		{store.Application{Name: "x", Protocol: "tcp", Ports: []store.PortRange{{From: 9, To: 8}}}, "ports"},
		{store.Application{Name: "x", Protocol: "any", Ports: []store.PortRange{{From: 1, To: 8}}}, "ports"},
		{store.Application{Name: "x", Protocol: "any", DSCP: 64}, "dscp"},
		{store.Application{Name: "x", Protocol: "any", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/8")}}, "prefixes"},
	} {
		_, err := s.PutApplication(ctx, "corp", bad.a)
		wantErr(t, err, store.ErrInvalid, bad.field)
	}
	ok(t, s.DeleteApplication(ctx, "corp", "voip"))
	wantErr(t, s.DeleteApplication(ctx, "corp", "voip"), store.ErrNotFound, "")
	ok(t, s.DeleteSLAClass(ctx, "corp", "voice"))
	wantErr(t, s.DeleteSLAClass(ctx, "corp", "voice"), store.ErrNotFound, "")
}

func testPolicies(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	must(s.PutSLAClass(ctx, "corp", store.SLAClass{Name: "voice", MaxLatency: 150 * time.Millisecond}))(t)
	must(s.PutApplication(ctx, "corp", store.Application{Name: "voip", Protocol: "udp", DSCP: 46}))(t)
	must(s.PutApplication(ctx, "corp", store.Application{Name: "web", Protocol: "tcp", DSCP: -1}))(t)
	p := store.Policy{Name: "default", Rules: []store.Rule{
		{Application: "voip", SLAClass: "voice", Mode: store.Duplicate, Colours: []string{"mpls", "internet"}},
		{Application: "web", Mode: store.LoadBalance},
	}}
	p = must(s.PutPolicy(ctx, "corp", p))(t)
	got := must(s.Policy(ctx, "corp", "default"))(t)
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("Policy = %+v, want %+v", got, p)
	}
	// Replace with the rules reversed: order is kept.
	p.Rules[0], p.Rules[1] = p.Rules[1], p.Rules[0]
	must(s.PutPolicy(ctx, "corp", p))(t)
	if got := must(s.Policy(ctx, "corp", "default"))(t); !reflect.DeepEqual(got, p) {
		t.Fatalf("after reorder Policy = %+v, want %+v", got, p)
	}
	must(s.PutPolicy(ctx, "corp", store.Policy{Name: "empty"}))(t)
	if ps := must(s.Policies(ctx, "corp"))(t); len(ps) != 2 || ps[0].Name != "default" || ps[1].Name != "empty" || len(ps[1].Rules) != 0 {
		t.Fatalf("Policies = %+v", ps)
	}
	_, err := s.PutPolicy(ctx, "corp", store.Policy{Name: "bad", Rules: []store.Rule{{Application: "web", Mode: store.BestPath}, {Application: "ftp", Mode: store.BestPath}}})
	wantErr(t, err, store.ErrConstraint, "rules[1].application")
	_, err = s.PutPolicy(ctx, "corp", store.Policy{Name: "bad", Rules: []store.Rule{{Application: "web", SLAClass: "gold", Mode: store.BestPath}}})
	wantErr(t, err, store.ErrConstraint, "rules[0].sla_class")
	_, err = s.PutPolicy(ctx, "corp", store.Policy{Name: "bad", Rules: []store.Rule{{Application: "web", Mode: "random"}}})
	wantErr(t, err, store.ErrInvalid, "rules[0].mode")
	if _, err := s.Policy(ctx, "corp", "bad"); err == nil {
		t.Fatal("a refused policy was stored")
	}
	// Referenced applications and classes cannot be deleted.
	err = s.DeleteApplication(ctx, "corp", "voip")
	wantErr(t, err, store.ErrConstraint, "")
	if !strings.Contains(err.Error(), `application "voip" is still used by a policy rule`) {
		t.Fatalf("error %q does not say why", err)
	}
	wantErr(t, s.DeleteSLAClass(ctx, "corp", "voice"), store.ErrConstraint, "")
	ok(t, s.DeletePolicy(ctx, "corp", "default"))
	ok(t, s.DeleteApplication(ctx, "corp", "voip"))
	ok(t, s.DeleteSLAClass(ctx, "corp", "voice"))
	_, err = s.Policy(ctx, "corp", "default")
	wantErr(t, err, store.ErrNotFound, "")
}

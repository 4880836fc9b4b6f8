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
	// Overlapping prefixes, wider or narrower, are refused naming the other.
	for _, o := range []string{"10.0.0.0/8", "10.1.0.128/25", "0.0.0.0/0", "fd10::/32"} {
		_, err = s.AddPrefix(ctx, "corp", "b", netip.MustParsePrefix(o))
		wantErr(t, err, store.ErrConflict, "prefix")
		if !strings.Contains(err.Error(), "overlaps") {
			t.Fatalf("%s: %q does not say what it overlaps", o, err)
		}
	}
	// A prefix may not cover a link's endpoint, nor an endpoint lie in a prefix.
	must(s.PutLink(ctx, "corp", "a", store.LinkSpec{Name: "inet", Colour: "inet", Endpoint: "198.51.100.7:51820"}))(t)
	_, err = s.AddPrefix(ctx, "corp", "b", netip.MustParsePrefix("198.51.100.0/24"))
	wantErr(t, err, store.ErrConflict, "prefix")
	if !strings.Contains(err.Error(), `link "inet" of site "a"`) {
		t.Fatalf("%q does not name the link whose endpoint it covers", err)
	}
	_, err = s.PutLink(ctx, "corp", "b", store.LinkSpec{Name: "lte", Colour: "lte", Endpoint: "10.2.0.9:51820"})
	wantErr(t, err, store.ErrConflict, "endpoint")
	if links := must(s.Links(ctx, "corp", "b"))(t); len(links) != 0 {
		t.Fatalf("a refused link was stored: %+v", links)
	}
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

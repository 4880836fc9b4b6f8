package storetest

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// pinNet makes network corp with sites a and b, each with links inet
// and lte, and site c without links.
func pinNet(t *testing.T, e *env) {
	t.Helper()
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"), spoke("c"))
	for _, site := range []string{"a", "b"} {
		for _, l := range []string{"inet", "lte"} {
			must(e.s.PutLink(e.ctx, "corp", site, store.LinkSpec{Name: l, Colour: l}))(t)
		}
	}
}

func testPins(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	pinNet(t, e)
	rev := must(s.Network(ctx, "corp"))(t).Revision
	// SQL metacharacters in the one free-text field are data.
	actor := `o'brien"; DROP TABLE pins; --`
	m := store.PinMatch{Protocol: 6, Dst: netip.MustParsePrefix("10.2.0.0/24"), DstPort: 443}
	spec := store.PinSpec{Site: "a", Match: m, Path: "a/lte->b/lte", CreatedBy: actor}
	p := must(s.PutPin(ctx, "corp", spec))(t)
	if p.ID == 0 || p.Network != "corp" || p.PinSpec != spec || !p.CreatedAt.Equal(epoch) || !p.Active(epoch.Add(1000*time.Hour)) {
		t.Fatalf("put %+v", p)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev+1 {
		t.Fatalf("revision %d after PutPin, want %d", r, rev+1)
	}
	// The other end first: stored from the pinning site's end. Same site
	// and match: replaced, same ID.
	e.clock.Advance(time.Minute)
	exp := epoch.Add(time.Hour)
	p2 := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "a", Match: m, Path: "b/inet->a/inet", ExpiresAt: exp, CreatedBy: "ops"}))(t)
	if p2.ID != p.ID || p2.Path != "a/inet->b/inet" || !p2.ExpiresAt.Equal(exp) || p2.CreatedBy != "ops" {
		t.Fatalf("replaced %+v (first %+v)", p2, p)
	}
	any := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "b", Path: "b/lte->a/inet", CreatedBy: "ops"}))(t)
	src := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "a", Match: store.PinMatch{Src: netip.MustParsePrefix("fd10:0:1::/64")},
		Path: "a/lte->b/inet", CreatedBy: actor}))(t)

	all := must(s.Pins(ctx, "corp", ""))(t)
	if len(all) != 3 || all[0].ID != p.ID || all[1].ID != any.ID || all[2].ID != src.ID {
		t.Fatalf("Pins = %+v", all)
	}
	if all[0].PinSpec != p2.PinSpec || all[1].Match != (store.PinMatch{}) || all[2].CreatedBy != actor || all[2].Match != src.Match {
		t.Fatalf("stored pins %+v", all)
	}
	if ps := must(s.Pins(ctx, "corp", "a"))(t); len(ps) != 2 || ps[0].ID != p.ID || ps[1].ID != src.ID {
		t.Fatalf("Pins of a = %+v", ps)
	}
	if ps := must(s.Pins(ctx, "corp", "c"))(t); len(ps) != 0 {
		t.Fatalf("Pins of c = %+v", ps)
	}
	_, err := s.Pins(ctx, "corp", "ghost")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.Pins(ctx, "nope", "")
	wantErr(t, err, store.ErrNotFound, "")

	rev = must(s.Network(ctx, "corp"))(t).Revision
	ok(t, s.DeletePin(ctx, "corp", any.ID))
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev+1 {
		t.Fatalf("revision %d after DeletePin, want %d", r, rev+1)
	}
	wantErr(t, s.DeletePin(ctx, "corp", any.ID), store.ErrNotFound, "")
	wantErr(t, s.DeletePin(ctx, "nope", p.ID), store.ErrNotFound, "")
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev+1 {
		t.Fatalf("a refused delete moved the revision to %d", r)
	}
	// A site's pins go with it.
	ok(t, s.DeleteSite(ctx, "corp", "a"))
	if ps := must(s.Pins(ctx, "corp", ""))(t); len(ps) != 0 {
		t.Fatalf("pins after deleting their site: %+v", ps)
	}
}

func testPinValidation(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	pinNet(t, e)
	good := store.PinSpec{Site: "a", Path: "a/inet->b/lte", CreatedBy: "ops"}
	with := func(f func(*store.PinSpec)) store.PinSpec {
		sp := good
		f(&sp)
		return sp
	}
	rev := must(s.Network(ctx, "corp"))(t).Revision
	for _, bad := range []struct {
		name  string
		spec  store.PinSpec
		kind  error
		field string
	}{
		{"site name", with(func(p *store.PinSpec) { p.Site = "A'; --" }), store.ErrInvalid, "site"},
		{"unknown site", with(func(p *store.PinSpec) { p.Site, p.Path = "ghost", "ghost/inet->b/lte" }), store.ErrNotFound, ""},
		{"path syntax", with(func(p *store.PinSpec) { p.Path = "a/inet~b/lte" }), store.ErrInvalid, "path"},
		{"path metacharacters", with(func(p *store.PinSpec) { p.Path = "a/inet'->b/lte" }), store.ErrInvalid, "path"},
		{"path to itself", with(func(p *store.PinSpec) { p.Path = "a/inet->a/lte" }), store.ErrInvalid, "path"},
		{"not an end", with(func(p *store.PinSpec) { p.Site, p.Path = "c", "a/inet->b/lte" }), store.ErrInvalid, "path"},
		{"no such local link", with(func(p *store.PinSpec) { p.Path = "a/mpls->b/lte" }), store.ErrInvalid, "path"},
		{"no such peer link", with(func(p *store.PinSpec) { p.Path = "a/inet->b/mpls" }), store.ErrInvalid, "path"},
		{"no such peer", with(func(p *store.PinSpec) { p.Path = "a/inet->zz/lte" }), store.ErrInvalid, "path"},
		{"ports without tcp or udp", with(func(p *store.PinSpec) { p.Match.DstPort = 53 }), store.ErrInvalid, "match.protocol"},
		{"src host bits", with(func(p *store.PinSpec) { p.Match.Src = netip.MustParsePrefix("10.1.0.1/24") }), store.ErrInvalid, "match.src"},
		{"dst host bits", with(func(p *store.PinSpec) { p.Match.Dst = netip.MustParsePrefix("fd00::1/64") }), store.ErrInvalid, "match.dst"},
		{"expired", with(func(p *store.PinSpec) { p.ExpiresAt = epoch }), store.ErrInvalid, "expires_at"},
		{"no author", with(func(p *store.PinSpec) { p.CreatedBy = "" }), store.ErrInvalid, "created_by"},
		{"author control characters", with(func(p *store.PinSpec) { p.CreatedBy = "a\nb" }), store.ErrInvalid, "created_by"},
		{"author too long", with(func(p *store.PinSpec) { p.CreatedBy = strings.Repeat("x", 257) }), store.ErrInvalid, "created_by"},
	} {
		_, err := s.PutPin(ctx, "corp", bad.spec)
		if err == nil {
			t.Fatalf("%s: accepted %+v", bad.name, bad.spec)
		}
		wantErr(t, err, bad.kind, bad.field)
	}
	_, err := s.PutPin(ctx, "nope", good)
	wantErr(t, err, store.ErrNotFound, "")
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev {
		t.Fatalf("refused pins moved the revision %d → %d", rev, r)
	}
	if ps := must(s.Pins(ctx, "corp", ""))(t); len(ps) != 0 {
		t.Fatalf("refused pins stored: %+v", ps)
	}
}

func testPinExpiry(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	pinNet(t, e)
	must(s.CreateNetwork(ctx, "lab", store.FullMesh))(t)
	if next := must(s.ExpirePins(ctx, epoch))(t); !next.IsZero() {
		t.Fatalf("next expiry %v with no pins", next)
	}
	soon, later := epoch.Add(time.Minute), epoch.Add(time.Hour)
	short := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "a", Path: "a/inet->b/inet", ExpiresAt: soon, CreatedBy: "ops"}))(t)
	long := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "b", Path: "b/lte->a/lte", ExpiresAt: later, CreatedBy: "ops"}))(t)
	forever := must(s.PutPin(ctx, "corp", store.PinSpec{Site: "a", Match: store.PinMatch{Protocol: 17}, Path: "a/lte->b/lte", CreatedBy: "ops"}))(t)
	if short.Active(soon) || !short.Active(soon.Add(-time.Microsecond)) || !forever.Active(later) {
		t.Fatal("Active is wrong about expiry")
	}
	corp := must(s.Network(ctx, "corp"))(t).Revision
	lab := must(s.Network(ctx, "lab"))(t).Revision
	if next := must(s.ExpirePins(ctx, soon.Add(-time.Second)))(t); !next.Equal(soon) {
		t.Fatalf("next expiry %v, want %v", next, soon)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != corp {
		t.Fatalf("ExpirePins with nothing due moved the revision %d → %d", corp, r)
	}
	if next := must(s.ExpirePins(ctx, soon))(t); !next.Equal(later) {
		t.Fatalf("next expiry %v after the first, want %v", next, later)
	}
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != corp+1 {
		t.Fatalf("revision %d after an expiry, want %d", r, corp+1)
	}
	if r := must(s.Network(ctx, "lab"))(t).Revision; r != lab {
		t.Fatalf("another network's revision moved %d → %d", lab, r)
	}
	ps := must(s.Pins(ctx, "corp", ""))(t)
	if len(ps) != 2 || ps[0].ID != long.ID || ps[1].ID != forever.ID {
		t.Fatalf("pins after the first expiry: %+v", ps)
	}
	if next := must(s.ExpirePins(ctx, later.Add(time.Hour)))(t); !next.IsZero() {
		t.Fatalf("next expiry %v with only a pin that never expires", next)
	}
	if ps := must(s.Pins(ctx, "corp", ""))(t); len(ps) != 1 || ps[0].ID != forever.ID {
		t.Fatalf("pins after every expiry: %+v", ps)
	}
}

package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testEdgeSettings: a site's edge settings are stored whole, bump the
// revision, are listed by site, go with their site, and bad numbers are
// refused by field.
func testEdgeSettings(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	if got := must(s.SiteEdgeSettings(ctx, "corp", "a"))(t); !reflect.ValueOf(got).IsZero() {
		t.Fatalf("a site without settings: %+v", got)
	}
	_, err := s.SiteEdgeSettings(ctx, "corp", "nope")
	wantErr(t, err, store.ErrNotFound, "")
	rev := must(s.Network(ctx, "corp"))(t).Revision
	on, off := true, false
	want := store.EdgeSettings{Compression: &on, BFD: &store.BFDTimers{TxInterval: 200 * time.Millisecond, Multiplier: 4},
		BFDByColor:  map[string]store.BFDTimers{"lte": {TxInterval: time.Second, RxInterval: time.Second, Multiplier: 3}},
		BFDAdaptive: &store.BFDAdaptive{Enabled: &off, RealtimeInterval: 40 * time.Millisecond}, OverlayMTU: 1380}
	ok(t, s.PutSiteEdgeSettings(ctx, "corp", "a", want))
	if got := must(s.SiteEdgeSettings(ctx, "corp", "a"))(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("SiteEdgeSettings = %+v, want %+v", got, want)
	}
	if n := must(s.Network(ctx, "corp"))(t); n.Revision <= rev {
		t.Fatal("PutSiteEdgeSettings did not bump the revision")
	}
	if all := must(s.EdgeSettingsOf(ctx, "corp"))(t); len(all) != 1 || all["a"].OverlayMTU != 1380 {
		t.Fatalf("EdgeSettingsOf = %+v", all)
	}
	wantErr(t, s.PutSiteEdgeSettings(ctx, "corp", "a", store.EdgeSettings{OverlayMTU: 100}), store.ErrInvalid, "overlay_mtu")
	wantErr(t, s.PutSiteEdgeSettings(ctx, "corp", "a", store.EdgeSettings{BFDByColor: map[string]store.BFDTimers{"lte": {Multiplier: 300}}}),
		store.ErrInvalid, "bfd_by_color.lte.multiplier")
	ok(t, s.PutSiteEdgeSettings(ctx, "corp", "a", store.EdgeSettings{})) // back to the defaults
	if all := must(s.EdgeSettingsOf(ctx, "corp"))(t); len(all) != 0 {
		t.Fatalf("after clearing: %+v", all)
	}
	ok(t, s.PutSiteEdgeSettings(ctx, "corp", "b", want))
	ok(t, s.DeleteSite(ctx, "corp", "b"))
	if all := must(s.EdgeSettingsOf(ctx, "corp"))(t); len(all) != 0 {
		t.Fatalf("a deleted site's settings stayed: %+v", all)
	}
}

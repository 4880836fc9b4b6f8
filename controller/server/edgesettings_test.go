package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestEdgeSettingsPushed: a site's edge settings set through the Admin
// API reach its edge in the next revision — compression, BFD timers,
// the BFD timers of a colour its links have (not those of a colour they
// lack), adaptive BFD, the overlay MTU — and not another site's; bad
// values are refused naming the request's field, and nothing changes.
func TestEdgeSettingsPushed(t *testing.T) {
	c := startSQLite(t)
	c.network("corp", store.FullMesh)
	a, b := c.enrol("corp", "a"), c.enrol("corp", "b")
	for _, l := range []*pb.WanLink{{SiteName: "a", Name: "inet", Color: "inet"}, {SiteName: "a", Name: "lte", Color: "lte"},
		{SiteName: "b", Name: "inet", Color: "inet"}} {
		if _, err := c.admin.PutLink(ctxT(t), &pb.PutLinkRequest{Network: "corp", Link: l}); err != nil {
			t.Fatal(err)
		}
	}
	wa := a.watch(t, 0)
	first := wa.next(pushWithin, "first", func(*pb.EdgeConfig) bool { return true })
	if first.Defaults != nil || first.BfdAdaptive != nil || first.Overlay != nil {
		t.Fatalf("without settings: defaults %v, bfd_adaptive %v, overlay %v", first.Defaults, first.BfdAdaptive, first.Overlay)
	}
	on, off := true, false
	ms := func(n int) *durationpb.Duration { return durationpb.New(time.Duration(n) * time.Millisecond) }
	set := &pb.EdgeSettings{Compression: &on, Bfd: &pb.BfdTimers{TxInterval: ms(200), RxInterval: ms(200), Multiplier: 4},
		BfdByColor:  map[string]*pb.BfdTimers{"lte": {TxInterval: ms(1000), RxInterval: ms(1000)}, "mpls": {Multiplier: 5}},
		BfdAdaptive: &pb.BfdAdaptive{Enabled: &off, IdleRxInterval: ms(2000)}, OverlayMtu: 1380}
	got, err := c.admin.SetEdgeSettings(ctxT(t), &pb.SetEdgeSettingsRequest{Network: "corp", SiteName: "a", Settings: set})
	if err != nil || got.Settings.GetOverlayMtu() != 1380 || len(got.Settings.BfdByColor) != 2 {
		t.Fatalf("SetEdgeSettings = %v, %v", got, err)
	}
	cfg := wa.next(pushWithin, "settings", func(c *pb.EdgeConfig) bool { return c.Overlay.GetMtu() == 1380 })
	d := cfg.Defaults
	if !d.GetCompression() || d.GetBfd().GetMultiplier() != 4 || d.GetBfd().GetTxInterval().AsDuration() != 200*time.Millisecond ||
		len(d.GetBfdByColor()) != 1 || d.GetBfdByColor()["lte"].GetTxInterval().AsDuration() != time.Second ||
		cfg.BfdAdaptive.GetEnabled() || cfg.BfdAdaptive.GetIdleRxInterval().AsDuration() != 2*time.Second {
		t.Fatalf("pushed defaults %v, bfd_adaptive %v", d, cfg.BfdAdaptive)
	}
	if got := b.watch(t, 0).next(pushWithin, "b's", func(*pb.EdgeConfig) bool { return true }); got.Defaults != nil || got.Overlay != nil {
		t.Fatalf("b got a's settings: %v, %v", got.Defaults, got.Overlay)
	}
	for _, bad := range []struct {
		set   *pb.EdgeSettings
		field string
	}{
		{&pb.EdgeSettings{OverlayMtu: 100}, "settings.overlay_mtu"},
		{&pb.EdgeSettings{Bfd: &pb.BfdTimers{Multiplier: 300}}, "settings.bfd.multiplier"},
		{&pb.EdgeSettings{BfdByColor: map[string]*pb.BfdTimers{"lte": {TxInterval: ms(-5)}}}, "settings.bfd_by_color.lte"},
		{&pb.EdgeSettings{BfdAdaptive: &pb.BfdAdaptive{RealtimeInterval: ms(-1)}}, "settings.bfd_adaptive.realtime_interval"},
	} {
		_, err := c.admin.SetEdgeSettings(ctxT(t), &pb.SetEdgeSettingsRequest{Network: "corp", SiteName: "a", Settings: bad.set})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%v: %v, want INVALID_ARGUMENT naming %s", bad.set, err, bad.field)
		}
	}
	if now, _ := c.admin.GetEdgeSettings(ctxT(t), &pb.GetEdgeSettingsRequest{Network: "corp", SiteName: "a"}); now.Settings.GetOverlayMtu() != 1380 {
		t.Errorf("after refusals: %v", now)
	}
	if _, err := c.admin.GetEdgeSettings(ctxT(t), &pb.GetEdgeSettingsRequest{Network: "corp", SiteName: "ghost"}); status.Code(err) != codes.NotFound {
		t.Errorf("unknown site: %v", err)
	}
}

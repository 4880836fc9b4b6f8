package server

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
	"github.com/patronus-sdwan/patronus/policy"
)

// A site's edge settings (store.EdgeSettings) reach its edge in
// EdgeConfig.defaults (compression, bfd, bfd_by_color), .bfd_adaptive and
// .overlay.mtu; the edge puts them in force without a restart
// (edge/dataplane Reconfigure). They are validated here by the edge's own
// rules (edge/config ValidateEdgeSettings), so that the operator hears
// of a bad value at once, by field path, rather than from an edge that
// refuses its configuration.

// addEdgeSettings puts a site's settings into its configuration. A
// colour none of the site's links has is left out: the edge refuses
// bfd_by_color for a colour it has no link of, and a link removed later
// must not make it refuse every configuration after.
func addEdgeSettings(cfg *pb.EdgeConfig, e store.EdgeSettings, links []store.Link) {
	es := edgeSettingsProto(e)
	colours := map[string]bool{}
	for _, l := range links {
		colours[l.Colour] = true
	}
	for col := range es.BfdByColor {
		if !colours[col] {
			delete(es.BfdByColor, col)
		}
	}
	if es.Compression != nil || es.Bfd != nil || len(es.BfdByColor) > 0 {
		cfg.Defaults = &pb.Defaults{Compression: es.Compression, Bfd: es.Bfd, BfdByColor: es.BfdByColor}
	}
	cfg.BfdAdaptive = es.BfdAdaptive
	if es.OverlayMtu != 0 {
		cfg.Overlay = &pb.Overlay{Mtu: es.OverlayMtu}
	}
}

func edgeSettingsProto(e store.EdgeSettings) *pb.EdgeSettings {
	out := &pb.EdgeSettings{Compression: e.Compression, Bfd: bfdProto(e.BFD), OverlayMtu: uint32(e.OverlayMTU)}
	for col, b := range e.BFDByColor {
		if out.BfdByColor == nil {
			out.BfdByColor = map[string]*pb.BfdTimers{}
		}
		out.BfdByColor[col] = bfdProto(&b)
	}
	if a := e.BFDAdaptive; a != nil {
		out.BfdAdaptive = &pb.BfdAdaptive{Enabled: a.Enabled, IdleRxInterval: dur(a.IdleRxInterval), RealtimeInterval: dur(a.RealtimeInterval)}
	}
	return out
}

func bfdProto(b *store.BFDTimers) *pb.BfdTimers {
	if b == nil {
		return nil
	}
	return &pb.BfdTimers{TxInterval: dur(b.TxInterval), RxInterval: dur(b.RxInterval), Multiplier: uint32(b.Multiplier)}
}

// dur is d as a Duration, nil when zero (the edge's default).
func dur(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}

// edgeSettingsOf is the store form of es, checked by the edge's rules;
// an error names the field (settings.bfd_by_color.lte.multiplier).
func edgeSettingsOf(es *pb.EdgeSettings) (store.EdgeSettings, error) {
	probe := &pb.EdgeConfig{Defaults: &pb.Defaults{Compression: es.Compression, Bfd: es.GetBfd(), BfdByColor: es.GetBfdByColor()},
		BfdAdaptive: es.GetBfdAdaptive()}
	if err := config.ValidateEdgeSettings(edgeDefaults(probe), int(es.GetOverlayMtu())); err != nil {
		return store.EdgeSettings{}, fieldStatus(err)
	}
	out := store.EdgeSettings{Compression: es.Compression, BFD: bfdOf(es.GetBfd()), OverlayMTU: int(es.GetOverlayMtu())}
	for col, b := range es.GetBfdByColor() {
		if out.BFDByColor == nil {
			out.BFDByColor = map[string]store.BFDTimers{}
		}
		out.BFDByColor[col] = *bfdOf(b)
	}
	if a := es.GetBfdAdaptive(); a != nil {
		out.BFDAdaptive = &store.BFDAdaptive{Enabled: a.Enabled, IdleRxInterval: a.GetIdleRxInterval().AsDuration(),
			RealtimeInterval: a.GetRealtimeInterval().AsDuration()}
	}
	return out, nil
}

func bfdOf(b *pb.BfdTimers) *store.BFDTimers {
	if b == nil {
		return nil
	}
	return &store.BFDTimers{TxInterval: b.GetTxInterval().AsDuration(), RxInterval: b.GetRxInterval().AsDuration(),
		Multiplier: int(b.GetMultiplier())}
}

// edgeDefaults is the defaults section an edge makes of pc (edge/agent's
// conversion, in the file's terms).
func edgeDefaults(pc *pb.EdgeConfig) config.Defaults {
	text := policy.DurationText
	timers := func(b *pb.BfdTimers) config.BFDDefaults {
		return config.BFDDefaults{TxInterval: text(b.GetTxInterval()), RxInterval: text(b.GetRxInterval()), Multiplier: int(b.GetMultiplier())}
	}
	d := config.Defaults{BFD: timers(pc.GetDefaults().GetBfd())}
	if c := pc.GetDefaults().Compression; c != nil {
		d.Compression = config.Switch{Given: true, On: *c}
	}
	for col, b := range pc.GetDefaults().GetBfdByColor() {
		if d.BFDByColor == nil {
			d.BFDByColor = map[string]config.BFDDefaults{}
		}
		d.BFDByColor[col] = timers(b)
	}
	if a := pc.GetBfdAdaptive(); a != nil {
		d.BFDAdaptive = config.BFDAdaptive{IdleRxInterval: text(a.GetIdleRxInterval()), RealtimeInterval: text(a.GetRealtimeInterval())}
		if a.Enabled != nil {
			d.BFDAdaptive.Enabled = config.Switch{Given: true, On: *a.Enabled}
		}
	}
	return d
}

// fieldStatus is INVALID_ARGUMENT naming every field of err by its path
// in SetEdgeSettingsRequest (the file's defaults.bfd.multiplier is
// settings.bfd.multiplier, overlay.mtu settings.overlay_mtu).
func fieldStatus(err error) error {
	path := strings.NewReplacer("defaults.", "settings.", "overlay.mtu", "settings.overlay_mtu")
	var l fielderr.List
	if !errors.As(err, &l) {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = path.Replace(e.Path) + ": " + e.Msg
	}
	return status.Error(codes.InvalidArgument, strings.Join(parts, "; "))
}

// GetEdgeSettings returns a site's edge settings.
func (a *admin) GetEdgeSettings(ctx context.Context, req *pb.GetEdgeSettingsRequest) (*pb.SiteEdgeSettings, error) {
	e, err := a.s.cfg.Store.SiteEdgeSettings(ctx, req.Network, req.SiteName)
	if err != nil {
		return nil, storeStatus(err)
	}
	return &pb.SiteEdgeSettings{Network: req.Network, SiteName: req.SiteName, Settings: edgeSettingsProto(e)}, nil
}

// SetEdgeSettings replaces a site's edge settings whole.
func (a *admin) SetEdgeSettings(ctx context.Context, req *pb.SetEdgeSettingsRequest) (*pb.SiteEdgeSettings, error) {
	es := req.GetSettings()
	if es == nil {
		es = &pb.EdgeSettings{}
	}
	e, err := edgeSettingsOf(proto.Clone(es).(*pb.EdgeSettings))
	if err != nil {
		return nil, err
	}
	if err := a.s.cfg.Store.PutSiteEdgeSettings(ctx, req.Network, req.SiteName, e); err != nil {
		return nil, storeStatus(err)
	}
	who := callerOf(ctx).ID.String()
	a.s.log.Info("edge settings changed", "network", req.Network, "site", req.SiteName, "by", who)
	a.s.event(ctx, req.Network, req.SiteName, "edge_settings_set", "by "+who)
	return a.GetEdgeSettings(ctx, &pb.GetEdgeSettingsRequest{Network: req.Network, SiteName: req.SiteName})
}

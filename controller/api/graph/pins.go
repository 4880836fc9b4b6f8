package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func pinModel(p store.Pin) *model.Pin {
	m := &model.PinMatch{Protocol: int64(p.Match.Protocol), SrcPort: int64(p.Match.SrcPort), DstPort: int64(p.Match.DstPort)}
	if p.Match.Src.IsValid() {
		s := p.Match.Src.String()
		m.Src = &s
	}
	if p.Match.Dst.IsValid() {
		s := p.Match.Dst.String()
		m.Dst = &s
	}
	return &model.Pin{NodeID: nodeID("Pin", p.Network, strconv.FormatInt(p.ID, 10)), ID: p.ID, Network: p.Network, Site: p.Site,
		Match: m, PathID: p.Path, ExpiresAt: timePtr(p.ExpiresAt), CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt}
}

func (r *queryResolver) Pins(ctx context.Context, network string, site *string) ([]*model.Pin, error) {
	pins, err := r.m.Pins(ctx, network, str(site))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Pin, len(pins))
	for i, p := range pins {
		out[i] = pinModel(p)
	}
	return out, nil
}

// pinNode finds a pin by its global ID's parts (network, id).
func (r *queryResolver) pinNode(ctx context.Context, network, id string) (model.Node, error) {
	pins, err := r.m.Pins(ctx, network, "")
	for _, p := range pins {
		if strconv.FormatInt(p.ID, 10) == id {
			return pinModel(p), nil
		}
	}
	return nil, err
}

func (r *mutationResolver) SetPin(ctx context.Context, network string, in model.PinInput) (*model.Pin, error) {
	var mt manage.PinMatchText
	if m := in.Match; m != nil {
		mt = manage.PinMatchText{Protocol: i64(m.Protocol), Src: str(m.Src), Dst: str(m.Dst), SrcPort: i64(m.SrcPort), DstPort: i64(m.DstPort)}
	}
	var ttl time.Duration
	if in.TTL != nil {
		ttl = *in.TTL
	}
	p, err := r.m.SetPin(ctx, network, manage.PinInput{Site: in.Site, Match: mt, Path: in.Path, TTL: ttl})
	if err != nil {
		return nil, err
	}
	return pinModel(p), nil
}

func (r *mutationResolver) DeletePin(ctx context.Context, network string, id int64) (*model.DeletePayload, error) {
	if err := r.m.DeletePin(ctx, network, id); err != nil {
		return nil, err
	}
	return deleted(nodeID("Pin", network, strconv.FormatInt(id, 10))), nil
}

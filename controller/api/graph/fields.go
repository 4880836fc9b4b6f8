package graph

import (
	"context"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
	"time"
)

type siteResolver struct{ *resolver }

func (r *siteResolver) Links(ctx context.Context, obj *model.Site) ([]*model.Link, error) {
	ls, err := r.m.Links(ctx, obj.Network, obj.Name)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Link, len(ls))
	for i, l := range ls {
		out[i] = link(obj.Network, l)
	}
	return out, nil
}

func (r *siteResolver) Prefixes(ctx context.Context, obj *model.Site) ([]string, error) {
	all, err := once(ctx, "prefixes/"+obj.Network, func() ([]store.Prefix, error) { return r.m.Prefixes(ctx, obj.Network, "") })
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range all {
		if p.Site == obj.Name {
			out = append(out, p.Prefix.String())
		}
	}
	return out, nil
}

// Paths lists the site's paths, each ID'd from the site. The network's
// paths are read once per operation however many sites ask.
func (r *siteResolver) Paths(ctx context.Context, obj *model.Site) ([]*model.Path, error) {
	all, err := once(ctx, "paths/"+obj.Network, func() ([]manage.Path, error) { return r.m.Paths(ctx, obj.Network, manage.PathFilter{}) })
	if err != nil {
		return nil, err
	}
	out := []*model.Path{}
	for _, p := range all {
		if p.A == obj.Name || p.B == obj.Name {
			out = append(out, path(obj.Network, p, obj.Name))
		}
	}
	return out, nil
}

type pathResolver struct{ *resolver }

func (r *pathResolver) History(ctx context.Context, obj *model.Path, from, to time.Time) (*model.PathHistory, error) {
	h, err := r.m.PathHistory(ctx, obj.Network, obj.ID, from, to)
	if err != nil {
		return nil, err
	}
	out := &model.PathHistory{Resolution: resolutions[h.Resolution], From: h.From, To: h.To, Points: make([]*model.PathPoint, len(h.Points))}
	for i, p := range h.Points {
		out.Points[i] = pathPoint(p)
	}
	return out, nil
}

// Node finds an object by its global ID; an ID of no object is null.
func (r *queryResolver) Node(ctx context.Context, id string) (model.Node, error) {
	typ, parts, ok := parseNodeID(id)
	if !ok {
		return nil, &manage.Error{Code: manage.CodeInvalidArgument, Field: "nodeId", Msg: "not a global ID of this API"}
	}
	n, err := r.node(ctx, typ, parts)
	if manage.CodeOf(err) == manage.CodeNotFound {
		return nil, nil
	}
	return n, err
}

func (r *queryResolver) node(ctx context.Context, typ string, parts []string) (model.Node, error) {
	switch {
	case typ == "Network" && len(parts) == 1:
		return r.Network(ctx, parts[0])
	case typ == "Site" && len(parts) == 2:
		return r.Site(ctx, parts[0], parts[1])
	case typ == "Path" && len(parts) >= 2:
		return r.Path(ctx, parts[0], storePathID(strings.Join(parts[1:], "/")))
	case typ == "Link" && len(parts) == 3:
		ls, err := r.m.Links(ctx, parts[0], parts[1])
		for _, l := range ls {
			if l.Name == parts[2] {
				return link(parts[0], l), nil
			}
		}
		return nil, err
	case typ == "Pin" && len(parts) == 2:
		return r.pinNode(ctx, parts[0], parts[1])
	case typ == "User" && len(parts) == 1:
		u, err := r.m.User(ctx, parts[0])
		if err != nil {
			return nil, err
		}
		return user(u), nil
	}
	return nil, nil
}

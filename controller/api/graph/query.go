package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

type queryResolver struct{ *resolver }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (r *queryResolver) Networks(ctx context.Context) ([]*model.Network, error) {
	nets, err := r.m.Networks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Network, len(nets))
	for i, n := range nets {
		out[i] = network(n)
	}
	return out, nil
}

func (r *queryResolver) Network(ctx context.Context, name string) (*model.Network, error) {
	n, err := r.m.Network(ctx, name)
	if err != nil {
		return nil, err
	}
	return network(n), nil
}

func siteFilter(f *model.SiteFilter) manage.SiteFilter {
	var out manage.SiteFilter
	if f == nil {
		return out
	}
	if f.Role != nil {
		out.Role = lower[store.Role](string(*f.Role))
	}
	if f.State != nil {
		out.State = lower[store.SiteState](string(*f.State))
	}
	out.Online, out.NamePrefix = f.Online, str(f.NamePrefix)
	return out
}

func (r *queryResolver) Sites(ctx context.Context, network string, filter *model.SiteFilter) ([]*model.Site, error) {
	sites, err := r.m.Sites(ctx, network, siteFilter(filter))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Site, len(sites))
	for i, s := range sites {
		out[i] = site(s)
	}
	return out, nil
}

func (r *queryResolver) SitesConnection(ctx context.Context, network string, filter *model.SiteFilter, first *int64, after *string) (*model.SiteConnection, error) {
	sites, err := r.Sites(ctx, network, filter)
	if err != nil {
		return nil, err
	}
	name := func(s *model.Site) string { return s.Name }
	p, err := paginate(sites, first, after, name, byName(name))
	if err != nil {
		return nil, err
	}
	out := &model.SiteConnection{Nodes: p.items, PageInfo: p.info, TotalCount: p.total, Edges: []*model.SiteEdge{}}
	for i, s := range p.items {
		out.Edges = append(out.Edges, &model.SiteEdge{Cursor: p.cursors[i], Node: s})
	}
	return out, nil
}

func (r *queryResolver) Site(ctx context.Context, network, name string) (*model.Site, error) {
	s, err := r.m.Site(ctx, network, name)
	if err != nil {
		return nil, err
	}
	return site(s), nil
}

func pathFilter(f *model.PathFilter) manage.PathFilter {
	var out manage.PathFilter
	if f == nil {
		return out
	}
	out.Site = str(f.Site)
	if f.State != nil {
		out.State = lower[store.PathState](string(*f.State))
	}
	return out
}

func (r *queryResolver) Paths(ctx context.Context, network string, filter *model.PathFilter, first *int64, after *string) (*model.PathConnection, error) {
	paths, err := r.m.Paths(ctx, network, pathFilter(filter))
	if err != nil {
		return nil, err
	}
	name := func(p manage.Path) string { return p.Name }
	p, err := paginate(paths, first, after, name, byName(name))
	if err != nil {
		return nil, err
	}
	out := &model.PathConnection{PageInfo: p.info, TotalCount: p.total, Nodes: []*model.Path{}, Edges: []*model.PathEdge{}}
	for i, v := range p.items {
		n := path(network, v, "")
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.PathEdge{Cursor: p.cursors[i], Node: n})
	}
	return out, nil
}

func (r *queryResolver) Path(ctx context.Context, network, id string) (*model.Path, error) {
	p, err := r.m.Path(ctx, network, id)
	if err != nil {
		return nil, err
	}
	from, _, _ := strings.Cut(id, "/")
	return path(network, p, from), nil
}

func (r *queryResolver) SteeringEvents(ctx context.Context, network string, filter *model.SteeringEventFilter, first *int64, after *string) (*model.SteeringEventConnection, error) {
	var f manage.EventFilter
	if filter != nil {
		f.Site, f.Kind = str(filter.Site), str(filter.Kind)
		if filter.Since != nil {
			f.Since = *filter.Since
		}
		if filter.Until != nil {
			f.Until = *filter.Until
		}
	}
	evs, err := r.m.Events(ctx, network, f)
	if err != nil {
		return nil, err
	}
	// Newest first (time, then ID): a later page has smaller keys.
	key := func(e store.Event) string { return timeKey(e.TS, fmt.Sprintf("%020d", e.ID)) }
	p, err := paginate(evs, first, after, key, func(e store.Event, k string) bool { return key(e) < k })
	if err != nil {
		return nil, err
	}
	out := &model.SteeringEventConnection{PageInfo: p.info, Nodes: []*model.SteeringEvent{}, Edges: []*model.SteeringEventEdge{}}
	for i, e := range p.items {
		n := steeringEvent(network, e)
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.SteeringEventEdge{Cursor: p.cursors[i], Node: n})
	}
	return out, nil
}

func (r *queryResolver) PolicySet(ctx context.Context, network string) (*model.PolicySet, error) {
	ps, err := r.m.PolicySet(ctx, network)
	if err != nil {
		return nil, err
	}
	return policySetModel(ps)
}

func (r *queryResolver) SLAClasses(ctx context.Context, network string) ([]*model.SLAClass, error) {
	ps, err := r.m.PolicySet(ctx, network)
	if err != nil {
		return nil, err
	}
	return slaClasses(ps)
}

func (r *queryResolver) Applications(ctx context.Context, network string) ([]*model.Application, error) {
	ps, err := r.m.PolicySet(ctx, network)
	if err != nil {
		return nil, err
	}
	return applications(ps)
}

func (r *queryResolver) JoinTokens(ctx context.Context, network string, first *int64, after *string) (*model.JoinTokenConnection, error) {
	toks, err := r.m.JoinTokens(ctx, network)
	if err != nil {
		return nil, err
	}
	// Newest first (creation time, then ID); the cursor is both.
	key := func(t store.JoinToken) string { return timeKey(t.CreatedAt, t.ID) }
	p, err := paginate(toks, first, after, key, func(t store.JoinToken, k string) bool { return key(t) < k })
	if err != nil {
		return nil, err
	}
	out := &model.JoinTokenConnection{PageInfo: p.info, TotalCount: p.total, Nodes: []*model.JoinToken{}, Edges: []*model.JoinTokenEdge{}}
	for i, t := range p.items {
		n := joinToken(t)
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.JoinTokenEdge{Cursor: p.cursors[i], Node: n})
	}
	return out, nil
}

// timeKey is a sort key of a time and a tie-breaker that orders as they
// do (fixed-width UTC with nanoseconds).
func timeKey(t time.Time, tie string) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000") + " " + tie
}

func (r *queryResolver) Users(ctx context.Context, first *int64, after *string) (*model.UserConnection, error) {
	users, err := r.m.Users(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(users, func(x, y auth.User) int { return strings.Compare(x.Name, y.Name) })
	name := func(u auth.User) string { return u.Name }
	p, err := paginate(users, first, after, name, byName(name))
	if err != nil {
		return nil, err
	}
	out := &model.UserConnection{PageInfo: p.info, TotalCount: p.total, Nodes: []*model.User{}, Edges: []*model.UserEdge{}}
	for i, u := range p.items {
		n := user(u)
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.UserEdge{Cursor: p.cursors[i], Node: n})
	}
	return out, nil
}

func (r *queryResolver) APIKeys(ctx context.Context, first *int64, after *string) (*model.APIKeyConnection, error) {
	keys, err := r.m.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(x, y auth.APIKey) int { return strings.Compare(x.ID, y.ID) })
	id := func(k auth.APIKey) string { return k.ID }
	p, err := paginate(keys, first, after, id, byName(id))
	if err != nil {
		return nil, err
	}
	out := &model.APIKeyConnection{PageInfo: p.info, TotalCount: p.total, Nodes: []*model.APIKey{}, Edges: []*model.APIKeyEdge{}}
	for i, k := range p.items {
		n := apiKey(k)
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.APIKeyEdge{Cursor: p.cursors[i], Node: n})
	}
	return out, nil
}

func (r *queryResolver) AuditLog(ctx context.Context, filter *model.AuditFilter, first *int64, after *string) (*model.AuditEntryConnection, error) {
	n := defaultFirst
	if first != nil {
		if *first < 0 || *first >= manage.MaxAuditPage {
			return nil, &manage.Error{Code: manage.CodeInvalidArgument, Field: "first", Msg: "must be 0 to 999"}
		}
		n = int(*first)
	}
	q := store.AuditQuery{Limit: n + 1} // one more tells whether there is a next page
	if filter != nil {
		q.Actor, q.Action = str(filter.Actor), str(filter.Action)
		if filter.Outcome != nil {
			q.Outcome = strings.ToLower(string(*filter.Outcome))
		}
		if filter.Since != nil {
			q.Since = *filter.Since
		}
		if filter.Until != nil {
			q.Until = *filter.Until
		}
	}
	if after != nil && *after != "" {
		k, err := decodeCursor(*after)
		if err == nil {
			q.BeforeID, err = strconv.ParseInt(k, 10, 64)
		}
		if err != nil || q.BeforeID <= 0 {
			return nil, &manage.Error{Code: manage.CodeInvalidArgument, Field: "after", Msg: "not a cursor of this API"}
		}
	}
	entries, err := r.m.AuditLog(ctx, q)
	if err != nil {
		return nil, err
	}
	more := len(entries) > n
	if more {
		entries = entries[:n]
	}
	out := &model.AuditEntryConnection{PageInfo: &model.PageInfo{HasNextPage: more}, Nodes: []*model.AuditEntry{}, Edges: []*model.AuditEntryEdge{}}
	for _, e := range entries {
		n := auditEntry(e)
		c := encodeCursor(itoa(e.ID))
		out.Nodes = append(out.Nodes, n)
		out.Edges = append(out.Edges, &model.AuditEntryEdge{Cursor: c, Node: n})
		out.PageInfo.EndCursor = &c
	}
	return out, nil
}

func (r *queryResolver) ApplicationTraffic(ctx context.Context, network string, filter *model.TrafficFilter, first *int64) ([]*model.ApplicationTraffic, error) {
	var f manage.TrafficFilter
	if filter != nil {
		f.Site = str(filter.Site)
		if filter.Path != nil {
			f.Path = string(*filter.Path)
		}
		if filter.Since != nil {
			f.Since = *filter.Since
		}
		if filter.Until != nil {
			f.Until = *filter.Until
		}
	}
	if first != nil {
		if *first <= 0 || *first > manage.MaxTrafficApps {
			return nil, &manage.Error{Code: manage.CodeInvalidArgument, Field: "first", Msg: fmt.Sprintf("must be 1 to %d", manage.MaxTrafficApps)}
		}
		f.Limit = int(*first)
	}
	apps, err := r.m.ApplicationTraffic(ctx, network, f)
	if err != nil {
		return nil, err
	}
	out := make([]*model.ApplicationTraffic, 0, len(apps))
	for _, a := range apps {
		out = append(out, &model.ApplicationTraffic{Application: a.Application, Flows: a.Flows,
			BytesSent: a.BytesTx, BytesReceived: a.BytesRx, Sites: a.Sites, Paths: a.Paths})
	}
	return out, nil
}

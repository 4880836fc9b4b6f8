package graph

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

type mutationResolver struct{ *resolver }

func deleted(id string) *model.DeletePayload { return &model.DeletePayload{DeletedNodeID: id} }

func (r *mutationResolver) RevokeSite(ctx context.Context, network, name string, reason *string) (*model.Site, error) {
	s, err := r.m.RevokeSite(ctx, network, name, str(reason))
	if err != nil {
		return nil, err
	}
	return site(s), nil
}

func (r *mutationResolver) DeleteSite(ctx context.Context, network, name string) (*model.DeletePayload, error) {
	if err := r.m.DeleteSite(ctx, network, name); err != nil {
		return nil, err
	}
	return deleted(nodeID("Site", network, name)), nil
}

func (r *mutationResolver) CreateJoinToken(ctx context.Context, network, siteName string, ttl *time.Duration) (*model.CreateJoinTokenPayload, error) {
	var d time.Duration
	if ttl != nil {
		d = *ttl
	}
	secret, tok, err := r.m.CreateJoinToken(ctx, network, siteName, d)
	if err != nil {
		return nil, err
	}
	return &model.CreateJoinTokenPayload{Secret: secret, Token: joinToken(tok)}, nil
}

func (r *mutationResolver) ResetSite(ctx context.Context, network, name string, ttl *time.Duration) (*model.CreateJoinTokenPayload, error) {
	var d time.Duration
	if ttl != nil {
		d = *ttl
	}
	secret, tok, err := r.m.ResetSite(ctx, network, name, d)
	if err != nil {
		return nil, err
	}
	return &model.CreateJoinTokenPayload{Secret: secret, Token: joinToken(tok)}, nil
}

func (r *mutationResolver) RevokeJoinToken(ctx context.Context, network, id string) (*model.JoinToken, error) {
	tok, err := r.m.RevokeJoinToken(ctx, network, id)
	if err != nil {
		return nil, err
	}
	return joinToken(tok), nil
}

func i64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (r *mutationResolver) PutLink(ctx context.Context, network, siteName string, in model.PutLinkInput) (*model.Link, error) {
	spec := store.LinkSpec{Name: in.Name, Colour: in.Colour, Cost: i64(in.Cost), BandwidthKbps: i64(in.BandwidthKbps),
		Endpoint: str(in.Endpoint), Interface: str(in.Interface), LocalAddress: str(in.LocalAddress), ListenPort: i64(in.ListenPort)}
	l, err := r.m.PutLink(ctx, network, siteName, spec)
	if err != nil {
		return nil, err
	}
	return link(network, l), nil
}

func (r *mutationResolver) DeleteLink(ctx context.Context, network, siteName, name string) (*model.DeletePayload, error) {
	if err := r.m.DeleteLink(ctx, network, siteName, name); err != nil {
		return nil, err
	}
	return deleted(nodeID("Link", network, siteName, name)), nil
}

func (r *mutationResolver) AddPrefix(ctx context.Context, network, siteName, p string) (*model.Prefix, error) {
	got, err := r.m.AddPrefix(ctx, network, siteName, p)
	if err != nil {
		return nil, err
	}
	return prefix(network, got), nil
}

func (r *mutationResolver) DeletePrefix(ctx context.Context, network, p string) (*model.DeletePayload, error) {
	if err := r.m.DeletePrefix(ctx, network, p); err != nil {
		return nil, err
	}
	return deleted(nodeID("Prefix", network, p)), nil
}

func (r *mutationResolver) SetPolicySet(ctx context.Context, network string, in model.PolicySetInput, expectedRevision *int64) (*model.PolicySet, error) {
	ps, err := r.m.SetPolicy(ctx, network, policySet(in), i64(expectedRevision))
	if err != nil {
		return nil, err
	}
	return policySetModel(ps)
}

func role(r model.Role) auth.Role { return lower[auth.Role](string(r)) }

func (r *mutationResolver) CreateUser(ctx context.Context, in model.CreateUserInput) (*model.User, error) {
	u, err := r.m.CreateUser(ctx, auth.NewUser{Name: in.Name, Role: role(in.Role), Password: in.Password})
	if err != nil {
		return nil, err
	}
	return user(u), nil
}

func (r *mutationResolver) UpdateUser(ctx context.Context, name string, in model.UpdateUserInput) (*model.User, error) {
	up := auth.UserUpdate{Disabled: in.Disabled, Password: in.Password}
	if in.Role != nil {
		ro := role(*in.Role)
		up.Role = &ro
	}
	u, err := r.m.UpdateUser(ctx, name, up)
	if err != nil {
		return nil, err
	}
	return user(u), nil
}

func (r *mutationResolver) DeleteUser(ctx context.Context, name string) (*model.DeletePayload, error) {
	if err := r.m.DeleteUser(ctx, name); err != nil {
		return nil, err
	}
	return deleted(nodeID("User", name)), nil
}

func (r *mutationResolver) CreateAPIKey(ctx context.Context, name string, ro model.Role, expiresAt *time.Time) (*model.CreateAPIKeyPayload, error) {
	var exp time.Time
	if expiresAt != nil {
		exp = *expiresAt
	}
	secret, k, err := r.m.CreateAPIKey(ctx, name, role(ro), exp)
	if err != nil {
		return nil, err
	}
	return &model.CreateAPIKeyPayload{Secret: secret, APIKey: apiKey(k)}, nil
}

func (r *mutationResolver) RevokeAPIKey(ctx context.Context, id string) (*model.DeletePayload, error) {
	if err := r.m.RevokeAPIKey(ctx, id); err != nil {
		return nil, err
	}
	return deleted(nodeID("APIKey", id)), nil
}

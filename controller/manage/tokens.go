package manage

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// DefaultTokenTTL is a join token's lifetime when none is given (as the
// Admin service's).
const DefaultTokenTTL = 24 * time.Hour

// JoinTokens lists a network's join tokens, newest first (then by ID,
// descending). Their secrets
// are never kept, so never returned.
func (s *Service) JoinTokens(ctx context.Context, network string) ([]store.JoinToken, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	toks, err := s.cfg.Store.JoinTokens(ctx, network)
	if err != nil {
		return nil, s.wrap("join tokens", err)
	}
	slices.SortFunc(toks, func(x, y store.JoinToken) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.ID, x.ID)
	})
	return toks, nil
}

// CreateJoinToken makes a one-time join token for a site (an edge's label)
// valid for ttl (0: DefaultTokenTTL; 1 minute to 30 days). The secret is
// returned here only.
func (s *Service) CreateJoinToken(ctx context.Context, network, site string, ttl time.Duration) (secret string, tok store.JoinToken, err error) {
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	detail := map[string]any{"site": site, "ttl": ttl.String()}
	o, err := s.begin(ctx, auth.Operate, "join_token.create", siteTarget(network, site), detail)
	if err != nil {
		return "", store.JoinToken{}, err
	}
	err = firstErr(required("network", network), ValidateLabel("site", site))
	if err == nil {
		err = fieldError(store.ValidateTTL(ttl))
	}
	if err == nil {
		secret, tok, err = s.cfg.Store.CreateJoinToken(ctx, network, site, ttl)
		detail["token_id"] = tok.ID // the public ID, never the secret
	}
	return secret, tok, o.done(ctx, err)
}

// RevokeJoinToken revokes an unused token by its ID; a used one is a
// CONFLICT.
func (s *Service) RevokeJoinToken(ctx context.Context, network, id string) (store.JoinToken, error) {
	o, err := s.begin(ctx, auth.Operate, "join_token.revoke", networkTarget(network)+"/join_token/"+id, nil)
	if err != nil {
		return store.JoinToken{}, err
	}
	tok, err := s.revokeJoinToken(ctx, network, id)
	return tok, o.done(ctx, err)
}

func (s *Service) revokeJoinToken(ctx context.Context, network, id string) (store.JoinToken, error) {
	if err := required("network", network); err != nil {
		return store.JoinToken{}, err
	}
	if id == "" || len(id) > 64 {
		return store.JoinToken{}, invalid("id", "required, at most 64 characters")
	}
	if err := s.cfg.Store.RevokeJoinToken(ctx, network, id); err != nil {
		return store.JoinToken{}, err
	}
	toks, err := s.cfg.Store.JoinTokens(ctx, network)
	if err != nil {
		return store.JoinToken{}, err
	}
	for _, t := range toks {
		if t.ID == id {
			return t, nil
		}
	}
	return store.JoinToken{}, notFound("join token %s", id)
}

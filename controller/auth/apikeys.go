package auth

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// APIKeyPrefix starts every API key: "pk_" and 32 random bytes,
// base64url. The store keeps its SHA-256 (a plain hash is enough for 256
// random bits).
const APIKeyPrefix = "pk_"

// rank orders roles; an unknown role ranks below all.
func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleOperator:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtMost reports whether r grants no more than o.
func (r Role) AtMost(o Role) bool { return r.rank() <= o.rank() }

// CreateAPIKey makes a key owned by the signed-in user owner, with a role
// no more than the owner's and an expiry (zero: never; else in the
// future). The secret is returned once.
func (s *Service) CreateAPIKey(ctx context.Context, owner Principal, name string, role Role, expires time.Time) (string, APIKey, error) {
	secret, k, err := s.createAPIKey(ctx, owner, name, role, expires)
	s.auditBy(ctx, "api_key.create", "api_key/"+name, err, map[string]any{"name": name, "role": role, "owner": owner.Subject, "id": k.ID})
	return secret, k, err
}

func (s *Service) createAPIKey(ctx context.Context, owner Principal, name string, role Role, expires time.Time) (string, APIKey, error) {
	if owner.UserID == 0 || owner.Method == MethodAPIKey {
		return "", APIKey{}, apierr.New(http.StatusForbidden, apierr.CodeForbidden, "API keys are made by signed-in users")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return "", APIKey{}, apierr.Invalid("role", "%v", err)
	}
	u, err := s.st.UserByID(ctx, owner.UserID)
	if err != nil {
		return "", APIKey{}, err
	}
	if !role.AtMost(Role(u.Role)) {
		return "", APIKey{}, apierr.New(http.StatusForbidden, apierr.CodeForbidden, "a key's role (%s) cannot exceed its owner's (%s)", role, u.Role)
	}
	if !expires.IsZero() && !expires.After(s.now()) {
		return "", APIKey{}, apierr.Invalid("expires_at", "in the past")
	}
	raw, err := randomString(32)
	if err != nil {
		return "", APIKey{}, err
	}
	secret := APIKeyPrefix + raw
	k, err := s.st.CreateAPIKey(ctx, store.APIKeySpec{Name: name, Role: string(role), OwnerID: u.ID, Hash: hashSecret(secret), ExpiresAt: expires})
	if err != nil {
		return "", APIKey{}, err
	}
	return secret, apiKey(k), nil
}

func apiKey(k store.APIKey) APIKey {
	return APIKey{ID: k.ID, Name: k.Name, Role: Role(k.Role), Owner: k.Owner, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, LastUsed: k.LastUsed, RevokedAt: k.RevokedAt}
}

// APIKeys lists the keys of the user named owner ("": every user's).
func (s *Service) APIKeys(ctx context.Context, owner string) ([]APIKey, error) {
	var id int64
	if owner != "" {
		u, err := s.st.User(ctx, owner)
		if err != nil {
			return nil, err
		}
		id = u.ID
	}
	ks, err := s.st.APIKeys(ctx, id)
	out := make([]APIKey, len(ks))
	for i, k := range ks {
		out[i] = apiKey(k)
	}
	return out, err
}

// APIKey returns one key by ID.
func (s *Service) APIKey(ctx context.Context, id string) (APIKey, error) {
	ks, err := s.st.APIKeys(ctx, 0)
	if err != nil {
		return APIKey{}, err
	}
	for _, k := range ks {
		if k.ID == id {
			return apiKey(k), nil
		}
	}
	return APIKey{}, store.NotFound("api_key", "no API key %s", id)
}

// RevokeAPIKey revokes a key by ID; it stops working at once.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	err := s.st.RevokeAPIKey(ctx, id)
	s.auditBy(ctx, "api_key.revoke", "api_key/"+id, err, nil)
	return err
}

// authenticateKey checks an API key: known, not revoked, not expired, its
// owner enabled. Its role is the lesser of its own and its owner's now.
func (s *Service) authenticateKey(ctx context.Context, secret string) (Principal, error) {
	if len(secret) > 128 {
		return Principal{}, unauthenticated("invalid API key")
	}
	k, err := s.st.APIKeyByHash(ctx, hashSecret(secret))
	if err != nil {
		return Principal{}, refusal(err, "invalid API key")
	}
	now := s.now()
	switch {
	case !k.RevokedAt.IsZero():
		return Principal{}, unauthenticated("the API key is revoked")
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return Principal{}, unauthenticated("the API key expired")
	}
	u, err := s.st.UserByID(ctx, k.OwnerID)
	if err != nil || !u.DisabledAt.IsZero() {
		return Principal{}, refusal(err, "the API key's owner is disabled or deleted")
	}
	role := Role(k.Role)
	if !role.AtMost(Role(u.Role)) {
		role = Role(u.Role)
	}
	s.touchKey(ctx, k.ID, now)
	return Principal{Subject: k.Name, UserID: u.ID, Role: role, Method: MethodAPIKey, KeyID: k.ID}, nil
}

// touchKey records a key's use, at most once a minute per key.
func (s *Service) touchKey(ctx context.Context, id string, now time.Time) {
	s.touchMu.Lock()
	last, ok := s.touched[id]
	if ok && now.Sub(last) < apiKeyTouchEvery {
		s.touchMu.Unlock()
		return
	}
	if len(s.touched) > 10000 {
		clear(s.touched)
	}
	s.touched[id] = now
	s.touchMu.Unlock()
	if err := s.st.TouchAPIKey(ctx, id, now); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("recording an API key's use failed", "key", id, "err", err)
	}
}

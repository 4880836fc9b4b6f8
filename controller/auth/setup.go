package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// SetupTokenPrefix starts a first-start setup token.
const SetupTokenPrefix = "pst_"

// SetupToken makes a one-time setup token while there are no users, for
// the controller to print to its log at start: POST /api/v1/auth/setup
// with it creates the first admin. Each call while there are no users
// makes a new token (valid DefaultSetupTTL; earlier ones stay valid until
// they expire); the first admin made spends them all. needed is false
// when there are users (no token).
func (s *Service) SetupToken(ctx context.Context) (token string, needed bool, err error) {
	n, err := s.st.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	raw, err := randomString(32)
	if err != nil {
		return "", false, err
	}
	token = SetupTokenPrefix + raw
	added, err := s.st.AddSetupToken(ctx, hashSecret(token), s.now().Add(DefaultSetupTTL))
	if err != nil || !added {
		return "", false, err
	}
	return token, true, nil
}

// Setup creates the first admin with a setup token. It is audited
// (action auth.setup) and throttled per source address.
func (s *Service) Setup(ctx context.Context, token string, n NewUser) (User, error) {
	m, _ := RequestMetaFrom(ctx)
	rec := auditRec{Action: "auth.setup", Actor: truncate(n.Name, maxNameBytes), Role: string(RoleAdmin), Method: MethodSetupToken,
		SourceIP: m.SourceIP, UserAgent: m.UserAgent, Target: "user/" + truncate(n.Name, maxNameBytes)}
	if err := s.limits.allow("", m.SourceIP, s.now()); err != nil {
		return User{}, err
	}
	n.Role = RoleAdmin
	spec, err := s.userSpec(n)
	if err != nil {
		return User{}, err
	}
	u, err := s.st.CreateFirstUser(ctx, hashSecret(token), spec)
	switch {
	case errors.Is(err, store.ErrTokenUnknown), errors.Is(err, store.ErrTokenExpired):
		s.auditFailure(ctx, rec, "bad_setup_token")
		return User{}, unauthenticated("unknown or expired setup token")
	case errors.Is(err, store.ErrConflict) && len(spec.Name) > 0:
		var se *store.Error
		if errors.As(err, &se) && se.Field == "users" {
			s.auditFailure(ctx, rec, "users_exist")
			return User{}, apierr.New(http.StatusConflict, apierr.CodeConflict, "setup is done: there are users")
		}
	}
	if err != nil {
		return User{}, err
	}
	return user(u), s.audit(ctx, rec, "success", nil)
}

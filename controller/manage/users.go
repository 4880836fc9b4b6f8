package manage

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxPassword bounds a password (Argon2id takes any length; a bound keeps
// hashing cheap to refuse).
const maxPassword = 1024

func (s *Service) users() (Users, error) {
	if s.cfg.Users == nil {
		return nil, &Error{Code: CodeInternal, Msg: "user administration is not configured"}
	}
	return s.cfg.Users, nil
}

// Users lists the users (administrators only).
func (s *Service) Users(ctx context.Context) ([]auth.User, error) {
	if _, err := Authorize(ctx, auth.Administer); err != nil {
		return nil, err
	}
	u, err := s.users()
	if err != nil {
		return nil, err
	}
	out, err := u.Users(ctx)
	return out, s.wrap("users", err)
}

// User returns one user (administrators only).
func (s *Service) User(ctx context.Context, name string) (auth.User, error) {
	if _, err := Authorize(ctx, auth.Administer); err != nil {
		return auth.User{}, err
	}
	u, err := s.users()
	if err == nil {
		err = userName(name)
	}
	if err != nil {
		return auth.User{}, err
	}
	out, err := u.User(ctx, name)
	return out, s.wrap("user", err)
}

func userTarget(name string) string { return "user/" + name }

// userName checks a user's name by the store's rule for them.
func userName(name string) error { return fieldError(store.ValidateUserName("user", name)) }

func validRole(field string, r auth.Role) error {
	if _, err := auth.ParseRole(string(r)); err != nil {
		return invalid(field, "%v", err)
	}
	return nil
}

func validPassword(p string) error {
	if p == "" {
		return invalid("password", "required")
	}
	if len(p) > maxPassword {
		return invalid("password", "longer than %d bytes", maxPassword)
	}
	return nil
}

// CreateUser makes a local user with a password.
func (s *Service) CreateUser(ctx context.Context, nu auth.NewUser) (auth.User, error) {
	o, err := s.begin(ctx, auth.Administer, "user.create", userTarget(nu.Name), map[string]any{"role": nu.Role})
	if err != nil {
		return auth.User{}, err
	}
	u, err := s.users()
	if err == nil {
		err = firstErr(userName(nu.Name), validRole("role", nu.Role), validPassword(nu.Password))
	}
	var out auth.User
	if err == nil {
		o.delegated = true
		out, err = u.CreateUser(ctx, nu)
	}
	return out, o.done(ctx, err)
}

// UpdateUser changes a user's role, disables or enables it, or sets its
// password; nil fields stay.
func (s *Service) UpdateUser(ctx context.Context, name string, up auth.UserUpdate) (auth.User, error) {
	detail := map[string]any{}
	if up.Role != nil {
		detail["role"] = *up.Role
	}
	if up.Disabled != nil {
		detail["disabled"] = *up.Disabled
	}
	if up.Password != nil {
		detail["password_changed"] = true
	}
	o, err := s.begin(ctx, auth.Administer, "user.update", userTarget(name), detail)
	if err != nil {
		return auth.User{}, err
	}
	u, err := s.users()
	if err == nil {
		err = userName(name)
	}
	if err == nil && up.Role != nil {
		err = validRole("role", *up.Role)
	}
	if err == nil && up.Password != nil {
		err = validPassword(*up.Password)
	}
	var out auth.User
	if err == nil {
		o.delegated = true
		out, err = u.UpdateUser(ctx, name, up)
	}
	return out, o.done(ctx, err)
}

// DeleteUser deletes a user; its sessions and API keys end with it.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	o, err := s.begin(ctx, auth.Administer, "user.delete", userTarget(name), nil)
	if err != nil {
		return err
	}
	u, err := s.users()
	if err == nil {
		err = userName(name)
	}
	if err == nil {
		o.delegated = true
		err = u.DeleteUser(ctx, name)
	}
	return o.done(ctx, err)
}

// APIKeys lists the API keys, never their secrets (administrators only).
func (s *Service) APIKeys(ctx context.Context) ([]auth.APIKey, error) {
	if _, err := Authorize(ctx, auth.Administer); err != nil {
		return nil, err
	}
	u, err := s.users()
	if err != nil {
		return nil, err
	}
	out, err := u.APIKeys(ctx, "")
	return out, s.wrap("api keys", err)
}

// CreateAPIKey makes an API key owned by the caller, with a role and an
// expiry (zero: never). The secret is returned here only.
func (s *Service) CreateAPIKey(ctx context.Context, name string, role auth.Role, expires time.Time) (secret string, key auth.APIKey, err error) {
	detail := map[string]any{"role": role}
	if !expires.IsZero() {
		detail["expires_at"] = expires.UTC().Format(time.RFC3339)
	}
	o, err := s.begin(ctx, auth.Administer, "api_key.create", "api_key/"+name, detail)
	if err != nil {
		return "", auth.APIKey{}, err
	}
	u, err := s.users()
	if err == nil {
		err = firstErr(fieldError(store.ValidateUserName("api_key", name)), validRole("role", role))
	}
	if err == nil && !expires.IsZero() && !expires.After(s.cfg.Now()) {
		err = invalid("expires_at", "%s is not in the future", expires.UTC().Format(time.RFC3339))
	}
	if err == nil {
		o.delegated = true
		secret, key, err = u.CreateAPIKey(ctx, o.p, name, role, expires)
	}
	return secret, key, o.done(ctx, err)
}

// RevokeAPIKey revokes an API key by its ID.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	o, err := s.begin(ctx, auth.Administer, "api_key.revoke", "api_key/"+id, nil)
	if err != nil {
		return err
	}
	u, err := s.users()
	if err == nil && (id == "" || len(id) > 64) {
		err = invalid("id", "required, at most 64 characters")
	}
	if err == nil {
		o.delegated = true
		err = u.RevokeAPIKey(ctx, id)
	}
	return o.done(ctx, err)
}

package auth

import (
	"context"
	"net/http"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// User administration. Each call is audited with the principal in ctx
// (NewContext) and the request metadata (WithRequestMeta); callers check
// the Administer permission first.

func user(u store.User) User {
	return User{ID: u.ID, Name: u.Name, Role: Role(u.Role), Source: u.Source, MFAEnabled: u.MFAEnabled,
		CreatedAt: u.CreatedAt, DisabledAt: u.DisabledAt, LastLogin: u.LastLogin}
}

// Users lists every user by name.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	us, err := s.st.Users(ctx)
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = user(u)
	}
	return out, err
}

// User returns one user.
func (s *Service) User(ctx context.Context, name string) (User, error) {
	u, err := s.st.User(ctx, name)
	return user(u), err
}

// CreateUser makes a local user with a password of the policy
// (CheckPassword).
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
	u, err := s.createUser(ctx, n)
	s.auditBy(ctx, "user.create", "user/"+n.Name, err, map[string]any{"name": n.Name, "role": n.Role})
	return u, err
}

func (s *Service) userSpec(n NewUser) (store.UserSpec, error) {
	if err := store.ValidateUserName("user", n.Name); err != nil {
		return store.UserSpec{}, err
	}
	if _, err := ParseRole(string(n.Role)); err != nil {
		return store.UserSpec{}, apierr.Invalid("role", "%v", err)
	}
	if err := CheckPassword(n.Name, n.Password); err != nil {
		return store.UserSpec{}, err
	}
	phc, err := HashPassword(n.Password, s.cfg.Argon2)
	return store.UserSpec{Name: n.Name, Role: string(n.Role), Source: store.SourceLocal, PasswordHash: phc}, err
}

func (s *Service) createUser(ctx context.Context, n NewUser) (User, error) {
	spec, err := s.userSpec(n)
	if err != nil {
		return User{}, err
	}
	u, err := s.st.CreateUser(ctx, spec)
	return user(u), err
}

// UpdateUser changes a user's role, password or disabled state. Disabling
// a user or changing the password ends all the user's sessions; either
// way a disabled user's tokens and keys are refused at once.
func (s *Service) UpdateUser(ctx context.Context, name string, up UserUpdate) (User, error) {
	u, err := s.updateUser(ctx, name, up)
	detail := map[string]any{}
	if up.Role != nil {
		detail["role"] = *up.Role
	}
	if up.Disabled != nil {
		detail["disabled"] = *up.Disabled
	}
	if up.Password != nil {
		detail["password"] = "changed"
	}
	s.auditBy(ctx, "user.update", "user/"+name, err, detail)
	return u, err
}

func (s *Service) updateUser(ctx context.Context, name string, up UserUpdate) (User, error) {
	var c store.UserChange
	if up.Role != nil {
		if _, err := ParseRole(string(*up.Role)); err != nil {
			return User{}, apierr.Invalid("role", "%v", err)
		}
		r := string(*up.Role)
		c.Role = &r
	}
	if up.Password != nil {
		if err := CheckPassword(name, *up.Password); err != nil {
			return User{}, err
		}
		phc, err := HashPassword(*up.Password, s.cfg.Argon2)
		if err != nil {
			return User{}, err
		}
		c.PasswordHash = &phc
	}
	c.Disabled = up.Disabled
	if p, ok := FromContext(ctx); ok && p.Subject == name && p.UserID != 0 && (up.Disabled != nil && *up.Disabled || up.Role != nil && *up.Role != RoleAdmin) {
		if err := s.keepAnAdmin(ctx, name); err != nil {
			return User{}, err
		}
	}
	u, err := s.st.UpdateUser(ctx, name, c)
	if err != nil {
		return User{}, err
	}
	if up.Password != nil || up.Disabled != nil && *up.Disabled {
		if _, err := s.st.RevokeUserSessions(ctx, u.ID); err != nil {
			return User{}, err
		}
	}
	return user(u), nil
}

// keepAnAdmin refuses to let the last enabled admin lock themselves out.
func (s *Service) keepAnAdmin(ctx context.Context, name string) error {
	us, err := s.st.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Name != name && u.Role == string(RoleAdmin) && u.DisabledAt.IsZero() {
			return nil
		}
	}
	return apierr.New(http.StatusConflict, apierr.CodeConflict, "you are the last enabled admin")
}

// DeleteUser deletes a user with its sessions and API keys: its access
// tokens and keys are refused from then on.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	err := s.st.DeleteUser(ctx, name)
	s.auditBy(ctx, "user.delete", "user/"+name, err, nil)
	return err
}

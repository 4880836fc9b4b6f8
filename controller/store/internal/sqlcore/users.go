package sqlcore

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// userCols are the columns scanUser reads, without secrets.
const userCols = `id, name, role, source, oidc_issuer, oidc_subject, mfa_enabled_at, created_at, disabled_at, last_login`

func scanUser(r Row, extra ...any) (store.User, error) {
	var u store.User
	var created int64
	var mfa, disabled, last *int64
	dest := append([]any{&u.ID, &u.Name, &u.Role, &u.Source, &u.OIDCIssuer, &u.OIDCSubject, &mfa, &created, &disabled, &last}, extra...)
	if err := r.Scan(dest...); err != nil {
		return u, err
	}
	u.MFAEnabled = mfa != nil
	u.CreatedAt, u.DisabledAt, u.LastLogin = fromUS(created), fromNullUS(disabled), fromNullUS(last)
	return u, nil
}

// view runs fn in a read transaction.
func (s *Store) view(ctx context.Context, op string, fn func(Querier) error) error {
	if err := s.read(op); err != nil {
		return err
	}
	return s.wrap(op, s.eng.ReadTx(ctx, fn))
}

// CreateUser implements store.AuthStore.
func (s *Store) CreateUser(ctx context.Context, u store.UserSpec) (store.User, error) {
	if err := u.Validate(); err != nil {
		return store.User{}, err
	}
	var out store.User
	err := s.write(ctx, "create user", func(t *tx) error {
		var err error
		out, err = s.insertUser(ctx, t, u)
		return err
	})
	return out, err
}

func (s *Store) insertUser(ctx context.Context, t *tx, u store.UserSpec) (store.User, error) {
	if u.Source == "" {
		u.Source = store.SourceLocal
	}
	row := t.QueryRow(ctx, `INSERT INTO users (name, role, source, password_hash, oidc_issuer, oidc_subject, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userCols,
		u.Name, u.Role, u.Source, u.PasswordHash, u.OIDCIssuer, u.OIDCSubject, us(s.now()))
	out, err := scanUser(row)
	if err != nil {
		if s.eng.Classify(err) == Unique {
			return out, store.Conflict("user", "name", err, "user %q exists (or the OIDC subject has a user)", u.Name)
		}
		return out, s.classify(err, "user", "", "user %q", u.Name)
	}
	return out, nil
}

// CreateFirstUser implements store.AuthStore.
func (s *Store) CreateFirstUser(ctx context.Context, hash string, u store.UserSpec) (store.User, error) {
	if err := u.Validate(); err != nil {
		return store.User{}, err
	}
	var out store.User
	err := s.write(ctx, "create first user", func(t *tx) error {
		var n int64
		if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return store.Conflict("user", "users", nil, "there are users already; the setup token is spent")
		}
		var expires int64
		err := t.QueryRow(ctx, "SELECT expires_at FROM setup_tokens WHERE token_hash = $1", hash).Scan(&expires)
		if s.eng.Classify(err) == NoRows {
			return store.TokenError(store.ErrTokenUnknown, "no such setup token")
		}
		if err != nil {
			return err
		}
		if expires <= us(s.now()) {
			return store.TokenError(store.ErrTokenExpired, "the setup token expired")
		}
		if _, err := t.Exec(ctx, "DELETE FROM setup_tokens"); err != nil {
			return err
		}
		out, err = s.insertUser(ctx, t, u)
		return err
	})
	return out, err
}

// AddSetupToken implements store.AuthStore.
func (s *Store) AddSetupToken(ctx context.Context, hash string, expires time.Time) (bool, error) {
	added := false
	err := s.write(ctx, "add setup token", func(t *tx) error {
		var n int64
		if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := t.Exec(ctx, "INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)", hash, us(expires))
		added = err == nil
		return err
	})
	return added, err
}

func (s *Store) userWhere(ctx context.Context, op, where string, arg any, what string) (store.User, error) {
	var u store.User
	err := s.view(ctx, op, func(q Querier) error {
		var err error
		u, err = scanUser(q.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+where, arg))
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("user", "no user %s", what)
		}
		return err
	})
	return u, err
}

// User implements store.AuthStore.
func (s *Store) User(ctx context.Context, name string) (store.User, error) {
	return s.userWhere(ctx, "user", "name = $1", name, quote(name))
}

// UserByID implements store.AuthStore.
func (s *Store) UserByID(ctx context.Context, id int64) (store.User, error) {
	return s.userWhere(ctx, "user", "id = $1", id, "with that ID")
}

// UserByOIDC implements store.AuthStore.
func (s *Store) UserByOIDC(ctx context.Context, issuer, subject string) (store.User, error) {
	var u store.User
	err := s.view(ctx, "user by oidc", func(q Querier) error {
		var err error
		u, err = scanUser(q.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE source = 'oidc' AND oidc_issuer = $1 AND oidc_subject = $2", issuer, subject))
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("user", "no user of that OIDC subject")
		}
		return err
	})
	return u, err
}

// UserCredentials implements store.AuthStore.
func (s *Store) UserCredentials(ctx context.Context, name string) (store.User, string, error) {
	var u store.User
	var hash string
	err := s.view(ctx, "user credentials", func(q Querier) error {
		var err error
		u, err = scanUser(q.QueryRow(ctx, "SELECT "+userCols+", password_hash FROM users WHERE name = $1", name), &hash)
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("user", "no user %s", quote(name))
		}
		return err
	})
	return u, hash, err
}

// Users implements store.AuthStore.
func (s *Store) Users(ctx context.Context) ([]store.User, error) {
	var out []store.User
	err := s.view(ctx, "users", func(q Querier) error {
		return each(ctx, q, "SELECT "+userCols+" FROM users ORDER BY name", func(r Row) error {
			u, err := scanUser(r)
			out = append(out, u)
			return err
		})
	})
	return out, err
}

// each runs a query and scans every row.
func each(ctx context.Context, q Querier, query string, scan func(Row) error, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// UpdateUser implements store.AuthStore.
func (s *Store) UpdateUser(ctx context.Context, name string, c store.UserChange) (store.User, error) {
	if c.Role != nil {
		if err := store.ValidateUserRole("user", *c.Role); err != nil {
			return store.User{}, err
		}
	}
	var out store.User
	err := s.write(ctx, "update user", func(t *tx) error {
		var id int64
		var source string
		err := t.QueryRow(ctx, "SELECT id, source FROM users WHERE name = $1", name).Scan(&id, &source)
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("user", "no user %s", quote(name))
		}
		if err != nil {
			return err
		}
		if err := s.applyUserChange(ctx, t, id, source, c); err != nil {
			return err
		}
		out, err = scanUser(t.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id))
		return err
	})
	return out, err
}

func (s *Store) applyUserChange(ctx context.Context, t *tx, id int64, source string, c store.UserChange) error {
	if c.Role != nil {
		if _, err := t.Exec(ctx, "UPDATE users SET role = $1 WHERE id = $2", *c.Role, id); err != nil {
			return err
		}
	}
	if c.PasswordHash != nil {
		if source != store.SourceLocal {
			return &store.Error{Kind: store.ErrInvalid, Entity: "user", Field: "password", Msg: "an OIDC user has no password"}
		}
		if _, err := t.Exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", *c.PasswordHash, id); err != nil {
			return err
		}
	}
	if c.Disabled != nil {
		// Keep the first time it was disabled.
		q, args := "UPDATE users SET disabled_at = NULL WHERE id = $1", []any{id}
		if *c.Disabled {
			q, args = "UPDATE users SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1", []any{id, us(s.now())}
		}
		if _, err := t.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUser implements store.AuthStore.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.write(ctx, "delete user", func(t *tx) error {
		n, err := t.Exec(ctx, "DELETE FROM users WHERE name = $1", name)
		return deleted(n, err, "user", "no user %s", quote(name))
	})
}

// CountUsers implements store.AuthStore.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int64
	err := s.view(ctx, "count users", func(q Querier) error {
		return q.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	})
	return int(n), err
}

// RecordLogin implements store.AuthStore.
func (s *Store) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	return s.write(ctx, "record login", func(t *tx) error {
		n, err := t.Exec(ctx, "UPDATE users SET last_login = $1 WHERE id = $2", us(at), userID)
		return deleted(n, err, "user", "no user with that ID")
	})
}

func quote(s string) string { return "\"" + replaceAll(s, "\"", "\\\"") + "\"" }

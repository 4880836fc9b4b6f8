package sqlcore

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// SetTOTP implements store.AuthStore.
func (s *Store) SetTOTP(ctx context.Context, userID int64, secret string, enabled bool) error {
	return s.write(ctx, "set totp", func(t *tx) error {
		var at *int64
		if enabled {
			v := us(s.now())
			at = &v
		}
		n, err := t.Exec(ctx, "UPDATE users SET totp_secret = $1, mfa_enabled_at = $2 WHERE id = $3", secret, at, userID)
		if err := deleted(n, err, "user", "no user with that ID"); err != nil {
			return err
		}
		if secret == "" {
			_, err = t.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = $1", userID)
		}
		return err
	})
}

// TOTPSecret implements store.AuthStore.
func (s *Store) TOTPSecret(ctx context.Context, userID int64) (string, bool, error) {
	var secret string
	var at *int64
	err := s.view(ctx, "totp secret", func(q Querier) error {
		err := q.QueryRow(ctx, "SELECT totp_secret, mfa_enabled_at FROM users WHERE id = $1", userID).Scan(&secret, &at)
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("user", "no user with that ID")
		}
		return err
	})
	return secret, at != nil, err
}

// UseTOTPStep implements store.AuthStore.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) error {
	return s.write(ctx, "use totp step", func(t *tx) error {
		_, err := t.Exec(ctx, "INSERT INTO totp_used (user_id, step, used_at) VALUES ($1, $2, $3)", userID, step, us(s.now()))
		if s.eng.Classify(err) == Unique {
			return store.Conflict("user", "otp", err, "this code was used already")
		}
		return s.classify(err, "user", "", "no user with that ID")
	})
}

// SetRecoveryCodes implements store.AuthStore.
func (s *Store) SetRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	return s.write(ctx, "set recovery codes", func(t *tx) error {
		if _, err := t.Exec(ctx, "DELETE FROM recovery_codes WHERE user_id = $1", userID); err != nil {
			return err
		}
		for _, h := range hashes {
			_, err := t.Exec(ctx, "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)", userID, h)
			if err != nil {
				return s.classify(err, "recovery_code", "", "no user with that ID")
			}
		}
		return nil
	})
}

// UseRecoveryCode implements store.AuthStore.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string) error {
	return s.write(ctx, "use recovery code", func(t *tx) error {
		n, err := t.Exec(ctx, "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
			us(s.now()), userID, hash)
		return deleted(n, err, "recovery_code", "no such unused recovery code")
	})
}

// RecoveryCodesLeft implements store.AuthStore.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := s.view(ctx, "recovery codes left", func(q Querier) error {
		return q.QueryRow(ctx, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL", userID).Scan(&n)
	})
	return int(n), err
}

const sessionCols = `id, user_id, method, source_ip, user_agent, created_at, expires_at, last_used_at, revoked_at`

func scanSession(r Row, extra ...any) (store.Session, error) {
	var x store.Session
	var created, expires, used int64
	var revoked *int64
	err := r.Scan(append([]any{&x.ID, &x.UserID, &x.Method, &x.SourceIP, &x.UserAgent, &created, &expires, &used, &revoked}, extra...)...)
	x.CreatedAt, x.ExpiresAt, x.LastUsedAt, x.RevokedAt = fromUS(created), fromUS(expires), fromUS(used), fromNullUS(revoked)
	return x, err
}

// CreateSession implements store.AuthStore.
func (s *Store) CreateSession(ctx context.Context, sp store.SessionSpec) (store.Session, error) {
	if sp.ID == "" || sp.TokenHash == "" {
		return store.Session{}, &store.Error{Kind: store.ErrInvalid, Entity: "session", Field: "id", Msg: "a session needs an ID and a token hash"}
	}
	var out store.Session
	err := s.write(ctx, "create session", func(t *tx) error {
		now := us(s.now())
		var err error
		out, err = scanSession(t.QueryRow(ctx, `INSERT INTO sessions (id, user_id, token_hash, method, source_ip, user_agent, created_at, expires_at, last_used_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) RETURNING `+sessionCols,
			sp.ID, sp.UserID, sp.TokenHash, sp.Method, sp.SourceIP, sp.UserAgent, now, us(sp.ExpiresAt)))
		return s.classify(err, "session", "id", "session")
	})
	return out, err
}

// Session implements store.AuthStore.
func (s *Store) Session(ctx context.Context, id string) (store.Session, error) {
	var out store.Session
	err := s.view(ctx, "session", func(q Querier) error {
		var err error
		out, err = scanSession(q.QueryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE id = $1", id))
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("session", "no such session")
		}
		return err
	})
	return out, err
}

// RotateSession implements store.AuthStore.
func (s *Store) RotateSession(ctx context.Context, id, oldHash, newHash string, expires time.Time) (store.Session, error) {
	var out store.Session
	var reused bool
	err := s.write(ctx, "rotate session", func(t *tx) error {
		now := us(s.now())
		var cur string
		var err error
		out, err = scanSession(t.QueryRow(ctx, "SELECT "+sessionCols+", token_hash FROM sessions WHERE id = $1", id), &cur)
		switch {
		case s.eng.Classify(err) == NoRows:
			return store.NotFound("session", "no such session")
		case err != nil:
			return err
		case !out.RevokedAt.IsZero():
			return &store.Error{Kind: store.ErrRevoked, Entity: "session", Msg: "the session was revoked"}
		case us(out.ExpiresAt) <= now:
			return &store.Error{Kind: store.ErrExpired, Entity: "session", Msg: "the session expired"}
		}
		n, err := t.Exec(ctx, "UPDATE sessions SET token_hash = $1, expires_at = $2, last_used_at = $3 WHERE id = $4 AND token_hash = $5 AND revoked_at IS NULL",
			newHash, us(expires), now, id, oldHash)
		if err != nil {
			return err
		}
		if n == 0 { // not the current token: revoke the family (committed)
			reused = true
			_, err = t.Exec(ctx, "UPDATE sessions SET revoked_at = $1 WHERE id = $2", now, id)
			return err
		}
		out.ExpiresAt, out.LastUsedAt = fromUS(us(expires)), fromUS(now)
		return nil
	})
	if err == nil && reused {
		return store.Session{}, &store.Error{Kind: store.ErrReused, Entity: "session", Msg: "a used refresh token was presented again; the session is revoked"}
	}
	return out, err
}

// RevokeSession implements store.AuthStore.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	return s.write(ctx, "revoke session", func(t *tx) error {
		if _, err := t.Exec(ctx, "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", us(s.now()), id); err != nil {
			return err
		}
		var n int64
		if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM sessions WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		return deleted(n, nil, "session", "no such session")
	})
}

// RevokeUserSessions implements store.AuthStore.
func (s *Store) RevokeUserSessions(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.write(ctx, "revoke user sessions", func(t *tx) error {
		var err error
		n, err = t.Exec(ctx, "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", us(s.now()), userID)
		return err
	})
	return n, err
}

const apiKeyCols = `k.key_hash, k.name, k.role, k.owner_id, u.name, k.created_at, k.expires_at, k.last_used, k.revoked_at`

func scanAPIKey(r Row) (store.APIKey, error) {
	var k store.APIKey
	var hash string
	var created int64
	var expires, used, revoked *int64
	if err := r.Scan(&hash, &k.Name, &k.Role, &k.OwnerID, &k.Owner, &created, &expires, &used, &revoked); err != nil {
		return k, err
	}
	k.ID = hash[:min(tokenIDLen, len(hash))]
	k.CreatedAt, k.ExpiresAt, k.LastUsed, k.RevokedAt = fromUS(created), fromNullUS(expires), fromNullUS(used), fromNullUS(revoked)
	return k, nil
}

func nullUS(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := us(t)
	return &v
}

// CreateAPIKey implements store.AuthStore.
func (s *Store) CreateAPIKey(ctx context.Context, k store.APIKeySpec) (store.APIKey, error) {
	if err := k.Validate(); err != nil {
		return store.APIKey{}, err
	}
	var out store.APIKey
	err := s.write(ctx, "create api key", func(t *tx) error {
		_, err := t.Exec(ctx, `INSERT INTO api_keys (id, key_hash, name, role, owner_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.Hash[:tokenIDLen], k.Hash, k.Name, k.Role, k.OwnerID, us(s.now()), nullUS(k.ExpiresAt))
		if s.eng.Classify(err) == Unique {
			return store.Conflict("api_key", "name", err, "the owner has a key named %s", quote(k.Name))
		}
		if err != nil {
			return s.classify(err, "api_key", "owner", "no owner with that ID")
		}
		out, err = scanAPIKey(t.QueryRow(ctx, "SELECT "+apiKeyCols+" FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE k.key_hash = $1", k.Hash))
		return err
	})
	return out, err
}

// APIKeyByHash implements store.AuthStore.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (store.APIKey, error) {
	var out store.APIKey
	err := s.view(ctx, "api key", func(q Querier) error {
		var err error
		out, err = scanAPIKey(q.QueryRow(ctx, "SELECT "+apiKeyCols+" FROM api_keys k JOIN users u ON u.id = k.owner_id WHERE k.key_hash = $1", hash))
		if s.eng.Classify(err) == NoRows {
			return store.NotFound("api_key", "no such API key")
		}
		return err
	})
	return out, err
}

// APIKeys implements store.AuthStore.
func (s *Store) APIKeys(ctx context.Context, ownerID int64) ([]store.APIKey, error) {
	var out []store.APIKey
	err := s.view(ctx, "api keys", func(q Querier) error {
		query, args := "SELECT "+apiKeyCols+" FROM api_keys k JOIN users u ON u.id = k.owner_id", []any{}
		if ownerID != 0 {
			query, args = query+" WHERE k.owner_id = $1", append(args, ownerID)
		}
		return each(ctx, q, query+" ORDER BY k.created_at, k.id", func(r Row) error {
			k, err := scanAPIKey(r)
			out = append(out, k)
			return err
		}, args...)
	})
	return out, err
}

// RevokeAPIKey implements store.AuthStore.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	if !validTokenID(id) {
		return &store.Error{Kind: store.ErrInvalid, Entity: "api_key", Field: "id", Msg: "not 16 hex digits"}
	}
	return s.write(ctx, "revoke api key", func(t *tx) error {
		if _, err := t.Exec(ctx, "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", us(s.now()), id); err != nil {
			return err
		}
		var n int64
		if err := t.QueryRow(ctx, "SELECT COUNT(*) FROM api_keys WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		return deleted(n, nil, "api_key", "no API key %s", id)
	})
}

// TouchAPIKey implements store.AuthStore.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, "touch api key", func(t *tx) error {
		_, err := t.Exec(ctx, "UPDATE api_keys SET last_used = $1 WHERE id = $2", us(at), id)
		return err
	})
}

// SigningKeys implements store.AuthStore.
func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	var out []store.SigningKey
	err := s.view(ctx, "signing keys", func(q Querier) error {
		return each(ctx, q, "SELECT generation, kid, alg, private_key, created_at FROM signing_keys ORDER BY generation DESC", func(r Row) error {
			var k store.SigningKey
			var priv string
			var created int64
			if err := r.Scan(&k.Generation, &k.KID, &k.Alg, &priv, &created); err != nil {
				return err
			}
			b, err := base64.StdEncoding.DecodeString(priv)
			if err != nil {
				return err
			}
			k.Private, k.CreatedAt = b, fromUS(created)
			out = append(out, k)
			return nil
		})
	})
	return out, err
}

// AddSigningKey implements store.AuthStore.
func (s *Store) AddSigningKey(ctx context.Context, k store.SigningKey) error {
	if k.Generation < 1 || k.KID == "" || k.Alg == "" || len(k.Private) == 0 {
		return &store.Error{Kind: store.ErrInvalid, Entity: "signing_key", Field: "generation", Msg: "a key needs a generation ≥ 1, an ID, an algorithm and a key"}
	}
	return s.write(ctx, "add signing key", func(t *tx) error {
		var newest int64
		if err := t.QueryRow(ctx, "SELECT COALESCE(MAX(generation), 0) FROM signing_keys").Scan(&newest); err != nil {
			return err
		}
		if k.Generation != newest+1 {
			return store.Conflict("signing_key", "generation", nil, "generation %d exists; the next is %d", newest, newest+1)
		}
		_, err := t.Exec(ctx, "INSERT INTO signing_keys (generation, kid, alg, private_key, created_at) VALUES ($1, $2, $3, $4, $5)",
			k.Generation, k.KID, k.Alg, base64.StdEncoding.EncodeToString(k.Private), us(s.now()))
		if err != nil {
			return s.classify(err, "signing_key", "generation", "generation %d exists", k.Generation)
		}
		_, err = t.Exec(ctx, "DELETE FROM signing_keys WHERE generation < $1", k.Generation-1)
		return err
	})
}

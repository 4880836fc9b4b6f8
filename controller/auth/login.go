package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// ErrMFARequired: the password was right but a TOTP or recovery code is
// needed. It wraps ErrUnauthenticated.
var ErrMFARequired = fmt.Errorf("%w: a TOTP code is required", ErrUnauthenticated)

// LoginRequest is a password sign-in.
type LoginRequest struct {
	Username, Password string
	// OTP is a TOTP code or a recovery code; needed when the user has MFA.
	OTP                 string
	SourceIP, UserAgent string
}

// Tokens are what a sign-in returns.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"` // the access token's, in seconds
	TokenType    string `json:"token_type"` // "Bearer"
}

// maxNameBytes is the longest valid user name (store.ValidateUserName).
const maxNameBytes = 128

// badLogin is the one answer to a wrong user name, password or code.
func badLogin() error {
	return &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.CodeUnauthenticated,
		Message: "wrong user name, password or code", Err: ErrUnauthenticated}
}

func unauthenticated(msg string) error {
	return &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.CodeUnauthenticated, Message: msg, Err: ErrUnauthenticated}
}

// dummyHash is a hash of nothing, verified for unknown users so that they
// take as long as known ones.
type dummyHash struct {
	once sync.Once
	phc  string
}

func (d *dummyHash) get(p Argon2Params) string {
	d.once.Do(func() { d.phc, _ = HashPassword("not a password of anyone", p) })
	return d.phc
}

// Login signs a user in with a password (and a TOTP or recovery code when
// MFA is on). Every attempt is audited (action auth.login) with its
// reason, never the password. Errors: 401 (ErrUnauthenticated; the same
// for an unknown user, a wrong password and a wrong code),
// ErrMFARequired, 429 when throttled.
func (s *Service) Login(ctx context.Context, r LoginRequest) (Tokens, error) {
	// Names longer than a valid one are cut for the audit log and the
	// throttle's map (they match no user anyway).
	name := truncate(r.Username, maxNameBytes)
	rec := auditRec{Action: "auth.login", Actor: name, Method: MethodPassword, SourceIP: r.SourceIP, UserAgent: truncate(r.UserAgent, 256)}
	if err := s.limits.allow(strings.ToLower(name), r.SourceIP, s.now()); err != nil {
		s.auditFailure(ctx, rec, "throttled")
		return Tokens{}, err
	}
	u, reason, err := s.checkPassword(ctx, r)
	if err == nil && reason == "" && u.MFAEnabled {
		reason, err = s.checkSecondFactor(ctx, u, r.OTP)
	}
	if err != nil {
		return Tokens{}, err
	}
	rec.Role = u.Role
	if reason != "" {
		s.auditFailure(ctx, rec, reason)
		if reason == "mfa_required" {
			return Tokens{}, &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.CodeMFARequired,
				Message: "this user needs a TOTP or recovery code (otp)", Field: "otp", Err: ErrMFARequired}
		}
		return Tokens{}, badLogin()
	}
	return s.startSession(ctx, u, rec)
}

// checkPassword returns the user and "" if the password is right, or a
// failure reason. It verifies a hash even for unknown users.
func (s *Service) checkPassword(ctx context.Context, r LoginRequest) (store.User, string, error) {
	u, phc, err := s.st.UserCredentials(ctx, r.Username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		VerifyPassword(r.Password, s.dummy.get(s.cfg.Argon2))
		return u, "unknown_user", nil
	case err != nil:
		return u, "", err
	case phc == "":
		VerifyPassword(r.Password, s.dummy.get(s.cfg.Argon2))
		return u, "no_password", nil
	}
	if len(r.Password) > MaxPasswordLen {
		return u, "bad_password", nil
	}
	ok, err := VerifyPassword(r.Password, phc)
	switch {
	case err != nil:
		return u, "", fmt.Errorf("auth: user %q: %w", r.Username, err)
	case !ok:
		return u, "bad_password", nil
	case !u.DisabledAt.IsZero():
		return u, "disabled", nil
	}
	return u, "", nil
}

// startSession makes a session and its first tokens and audits success.
func (s *Service) startSession(ctx context.Context, u store.User, rec auditRec) (Tokens, error) {
	sid, err := randomString(16)
	if err != nil {
		return Tokens{}, err
	}
	refresh, hash, err := newRefreshToken(sid)
	if err != nil {
		return Tokens{}, err
	}
	now := s.now()
	_, err = s.st.CreateSession(ctx, store.SessionSpec{ID: sid, UserID: u.ID, TokenHash: hash, Method: string(rec.Method),
		SourceIP: rec.SourceIP, UserAgent: rec.UserAgent, ExpiresAt: now.Add(s.cfg.RefreshTTL)})
	if err != nil {
		return Tokens{}, err
	}
	if err := s.st.RecordLogin(ctx, u.ID, now); err != nil {
		return Tokens{}, err
	}
	rec.Actor, rec.Role = u.Name, u.Role
	if err := s.audit(ctx, rec, "success", map[string]any{"session": sid}); err != nil {
		return Tokens{}, err
	}
	return s.tokens(ctx, u, sid, refresh)
}

func (s *Service) tokens(ctx context.Context, u store.User, sid, refresh string) (Tokens, error) {
	access, err := s.accessToken(ctx, u, sid)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.cfg.AccessTTL / time.Second), TokenType: "Bearer"}, nil
}

// A refresh token is "<session ID>.<32 random bytes, base64url>"; the
// store keeps the SHA-256 of the current one per session.
func newRefreshToken(sid string) (token, hash string, err error) {
	secret, err := randomString(32)
	if err != nil {
		return "", "", err
	}
	token = sid + "." + secret
	return token, hashSecret(token), nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Refresh trades a refresh token for new tokens; the old one is spent.
// Presenting a spent one revokes the whole session (every token of that
// sign-in): it was stolen or replayed.
func (s *Service) Refresh(ctx context.Context, refreshToken, sourceIP, userAgent string) (Tokens, error) {
	rec := auditRec{Action: "auth.refresh", SourceIP: sourceIP, UserAgent: userAgent}
	if err := s.limits.allow("", sourceIP, s.now()); err != nil {
		return Tokens{}, err
	}
	sid, _, ok := strings.Cut(refreshToken, ".")
	if !ok || sid == "" || len(refreshToken) > 256 {
		return Tokens{}, unauthenticated("not a refresh token")
	}
	next, hash, err := newRefreshToken(sid)
	if err != nil {
		return Tokens{}, err
	}
	sess, err := s.st.RotateSession(ctx, sid, hashSecret(refreshToken), hash, s.now().Add(s.cfg.RefreshTTL))
	if err != nil {
		return Tokens{}, s.refreshFailed(ctx, rec, sid, err)
	}
	u, err := s.st.UserByID(ctx, sess.UserID)
	if err != nil || !u.DisabledAt.IsZero() {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return Tokens{}, unauthenticated("the user is disabled or deleted")
		}
		return Tokens{}, err
	}
	return s.tokens(ctx, u, sid, next)
}

func (s *Service) refreshFailed(ctx context.Context, rec auditRec, sid string, err error) error {
	for _, k := range []struct {
		kind   error
		reason string
	}{{store.ErrNotFound, "unknown_session"}, {store.ErrRevoked, "revoked"}, {store.ErrExpired, "expired"}, {store.ErrReused, "reused"}} {
		if errors.Is(err, k.kind) {
			if k.kind == store.ErrReused {
				if sess, e := s.st.Session(ctx, sid); e == nil {
					if u, e := s.st.UserByID(ctx, sess.UserID); e == nil {
						rec.Actor, rec.Role = u.Name, u.Role
					}
				}
				s.auditFailure(ctx, rec, "reused: the session is revoked")
			}
			return unauthenticated("the refresh token is " + map[string]string{
				"unknown_session": "unknown", "revoked": "revoked", "expired": "expired", "reused": "spent; the session is revoked",
			}[k.reason])
		}
	}
	return err
}

// Logout revokes one session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return apierr.Invalid("session", "this credential has no session (an API key?)")
	}
	return s.st.RevokeSession(ctx, sessionID)
}

// LogoutAll revokes every session of a user ("sign out everywhere").
func (s *Service) LogoutAll(ctx context.Context, userID int64) error {
	_, err := s.st.RevokeUserSessions(ctx, userID)
	return err
}

// Authenticate checks a bearer credential: an access token (JWT) or an
// API key (pk_…). An access token is refused once its session is revoked
// or its user disabled or deleted: the session and the user are read from
// the store on every call (no cache), so that takes effect at once, on
// every replica. The principal's role is the user's current role.
// Refusals wrap ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if bearer == "" {
		return Principal{}, unauthenticated("no credentials")
	}
	if strings.HasPrefix(bearer, APIKeyPrefix) {
		return s.authenticateKey(ctx, bearer)
	}
	c, err := s.verify(ctx, bearer, typAccess)
	if err != nil {
		return Principal{}, &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.CodeUnauthenticated, Message: "invalid access token", Err: err}
	}
	uid, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return Principal{}, unauthenticated("invalid access token")
	}
	sess, err := s.st.Session(ctx, c.SID)
	if err != nil || sess.UserID != uid || !sess.RevokedAt.IsZero() || !s.now().Before(sess.ExpiresAt) {
		return Principal{}, refusal(err, "the session ended")
	}
	u, err := s.st.UserByID(ctx, uid)
	if err != nil || !u.DisabledAt.IsZero() {
		return Principal{}, refusal(err, "the user is disabled or deleted")
	}
	return Principal{Subject: u.Name, UserID: u.ID, Role: Role(u.Role), Method: Method(sess.Method), SessionID: sess.ID}, nil
}

// refusal is a 401, unless err is a store failure other than not found.
func refusal(err error, msg string) error {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return unauthenticated(msg)
}

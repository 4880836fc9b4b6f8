package store

import (
	"context"
	"time"
	"unicode"
	"unicode/utf8"
)

// AuthStore is the storage of the management API's sign-in: users,
// their TOTP and recovery codes, refresh sessions, API keys, the JWT
// signing keys shared by replicas, the first-start setup tokens and the
// audit log. Secrets are stored as hashes (refresh tokens, API keys,
// recovery codes, setup tokens) by the caller; the store never sees them
// in clear. The TOTP secret and the password hash are returned only by
// the calls that verify them (UserCredentials, TOTPSecret), never by
// Users. See docs/CONTROLLER_STORE.md.
type AuthStore interface {
	// CreateUser adds a user; a taken name is ErrConflict on "name".
	CreateUser(ctx context.Context, u UserSpec) (User, error)
	// CreateFirstUser consumes a valid setup token (by hash) and creates
	// u in one transaction, only while there are no users: otherwise
	// ErrConflict on "users"; an unknown or expired token is
	// ErrTokenUnknown / ErrTokenExpired. All setup tokens are deleted.
	CreateFirstUser(ctx context.Context, setupTokenHash string, u UserSpec) (User, error)
	// AddSetupToken stores the hash of a first-start setup token valid
	// until expires, unless there are users (then added = false).
	AddSetupToken(ctx context.Context, hash string, expires time.Time) (added bool, err error)
	User(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByOIDC finds the user made at the first OIDC sign-in of
	// (issuer, subject).
	UserByOIDC(ctx context.Context, issuer, subject string) (User, error)
	// UserCredentials returns the user and the password hash ("" for
	// OIDC users).
	UserCredentials(ctx context.Context, name string) (User, string, error)
	// Users lists every user by name.
	Users(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, name string, c UserChange) (User, error)
	// DeleteUser deletes a user with its sessions, API keys, recovery
	// and used TOTP codes.
	DeleteUser(ctx context.Context, name string) error
	// CountUsers counts users.
	CountUsers(ctx context.Context) (int, error)
	// RecordLogin sets the user's last sign-in.
	RecordLogin(ctx context.Context, userID int64, at time.Time) error

	// SetTOTP sets the user's TOTP secret ("" removes it) and whether MFA
	// is on. Removing it also deletes the recovery codes.
	SetTOTP(ctx context.Context, userID int64, secret string, enabled bool) error
	// TOTPSecret returns the secret ("" none) and whether MFA is on.
	TOTPSecret(ctx context.Context, userID int64) (secret string, enabled bool, err error)
	// UseTOTPStep records that the user used the code of a time step;
	// a second use of one step is ErrConflict on "otp".
	UseTOTPStep(ctx context.Context, userID, step int64) error
	// SetRecoveryCodes replaces the user's recovery codes (hashes).
	SetRecoveryCodes(ctx context.Context, userID int64, hashes []string) error
	// UseRecoveryCode consumes an unused code of the user by hash;
	// unknown or used: ErrNotFound.
	UseRecoveryCode(ctx context.Context, userID int64, hash string) error
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)

	// CreateSession starts a refresh token family.
	CreateSession(ctx context.Context, s SessionSpec) (Session, error)
	// Session returns a session by ID.
	Session(ctx context.Context, id string) (Session, error)
	// RotateSession replaces the session's current refresh token hash
	// oldHash by newHash and moves its expiry, in one transaction. If
	// oldHash is not the current hash (a used token presented again, or a
	// concurrent rotation won) the whole session is revoked and the error
	// matches ErrReused. A revoked session: ErrRevoked; expired: ErrExpired.
	RotateSession(ctx context.Context, id, oldHash, newHash string, expires time.Time) (Session, error)
	// RevokeSession revokes one session (idempotent).
	RevokeSession(ctx context.Context, id string) error
	// RevokeUserSessions revokes every session of a user.
	RevokeUserSessions(ctx context.Context, userID int64) (int64, error)

	// CreateAPIKey stores a key; its ID is the first 16 hex digits of
	// its hash. A name taken by the owner: ErrConflict on "name".
	CreateAPIKey(ctx context.Context, k APIKeySpec) (APIKey, error)
	// APIKeyByHash finds a key by the hash of its secret.
	APIKeyByHash(ctx context.Context, hash string) (APIKey, error)
	// APIKeys lists keys of one owner (ownerID 0: all), oldest first.
	APIKeys(ctx context.Context, ownerID int64) ([]APIKey, error)
	// RevokeAPIKey revokes a key by ID (idempotent).
	RevokeAPIKey(ctx context.Context, id string) error
	// TouchAPIKey records the key's last use.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error

	// SigningKeys returns the JWT signing keys, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey adds a key whose Generation must be one more than
	// the newest (ErrConflict when another replica added it first) and
	// deletes all but this key and the one before it.
	AddSigningKey(ctx context.Context, k SigningKey) error

	// AddAudit appends an entry; At zero means now. Returns it with ID.
	AddAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// AuditLog returns entries newest first.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
}

// UserSource is where a user comes from.
const (
	SourceLocal = "local"
	SourceOIDC  = "oidc"
)

// UserRoles are the roles a user or API key may have (controller/auth
// names them; the store only checks membership).
var UserRoles = []string{"admin", "operator", "viewer"}

// User is a stored user, without secrets.
type User struct {
	ID          int64
	Name        string
	Role        string
	Source      string // SourceLocal or SourceOIDC
	OIDCIssuer  string
	OIDCSubject string
	MFAEnabled  bool
	CreatedAt   time.Time
	DisabledAt  time.Time // zero: enabled
	LastLogin   time.Time // zero: never
}

// UserSpec is a new user.
type UserSpec struct {
	Name         string
	Role         string
	Source       string // "" means SourceLocal
	PasswordHash string // required for local users, empty for OIDC users
	OIDCIssuer   string
	OIDCSubject  string
}

// UserChange changes a user; nil fields stay.
type UserChange struct {
	Role         *string
	PasswordHash *string
	Disabled     *bool
}

// Session is a refresh token family: one sign-in.
type Session struct {
	ID         string
	UserID     int64
	Method     string
	SourceIP   string
	UserAgent  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time // zero: live
}

// SessionSpec starts a session.
type SessionSpec struct {
	ID        string // random, chosen by the caller
	UserID    int64
	TokenHash string
	Method    string
	SourceIP  string
	UserAgent string
	ExpiresAt time.Time
}

// APIKeySpec is a new API key.
type APIKeySpec struct {
	Name      string
	Role      string
	OwnerID   int64
	Hash      string // hex SHA-256 of the secret
	ExpiresAt time.Time
}

// APIKey is a stored API key, without its secret.
type APIKey struct {
	ID        string
	Name      string
	Role      string
	OwnerID   int64
	Owner     string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	LastUsed  time.Time
	RevokedAt time.Time
}

// SigningKey is a JWT signing key shared by the controller replicas.
type SigningKey struct {
	Generation int64
	KID        string
	Alg        string // "EdDSA"
	Private    []byte // the private key (Ed25519: 64 bytes)
	CreatedAt  time.Time
}

// maxUserNameLen bounds user names (OIDC names may be e-mail addresses).
const maxUserNameLen = 128

// ValidateUserName checks a user or API key name: 1 to 128 bytes of
// printable UTF-8 without leading or trailing space. Anything else,
// quotes and SQL metacharacters included, is allowed: names are always
// bound as parameters.
func ValidateUserName(entity, name string) error {
	switch {
	case name == "":
		return invalid(entity, "name", "empty")
	case len(name) > maxUserNameLen:
		return invalid(entity, "name", "longer than %d bytes", maxUserNameLen)
	case !utf8.ValidString(name):
		return invalid(entity, "name", "not UTF-8")
	}
	for _, c := range name {
		if !unicode.IsPrint(c) && c != ' ' {
			return invalid(entity, "name", "%q has a control or unprintable character", name)
		}
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' {
		return invalid(entity, "name", "%q starts or ends with a space", name)
	}
	return nil
}

// ValidateUserRole checks a role name.
func ValidateUserRole(entity, role string) error {
	for _, r := range UserRoles {
		if r == role {
			return nil
		}
	}
	return invalid(entity, "role", "%q is not a role (admin, operator, viewer)", role)
}

// Validate checks a user spec.
func (u UserSpec) Validate() error {
	if err := ValidateUserName("user", u.Name); err != nil {
		return err
	}
	if err := ValidateUserRole("user", u.Role); err != nil {
		return err
	}
	switch u.Source {
	case "", SourceLocal:
		if u.PasswordHash == "" {
			return invalid("user", "password", "a local user needs a password")
		}
	case SourceOIDC:
		if u.OIDCIssuer == "" || u.OIDCSubject == "" {
			return invalid("user", "oidc_subject", "an OIDC user needs an issuer and a subject")
		}
	default:
		return invalid("user", "source", "%q is neither %q nor %q", u.Source, SourceLocal, SourceOIDC)
	}
	return nil
}

// Validate checks an API key spec.
func (k APIKeySpec) Validate() error {
	if err := ValidateUserName("api_key", k.Name); err != nil {
		return err
	}
	if err := ValidateUserRole("api_key", k.Role); err != nil {
		return err
	}
	if len(k.Hash) != 64 {
		return invalid("api_key", "hash", "not a hex SHA-256")
	}
	return nil
}

// Validate checks an audit query.
func (q AuditQuery) Validate() error {
	if q.Limit < 0 || q.Limit > MaxAuditLimit {
		return invalid("audit", "limit", "%d is not in 0..%d", q.Limit, MaxAuditLimit)
	}
	if q.BeforeID < 0 {
		return invalid("audit", "before_id", "negative")
	}
	return nil
}

// Audit query limits.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

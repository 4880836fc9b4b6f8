package auth

import (
	"errors"
	"time"
)

// The contract of user and API key administration that the API layer
// calls (*Service implements it).

// ErrUnauthenticated wraps every refusal to authenticate (bad, expired or
// revoked credentials). Its message never contains a secret.
var ErrUnauthenticated = errors.New("unauthenticated")

// User is a person who signs in to the API.
type User struct {
	ID   int64
	Name string
	Role Role
	// Source is "local" (password) or "oidc" (made at first OIDC sign-in).
	Source     string
	MFAEnabled bool
	CreatedAt  time.Time
	// DisabledAt is when the user was disabled; zero while enabled.
	DisabledAt time.Time
	// LastLogin is the last successful sign-in; zero: never.
	LastLogin time.Time
}

// NewUser is what creating a local user takes.
type NewUser struct {
	Name     string
	Role     Role
	Password string
}

// UserUpdate changes a user; nil fields are left as they are.
type UserUpdate struct {
	Role     *Role
	Disabled *bool
	Password *string
}

// APIKey is a named credential for scripts. Its secret is shown once, at
// creation; only a hash is kept.
type APIKey struct {
	ID        string
	Name      string
	Role      Role
	Owner     string // the user who made it
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	LastUsed  time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
}

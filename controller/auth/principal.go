// Package auth decides who calls the controller's management API and what
// they may do: users with Argon2id passwords, TOTP and recovery codes,
// short-lived JWT access tokens with rotating single-use refresh tokens,
// API keys for scripts, OIDC sign-in, and the three roles.
//
// This file is the contract the API layer builds on: roles, permissions
// and the authenticated principal carried in a request's context.
package auth

import (
	"context"
	"fmt"
)

// Role is what a principal may do.
type Role string

// The roles, from most to least powerful.
const (
	// RoleAdmin may do everything, users and API keys included.
	RoleAdmin Role = "admin"
	// RoleOperator may change the network (sites, tokens, links,
	// prefixes, policies, pins) but not users, API keys or operators.
	RoleOperator Role = "operator"
	// RoleViewer may read everything that is not a secret.
	RoleViewer Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleOperator, RoleViewer}

// ParseRole returns the role named s, or an error naming the valid ones.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleOperator, RoleViewer:
		return r, nil
	}
	return "", fmt.Errorf("%q is not a role (admin, operator, viewer)", s)
}

// Permission is what an operation needs.
type Permission int

// The permissions, each implying the ones before it.
const (
	// Read: queries and subscriptions.
	Read Permission = iota + 1
	// Operate: changes to the network.
	Operate
	// Administer: users, API keys, operator certificates, the audit log's
	// retention.
	Administer
)

func (p Permission) String() string {
	switch p {
	case Read:
		return "read"
	case Operate:
		return "operate"
	case Administer:
		return "administer"
	}
	return fmt.Sprintf("permission(%d)", int(p))
}

// Can reports whether r grants p. An unknown role grants nothing.
func (r Role) Can(p Permission) bool {
	switch r {
	case RoleAdmin:
		return p >= Read && p <= Administer
	case RoleOperator:
		return p == Read || p == Operate
	case RoleViewer:
		return p == Read
	}
	return false
}

// Method is how a principal proved who it is.
type Method string

// The methods.
const (
	MethodPassword    Method = "password"    // username, password (and TOTP)
	MethodOIDC        Method = "oidc"        // an OpenID Connect provider
	MethodAPIKey      Method = "api_key"     // a named API key
	MethodCertificate Method = "certificate" // an operator certificate of the controller's CA (acts as admin)
	MethodSetupToken  Method = "setup_token" // the one-time first-start token (may only create the first admin)
)

// Principal is an authenticated caller.
type Principal struct {
	// Subject names the caller: a user name, an API key's name, or an
	// operator certificate's identity.
	Subject string
	// UserID is the user's ID; 0 for certificates and setup tokens. An
	// API key carries its owner's ID.
	UserID int64
	Role   Role
	Method Method
	// SessionID identifies the sign-in (the refresh token family) an
	// access token belongs to; empty for API keys and certificates.
	SessionID string
	// KeyID is the API key's ID, for MethodAPIKey.
	KeyID string
}

// Can reports whether the principal's role grants p.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

package store

import (
	"errors"
	"fmt"
)

// Sentinel errors; match them with errors.Is.
var (
	ErrNotFound   = errors.New("not found")
	ErrConflict   = errors.New("conflict")   // a unique key is taken
	ErrConstraint = errors.New("constraint") // a reference or check fails
	ErrInvalid    = errors.New("invalid")    // bad input, rejected before the database
	ErrClosed     = errors.New("store closed")
	ErrStale      = errors.New("stale revision") // an expected revision is not the current one

	ErrTokenUnknown = errors.New("join token unknown")
	ErrTokenUsed    = errors.New("join token already used")
	ErrTokenExpired = errors.New("join token expired")
	ErrTokenRevoked = errors.New("join token revoked")

	// Sign-in sessions (AuthStore.RotateSession).
	ErrRevoked = errors.New("revoked")
	ErrExpired = errors.New("expired")
	ErrReused  = errors.New("refresh token reused")

	// ErrFull: the database has no room left (its disk, or a size limit
	// such as sqlite.Options.MaxBytes). Nothing of the refused write was
	// stored; the same write may succeed once there is room: retry.
	ErrFull = errors.New("out of space")

	// ErrSchemaTooNew: the database was migrated by a newer binary.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// Error is a store error about one entity and, where known, one field.
type Error struct {
	Kind   error  // one of the sentinels above
	Entity string // "site", "prefix", …
	Field  string // "name", "public_key", … (may be empty)
	Msg    string // what happened, for people
	Err    error  // the database error, if any
}

func (e *Error) Error() string {
	s := "store: " + e.Entity
	if e.Field != "" {
		s += "." + e.Field
	}
	s += ": " + e.Kind.Error() + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches the error's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the database error.
func (e *Error) Unwrap() error { return e.Err }

func invalid(entity, field, format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Entity: entity, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotFound makes an ErrNotFound error.
func NotFound(entity, format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Entity: entity, Msg: fmt.Sprintf(format, args...)}
}

// Conflict makes an ErrConflict error.
func Conflict(entity, field string, err error, format string, args ...any) error {
	return &Error{Kind: ErrConflict, Entity: entity, Field: field, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Constraint makes an ErrConstraint error.
func Constraint(entity, field string, err error, format string, args ...any) error {
	return &Error{Kind: ErrConstraint, Entity: entity, Field: field, Msg: fmt.Sprintf(format, args...), Err: err}
}

// TokenError makes a join token error of kind (ErrTokenUsed, …).
func TokenError(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Entity: "join_token", Msg: fmt.Sprintf(format, args...)}
}

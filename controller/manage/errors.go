package manage

import (
	"context"
	"errors"
	"fmt"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Code is an error's machine-readable kind; the APIs send it as is
// (GraphQL extensions.code, REST's error code).
type Code string

// The codes.
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED" // no principal in the context
	CodeForbidden       Code = "FORBIDDEN"       // the role does not grant the operation
	CodeNotFound        Code = "NOT_FOUND"
	CodeInvalidArgument Code = "INVALID_ARGUMENT" // Field names the input at fault
	CodeConflict        Code = "CONFLICT"         // taken name, owned prefix, used token, …
	CodeStale           Code = "STALE"            // expected revision is not the current one
	CodeInternal        Code = "INTERNAL"
)

// Error is the one error type of every operation. Its message never holds
// a secret.
type Error struct {
	Code Code
	// Field is the input at fault for CodeInvalidArgument (and, where the
	// store knows it, for the others): snake_case as in the REST API and
	// the store ("public_key", "policies[0].sla_class").
	Field string
	Msg   string
	Err   error // the cause, if any
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// invalid makes a CodeInvalidArgument error about field.
func invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidArgument, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Msg: fmt.Sprintf(format, args...)}
}

// ErrorOf returns err as an *Error: itself if it is one, else mapped from
// the store's sentinels (store.ErrNotFound, …); anything else is
// CodeInternal. nil stays nil.
func ErrorOf(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return (&Error{Code: apiCodes[ae.Code], Field: ae.Field, Msg: ae.Message, Err: err}).internalHidden()
	}
	out := &Error{Code: codeOf(err), Msg: err.Error(), Err: err}
	var se *store.Error
	if errors.As(err, &se) {
		out.Field, out.Msg = se.Field, se.Entity+": "+se.Kind.Error()+": "+se.Msg
	}
	if out.Code == CodeInternal {
		out.Msg = "internal error"
	}
	return out
}

// apiCodes maps the HTTP API's codes (the user service's errors) to
// codes; one not listed is internal.
var apiCodes = map[string]Code{
	apierr.CodeInvalid: CodeInvalidArgument, apierr.CodeUnauthenticated: CodeUnauthenticated,
	apierr.CodeForbidden: CodeForbidden, apierr.CodeNotFound: CodeNotFound, apierr.CodeConflict: CodeConflict,
}

// internalHidden gives an internal error (or one of no code) no detail.
func (e *Error) internalHidden() *Error {
	if e.Code == "" || e.Code == CodeInternal {
		e.Code, e.Field, e.Msg = CodeInternal, "", "internal error"
	}
	return e
}

// orNil returns e as an error, nil when e is nil.
func (e *Error) orNil() error {
	if e == nil {
		return nil
	}
	return e
}

// CodeOf returns the code of err (CodeInternal for an error of no known kind).
func CodeOf(err error) Code {
	if e := ErrorOf(err); e != nil {
		return e.Code
	}
	return ""
}

func codeOf(err error) Code {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, store.ErrInvalid):
		return CodeInvalidArgument
	case errors.Is(err, store.ErrStale):
		return CodeStale
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrConstraint),
		errors.Is(err, store.ErrTokenUsed), errors.Is(err, store.ErrTokenRevoked),
		errors.Is(err, store.ErrTokenExpired):
		return CodeConflict
	case errors.Is(err, store.ErrTokenUnknown):
		return CodeNotFound
	case errors.Is(err, auth.ErrUnauthenticated):
		return CodeUnauthenticated
	case errors.Is(err, auth.ErrForbidden):
		return CodeForbidden
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return CodeInternal
	}
	return CodeInternal
}

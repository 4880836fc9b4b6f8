// Package apierr is the one error shape of the controller's HTTP APIs
// (REST, auth, GraphQL extensions):
//
//	{"error": {"code": "invalid", "message": "…", "field": "password"}}
//
// with the HTTP status that goes with the code, and strict, bounded JSON
// request bodies. It maps the store's typed errors, so handlers write
// whatever error they get with Write.
package apierr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// The codes, each with its HTTP status.
const (
	CodeInvalid          = "invalid"            // 400: bad input; Field names it
	CodeUnauthenticated  = "unauthenticated"    // 401: no, bad, expired or revoked credentials
	CodeMFARequired      = "mfa_required"       // 401: the password was right, a TOTP code is needed
	CodeForbidden        = "forbidden"          // 403: the role does not allow it
	CodeNotFound         = "not_found"          // 404
	CodeMethod           = "method_not_allowed" // 405
	CodeConflict         = "conflict"           // 409: a name is taken, a revision is stale
	CodeTooLarge         = "body_too_large"     // 413
	CodeUnsupportedMedia = "unsupported_media"  // 415: not application/json
	CodeTooManyRequests  = "too_many_requests"  // 429: RetryAfter says when to try again
	CodeInternal         = "internal"           // 500: details only in the server's log
	CodeUnavailable      = "unavailable"        // 503
)

// MaxBody bounds a JSON request body.
const MaxBody = 64 << 10

// Error is an API error. It unwraps to Err, so errors.Is matches the
// cause (auth.ErrUnauthenticated, store.ErrNotFound, …).
type Error struct {
	Status     int           `json:"-"`
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Field      string        `json:"field,omitempty"`
	RetryAfter time.Duration `json:"-"` // for 429: sent as Retry-After (whole seconds, rounded up)
	Err        error         `json:"-"`
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Field != "" {
		s = e.Code + ": " + e.Field + ": " + e.Message
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New makes an error.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid makes a 400 naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// From turns any error into an API error: an *Error as it is, the store's
// typed errors by kind, anything else as an internal error whose message
// says nothing (log the original).
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *store.Error
	if errors.As(err, &se) {
		return fromStore(se)
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error", Err: err}
}

func fromStore(se *store.Error) *Error {
	e := &Error{Field: se.Field, Message: se.Entity + ": " + se.Msg, Err: se}
	switch se.Kind {
	case store.ErrInvalid:
		e.Status, e.Code = http.StatusBadRequest, CodeInvalid
	case store.ErrNotFound:
		e.Status, e.Code = http.StatusNotFound, CodeNotFound
	case store.ErrConflict, store.ErrStale, store.ErrConstraint:
		e.Status, e.Code = http.StatusConflict, CodeConflict
	case store.ErrClosed:
		e.Status, e.Code = http.StatusServiceUnavailable, CodeUnavailable
	default:
		e.Status, e.Code = http.StatusBadRequest, CodeInvalid
	}
	return e
}

// Write writes err as the JSON error shape with its status. Internal
// errors say "internal error" only.
func Write(w http.ResponseWriter, err error) {
	e := From(err)
	if e.RetryAfter > 0 {
		secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	WriteJSON(w, e.Status, map[string]*Error{"error": e})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Decode reads a JSON body into dst strictly: Content-Type
// application/json, at most MaxBody bytes, no unknown fields, one value.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return New(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "the body must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return New(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is larger than %d bytes", MaxBody)
		}
		return Invalid("", "reading the body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return Invalid("", "more than one JSON value in the body")
	}
	return nil
}

func jsonError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return Invalid(te.Field, "wrong type: want %s", te.Type)
	}
	if f, ok := unknownField(err); ok {
		return Invalid(f, "unknown field")
	}
	return Invalid("", "bad JSON: %v", err)
}

// unknownField extracts the name of encoding/json's unknown field error.
func unknownField(err error) (string, bool) {
	const prefix = `json: unknown field "`
	s := err.Error()
	if len(s) > len(prefix)+1 && s[:len(prefix)] == prefix && s[len(s)-1] == '"' {
		return s[len(prefix) : len(s)-1], true
	}
	return "", false
}

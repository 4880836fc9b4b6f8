// Package apierr is the one error shape of the controller's HTTP APIs:
//
//	{"error": {"code": "invalid_argument", "message": "…", "field": "name"}}
//
// with the HTTP status that goes with each code. Every handler of the
// management API (REST, auth, the HTTP layer around GraphQL) answers
// errors through Write, so that a client parses one shape everywhere.
// Messages are for people and never contain a secret; code is for
// programs; field names the request field at fault, when one is.
package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Code is a machine-readable error code.
type Code string

// The codes, each with its HTTP status (Status).
const (
	InvalidArgument  Code = "invalid_argument"   // 400: a field is missing or bad
	Unauthenticated  Code = "unauthenticated"    // 401: no or bad credentials
	PermissionDenied Code = "permission_denied"  // 403: the role does not allow it
	OriginRefused    Code = "origin_refused"     // 403: a cross-origin request from an origin not allowed
	NotFound         Code = "not_found"          // 404
	MethodNotAllowed Code = "method_not_allowed" // 405
	Conflict         Code = "conflict"           // 409: it exists, or is in use
	StaleRevision    Code = "stale_revision"     // 412: an expected revision is not the current one
	TooLarge         Code = "payload_too_large"  // 413
	UnsupportedMedia Code = "unsupported_media"  // 415: the body is not JSON
	RateLimited      Code = "rate_limited"       // 429
	Internal         Code = "internal"           // 500
	Unavailable      Code = "unavailable"        // 503: a dependency (the store) is down
)

var statuses = map[Code]int{
	InvalidArgument:  http.StatusBadRequest,
	Unauthenticated:  http.StatusUnauthorized,
	PermissionDenied: http.StatusForbidden,
	OriginRefused:    http.StatusForbidden,
	NotFound:         http.StatusNotFound,
	MethodNotAllowed: http.StatusMethodNotAllowed,
	Conflict:         http.StatusConflict,
	StaleRevision:    http.StatusPreconditionFailed,
	TooLarge:         http.StatusRequestEntityTooLarge,
	UnsupportedMedia: http.StatusUnsupportedMediaType,
	RateLimited:      http.StatusTooManyRequests,
	Internal:         http.StatusInternalServerError,
	Unavailable:      http.StatusServiceUnavailable,
}

// Status is the HTTP status of code; 500 for a code not listed above.
func (c Code) Status() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is an API error.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// New returns an error of code about field ("" for none).
func New(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Body is the JSON document of an error response.
type Body struct {
	Error *Error `json:"error"`
}

// Write answers the request with e as JSON and its code's status.
func Write(w http.ResponseWriter, e *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(e.Code.Status())
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(Body{Error: e})
}

// WriteErr answers with err if it is (or wraps) an *Error, else with a
// 500 whose message says nothing of err (the caller logs it).
func WriteErr(w http.ResponseWriter, err error) {
	var e *Error
	if errors.As(err, &e) {
		Write(w, e)
		return
	}
	Write(w, New(Internal, "", "internal error"))
}

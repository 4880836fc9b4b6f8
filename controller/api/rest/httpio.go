package rest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// statuses maps manage's error codes to the API's status and code.
var statuses = map[manage.Code]struct {
	status int
	code   string
}{
	manage.CodeUnauthenticated: {http.StatusUnauthorized, apierr.CodeUnauthenticated},
	manage.CodeForbidden:       {http.StatusForbidden, apierr.CodeForbidden},
	manage.CodeNotFound:        {http.StatusNotFound, apierr.CodeNotFound},
	manage.CodeInvalidArgument: {http.StatusBadRequest, apierr.CodeInvalid},
	manage.CodeConflict:        {http.StatusConflict, apierr.CodeConflict},
	manage.CodeStale:           {http.StatusPreconditionFailed, apierr.CodeStale},
}

// writeError answers err: an *apierr.Error as it is, else manage's error
// by its code. Internal errors were logged by manage; their message says
// nothing more.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		apierr.Write(w, ae)
		return
	}
	me := manage.ErrorOf(err)
	s, ok := statuses[me.Code]
	if !ok {
		h.log.Error("rest: request failed", "method", r.Method, "url_path", r.URL.Path, "err", err)
		apierr.Write(w, apierr.New(http.StatusInternalServerError, apierr.CodeInternal, "internal error"))
		return
	}
	if s.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="patronus"`)
	}
	apierr.Write(w, &apierr.Error{Status: s.status, Code: s.code, Message: me.Msg, Field: me.Field})
}

// writeJSON answers v with status. It returns nil (for handlers to return
// it): once the status is sent, a failed write (the client went away)
// cannot be answered with an error.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // path IDs have "->"; JSON, not HTML
	_ = enc.Encode(v)
	return nil
}

// decode reads the request's JSON body into v: one object, no unknown
// fields, nothing after it. Errors name the problem and, where known,
// the field.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return fieldErr("Content-Type", http.StatusUnsupportedMediaType, apierr.CodeUnsupportedMedia, "the body must be application/json, not %q", ct)
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return apierr.Invalid("", "body: more than one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		invalid *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooBig):
		return apierr.New(http.StatusRequestEntityTooLarge, apierr.CodeTooLarge, "request body larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return apierr.Invalid("", "body: a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apierr.Invalid("", "body: JSON ends early")
	case errors.As(err, &syntax):
		return apierr.Invalid("", "body: not JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		return apierr.Invalid(typ.Field, "%s: expected %s, got JSON %s", fieldOr(typ.Field), jsonKind(typ.Type), typ.Value)
	case errors.As(err, &invalid):
		return err
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return apierr.Invalid(f, "%s: no such field", f)
	}
	return apierr.Invalid("", "body: %v", err)
}

// jsonKind names what JSON a Go type takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
}

// fieldErr is an API error about a field (a header, a parameter).
func fieldErr(field string, status int, code, format string, args ...any) *apierr.Error {
	e := apierr.New(status, code, format, args...)
	e.Field = field
	return e
}

func fieldOr(f string) string {
	if f == "" {
		return "body"
	}
	return f
}

// Pagination.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// pageParams reads limit and page_token. The token is opaque to clients:
// base64url of the offset into the listing.
func pageParams(r *http.Request) (limit, offset int, err error) {
	limit = defaultLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, apierr.Invalid("limit", "%q is not a number from 1 to %d", s, maxLimit)
		}
		limit = n
	}
	if t := r.URL.Query().Get("page_token"); t != "" {
		offset, err = parsePageToken(t)
		if err != nil {
			return 0, 0, err
		}
	}
	return limit, offset, nil
}

func parsePageToken(t string) (int, error) {
	bad := apierr.Invalid("page_token", "not a page token of this listing (pass next_page_token as it came)")
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, bad
	}
	s, ok := strings.CutPrefix(string(b), "o:")
	if !ok {
		return 0, bad
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, bad
	}
	return n, nil
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// list is the body of every listing.
type list[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// writePage answers one page of all (already in the listing's order),
// converted by conv.
func writePage[S, T any](w http.ResponseWriter, r *http.Request, all []S, conv func(S) T) error {
	limit, offset, err := pageParams(r)
	if err != nil {
		return err
	}
	out := list[T]{Items: []T{}}
	if offset < len(all) {
		end := min(offset+limit, len(all))
		for _, s := range all[offset:end] {
			out.Items = append(out.Items, conv(s))
		}
		if end < len(all) {
			out.NextPageToken = pageToken(end)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryTime parses an RFC 3339 time parameter; "" is the zero time.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apierr.Invalid(name, "%q is not an RFC 3339 time (2026-01-02T15:04:05Z)", s)
	}
	return t, nil
}

// queryBool parses a true/false parameter; "" is nil.
func queryBool(r *http.Request, name string) (*bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, apierr.Invalid(name, "%q is neither true nor false", s)
	}
	return &b, nil
}

// etag is a revision as an entity tag.
func etag(revision int64) string { return fmt.Sprintf("%q", strconv.FormatInt(revision, 10)) }

// ifMatch reads If-Match: a revision's entity tag; absent: 0 (any).
func ifMatch(r *http.Request) (int64, error) {
	s := strings.TrimSpace(r.Header.Get("If-Match"))
	if s == "" || s == "*" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(s, "W/"), `"`), 10, 64)
	if err != nil || n < 1 {
		return 0, apierr.Invalid("If-Match", "%q is not a policy set's ETag (\"REVISION\")", s)
	}
	return n, nil
}

package apierr

import (
	"context"
	"net/http"
)

// Codes of the HTTP layer around the APIs (controller/api) and of
// conditional requests (REST).
const (
	CodeOriginRefused = "origin_refused" // 403: a cross-origin request or WebSocket from an origin not allowed
	CodeStale         = "stale_revision" // 412: If-Match (an expected revision) is not the current one
)

// Mux serves mux, answering requests that match no route with this
// package's JSON shape instead of the ServeMux's plain text: 404, or 405
// with the Allow header the mux computed.
func Mux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			recordRoute(r, pattern)
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			Write(w, New(http.StatusMethodNotAllowed, CodeMethod, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
			return
		}
		Write(w, New(http.StatusNotFound, CodeNotFound, "no such resource: %s", r.URL.Path))
	})
}

// statusRecorder keeps the status and headers of the mux's own error
// answer and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }

func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

type routeKey struct{}

// WithRoute returns ctx with a slot that Mux fills with the pattern of
// the route a request matched ("GET /api/v1/networks/{network}"; the
// innermost Mux's when they nest), for metrics by route template; and
// the slot, empty until a Mux routes the request.
func WithRoute(ctx context.Context) (context.Context, *string) {
	slot := new(string)
	return context.WithValue(ctx, routeKey{}, slot), slot
}

// recordRoute fills r's route slot, if it has one.
func recordRoute(r *http.Request, pattern string) {
	if slot, ok := r.Context().Value(routeKey{}).(*string); ok {
		*slot = pattern
	}
}

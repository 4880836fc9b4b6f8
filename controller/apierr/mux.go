package apierr

import "net/http"

// Mux serves mux, answering requests that match no route with this
// package's JSON shape instead of the ServeMux's plain text: 404, or 405
// with the Allow header the mux computed.
func Mux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header()["Allow"] = rec.header["Allow"]
			Write(w, New(MethodNotAllowed, "", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow")))
			return
		}
		Write(w, New(NotFound, "", "no such resource: %s", r.URL.Path))
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

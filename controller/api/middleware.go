package api

import (
	"net"
	"net/http"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
)

// Security headers of every API response. The API serves JSON only, so
// its Content-Security-Policy allows nothing: a response opened in a
// browser runs no script and loads nothing, and no page may frame it.
const (
	contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	strictTransport       = "max-age=31536000"
)

// securityHeaders sets the headers every response carries; HSTS only on
// TLS, where it means something.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", strictTransport)
		}
		next.ServeHTTP(w, r)
	})
}

// maxUserAgent bounds the user agent the audit log keeps.
const maxUserAgent = 256

// withRequestInfo puts the source address and user agent into the
// request's context for the audit log (manage and the auth service read
// the same value).
func withRequestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		if len(ua) > maxUserAgent {
			ua = ua[:maxUserAgent]
		}
		ip := sourceIP(r)
		ctx := auth.WithRequestMeta(r.Context(), auth.RequestMeta{SourceIP: ip, UserAgent: ua})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sourceIP is the connection's remote address without the port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitBody refuses a body larger than the limit: at once when
// Content-Length says so, else when a handler reads past it (the reader
// returns *http.MaxBytesError, which handlers answer with 413).
func (s *server) limitBody(next http.Handler) http.Handler {
	limit := s.cfg.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			apierr.Write(w, apierr.New(http.StatusRequestEntityTooLarge, apierr.CodeTooLarge, "request body of %d bytes is larger than %d", r.ContentLength, limit))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a logged 500. The
// http.ErrAbortHandler panic is the standard way to abort a response and
// is passed on.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("api: handler panicked", "method", r.Method, "url_path", r.URL.Path, "panic", v)
			apierr.Write(w, apierr.New(http.StatusInternalServerError, apierr.CodeInternal, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// fieldErr is an API error about a field (a header).
func fieldErr(field string, status int, code, format string, args ...any) *apierr.Error {
	e := apierr.New(status, code, format, args...)
	e.Field = field
	return e
}

package api

import (
	"net/http"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// CORS: closed by default. A browser page of another origin may call the
// API only when its origin is listed; it then authenticates with a bearer
// token (no cookies, so no credentials mode). A preflight from an origin
// not listed is refused with 403, and an actual cross-origin request gets
// no Access-Control-Allow-Origin, so the browser withholds the answer.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE"
	corsAllowHeaders  = "Authorization, Content-Type, If-Match"
	corsExposeHeaders = "ETag, Retry-After, WWW-Authenticate"
	corsMaxAge        = "600"
)

type cors struct {
	allowed map[string]bool
}

func newCORS(origins []string) (*cors, error) {
	allowed, err := parseOrigins("cors_origins", origins)
	if err != nil {
		return nil, err
	}
	return &cors{allowed: allowed}, nil
}

func (c *cors) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		ok := c.allowed[strings.ToLower(origin)]
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			c.preflight(w, origin, ok)
			return
		}
		if ok {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		next.ServeHTTP(w, r)
	})
}

func (c *cors) preflight(w http.ResponseWriter, origin string, ok bool) {
	if !ok {
		apierr.Write(w, fieldErr("Origin", http.StatusForbidden, apierr.CodeOriginRefused, "cross-origin requests from %q are not allowed", origin))
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
}

package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// websocket guards the GraphQL WebSocket: an upgrade whose Origin is
// neither the API's own host nor listed is refused (403), so a page of
// another site cannot open a subscription with a user's browser
// (cross-site WebSocket hijacking). A request without Origin does not
// come from a browser page and passes. Credentials are optional here: a
// browser cannot set headers on a WebSocket, so the GraphQL handler
// authenticates connection_init; a bearer header or certificate, when
// sent, must still be good.
func (s *server) websocket(next http.Handler) http.Handler {
	authed := s.authenticate(next, false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !s.originAllowed(origin, r.Host) {
			apierr.Write(w, fieldErr("Origin", http.StatusForbidden, apierr.CodeOriginRefused, "WebSocket connections from %q are not allowed", origin))
			return
		}
		authed.ServeHTTP(w, r)
	})
}

// originAllowed: the origin's host is the one the request was sent to, or
// the origin is listed.
func (s *server) originAllowed(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	return s.wsOrigins[strings.ToLower(u.Scheme+"://"+u.Host)]
}

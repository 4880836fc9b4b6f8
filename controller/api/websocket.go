package api

import (
	"fmt"
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
		if !s.wsOrigin(r) {
			apierr.Write(w, fieldErr("Origin", http.StatusForbidden, apierr.CodeOriginRefused, "WebSocket connections from %q are not allowed", r.Header.Get("Origin")))
			return
		}
		authed.ServeHTTP(w, r)
	})
}

// OriginChecker returns the WebSocket origin rule of the API for the
// listed origins ("scheme://host[:port]"): a request without Origin, or
// whose Origin's host is the host the request was sent to, or whose
// Origin is listed, is allowed. The GraphQL handler's CheckOrigin should
// be this same rule (New applies it before the handler sees a request).
func OriginChecker(origins []string) (func(r *http.Request) bool, error) {
	allowed, err := parseOrigins("websocket_origins", origins)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			return false
		}
		return strings.EqualFold(u.Host, r.Host) || allowed[strings.ToLower(u.Scheme+"://"+u.Host)]
	}, nil
}

// parseOrigins checks and normalises origins ("scheme://host[:port]").
func parseOrigins(field string, origins []string) (map[string]bool, error) {
	set := map[string]bool{}
	for i, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("api: config: %s[%d] %q: an origin is scheme://host[:port], http or https, nothing more", field, i, o)
		}
		set[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return set, nil
}

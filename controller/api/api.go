// Package api is the controller's management API over HTTP: one
// http.Handler that routes
//
//	/api/v1/auth/…          the auth service's handler (sign-in; public)
//	GET /api/v1/openapi.json the REST API's OpenAPI 3 document (public)
//	/api/v1/…               REST v1 (controller/api/rest)
//	/api/v2/graphql          GraphQL queries and mutations
//	/api/v2/graphql/ws       GraphQL subscriptions (graphql-transport-ws)
//	GET /metrics             Prometheus metrics (Config.Metrics; credentials unless MetricsPublic)
//	GET /health/live, /health/ready  liveness and readiness (public)
//	everything else         the web dashboard (Config.UI), except the
//	                        paths reserved to the API and the operations
//	                        endpoints (uiPath), which are a JSON 404
//
// and wraps every route in the same middleware, outermost first: a trace
// span (OpenTelemetry; trace.go), request metrics by route template
// (Config.Requests), panic recovery (500), security headers, request info for the audit log
// (auth.RequestMeta), a per-address rate limit,
// CORS (closed unless origins are listed), a request body limit (413),
// then per route authentication (a bearer token, or an operator
// certificate of the controller's CA acting as admin; none: 401 with
// WWW-Authenticate: Bearer) and a per-principal rate limit. WebSocket upgrades are refused unless their Origin is the
// API's own host or listed. Every error is one JSON shape (apierr).
package api

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/api/rest"
	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// Authenticator turns a bearer credential (an access token or an API key,
// without the "Bearer " prefix) into a principal. Errors that match
// auth.ErrUnauthenticated are the caller's fault (401); others are the
// server's (503). *auth.Service implements it.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (auth.Principal, error)
}

// CertVerifier checks a TLS peer's certificate chain (leaf first) and
// returns its identity: chain to the controller's CA, client-auth usage,
// revocation. *pki.Verifier implements it.
type CertVerifier interface {
	Verify(certs []*x509.Certificate) (pki.Identity, error)
}

// Config is what New needs. Auth and Manage are required.
type Config struct {
	// Auth authenticates bearer credentials.
	Auth Authenticator
	// AuthHandler serves /api/v1/auth/ (sign-in, refresh, logout, …); it
	// authenticates by itself. Nil: not mounted.
	AuthHandler http.Handler
	// Manage performs the REST API's operations.
	Manage rest.Manager
	// GraphQL serves /api/v2/graphql and /api/v2/graphql/ws. Nil: not
	// mounted. It receives requests with the principal in the context
	// (auth.FromContext); a WebSocket request may come without one (the
	// browser sends credentials in connection_init) and must then be
	// authenticated by the handler itself.
	GraphQL http.Handler
	// ClientCerts verifies operator client certificates presented on the
	// TLS connection; an admin identity signs in as RoleAdmin with
	// auth.MethodCertificate. Nil: certificates are not accepted. It is
	// called for every request, so a certificate revoked while its
	// connection stays open is refused from then on.
	ClientCerts CertVerifier
	// CORSOrigins lists the origins ("https://ui.example.com") allowed to
	// call the API from a browser page of another origin. Empty: none.
	CORSOrigins []string
	// WebSocketOrigins lists the origins allowed to open the GraphQL
	// WebSocket besides the API's own host. Empty: only the own host.
	WebSocketOrigins []string
	// UI serves the web dashboard (controller/webui): the paths no API
	// route takes and uiPath accepts. It sets its own
	// Content-Security-Policy and caching headers. Nil: a JSON 404.
	UI http.Handler
	// MaxBodyBytes bounds a request body; 0: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PerAddress limits requests per source address before
	// authentication; zero: DefaultPerAddress.
	PerAddress RateLimit
	// PerPrincipal limits requests per authenticated principal; zero:
	// DefaultPerPrincipal.
	PerPrincipal RateLimit
	// Metrics serves GET /metrics (Prometheus text format); nil: not
	// mounted. It needs credentials of any role (a bearer token, an API
	// key, an operator certificate) unless MetricsPublic.
	Metrics http.Handler
	// MetricsPublic serves /metrics without credentials too (bad ones
	// are still refused).
	MetricsPublic bool
	// Requests is told about every request (route template, status,
	// duration); nil: nothing.
	Requests RequestObserver
	// Ready decides GET /health/ready (called with a 2 s deadline); nil:
	// always ready. GET /health/live answers ok while the process serves.
	// Neither needs credentials, nor says more than ok or not ready.
	Ready func(context.Context) error
	// Logger; nil: slog.Default().
	Logger *slog.Logger
}

// DefaultMaxBodyBytes bounds request bodies (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// New returns the management API's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Auth == nil {
		return nil, errors.New("api: config: auth: required")
	}
	if cfg.Manage == nil {
		return nil, errors.New("api: config: manage: required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	cors, err := newCORS(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	wsOrigin, err := OriginChecker(cfg.WebSocketOrigins)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:          cfg,
		log:          cfg.Logger,
		cors:         cors,
		wsOrigin:     wsOrigin,
		perAddress:   newLimiter(cfg.PerAddress.orDefault(DefaultPerAddress)),
		perPrincipal: newLimiter(cfg.PerPrincipal.orDefault(DefaultPerPrincipal)),
	}
	restHandler, err := rest.New(rest.Config{Manage: cfg.Manage, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return s.chain(s.routes(restHandler)), nil
}

type server struct {
	cfg          Config
	log          *slog.Logger
	cors         *cors
	wsOrigin     func(*http.Request) bool
	perAddress   *limiter
	perPrincipal *limiter
}

// routes is the API's routing table.
func (s *server) routes(restHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	if s.cfg.AuthHandler != nil {
		mux.Handle("/api/v1/auth/", s.cfg.AuthHandler)
	}
	mux.Handle("GET /api/v1/openapi.json", http.HandlerFunc(rest.ServeOpenAPI))
	mux.Handle("GET /health/live", http.HandlerFunc(live))
	mux.Handle("GET /health/ready", http.HandlerFunc(s.ready))
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.authenticate(s.cfg.Metrics, !s.cfg.MetricsPublic))
	}
	mux.Handle("/api/v1/", s.authenticated(restHandler))
	if s.cfg.GraphQL != nil {
		mux.Handle("/api/v2/graphql", s.authenticated(s.cfg.GraphQL))
		mux.Handle("/api/v2/graphql/ws", s.websocket(s.cfg.GraphQL))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.UI != nil && uiPath(r.URL.Path) {
			s.cfg.UI.ServeHTTP(w, r)
			return
		}
		apierr.Write(w, apierr.New(http.StatusNotFound, apierr.CodeNotFound, "no such resource: %s", r.URL.Path))
	}))
	return apierr.Mux(mux)
}

// reservedPrefixes are paths the dashboard never answers, even where no
// route serves them: the API's namespace and the operations endpoints, so
// that a client or a probe of a wrong URL gets an error, not a web page.
var reservedPrefixes = []string{"/api", "/metrics", "/health", "/ready", "/live", "/debug"}

// uiPath reports whether p may be served by the dashboard: not reserved,
// and not shaped like a gRPC method ("/package.Service/Method", whose
// calls are routed before HTTP but a plain request may still name one).
func uiPath(p string) bool {
	for _, pre := range reservedPrefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") || strings.HasPrefix(p, pre+"z") || strings.HasPrefix(p, pre+".") {
			return false
		}
	}
	first, rest, nested := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return !(nested && rest != "" && strings.Contains(first, "."))
}

// chain wraps h in the middleware every route shares, outermost first.
func (s *server) chain(h http.Handler) http.Handler {
	h = s.limitBody(h)
	h = s.cors.handler(h)
	h = s.limitAddress(h)
	h = withRequestInfo(h)
	h = securityHeaders(h)
	return traceRequests(s.observeRequests(s.recoverPanics(h)))
}

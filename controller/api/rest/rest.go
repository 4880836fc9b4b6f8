// Package rest is the management API's REST v1 surface: resources as
// nouns under /api/v1, JSON in and out, one error shape (apierr), list
// pagination with limit and an opaque page_token / next_page_token,
// idempotent PUT, and the policy set's revision as its ETag (If-Match).
// Every operation is a call of controller/manage, which checks the role,
// validates, audits and maps store errors; this package maps HTTP to
// those calls and their errors to statuses, nothing more. The OpenAPI 3
// document (openapi.yaml, served as JSON at /api/v1/openapi.json)
// describes every route; a test checks each route against it.
//
// The handler expects the principal (auth.NewContext) and the request
// info (manage.WithRequestInfo) in the request's context: controller/api
// puts them there.
package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// Manager is the management operations the REST API calls
// (*manage.Service implements it). Errors are *manage.Error (or map to
// one with manage.ErrorOf).
type Manager interface {
	Networks(ctx context.Context) ([]store.Network, error)
	Network(ctx context.Context, name string) (store.Network, error)

	Sites(ctx context.Context, network string, f manage.SiteFilter) ([]manage.Site, error)
	Site(ctx context.Context, network, name string) (manage.Site, error)
	RevokeSite(ctx context.Context, network, name, reason string) (manage.Site, error)
	DeleteSite(ctx context.Context, network, name string) error
	ResetSite(ctx context.Context, network, name string, ttl time.Duration) (string, store.JoinToken, error)

	JoinTokens(ctx context.Context, network string) ([]store.JoinToken, error)
	CreateJoinToken(ctx context.Context, network, site string, ttl time.Duration) (string, store.JoinToken, error)
	RevokeJoinToken(ctx context.Context, network, id string) (store.JoinToken, error)

	Pins(ctx context.Context, network, site string) ([]store.Pin, error)
	BGP(ctx context.Context, network, site string) ([]manage.BGPSite, error)
	SetPin(ctx context.Context, network string, in manage.PinInput) (store.Pin, error)
	DeletePin(ctx context.Context, network string, id int64) error

	Links(ctx context.Context, network, site string) ([]store.Link, error)
	PutLink(ctx context.Context, network, site string, spec store.LinkSpec) (store.Link, error)
	DeleteLink(ctx context.Context, network, site, link string) error

	Prefixes(ctx context.Context, network, site string) ([]store.Prefix, error)
	AddPrefix(ctx context.Context, network, site, prefix string) (store.Prefix, error)
	DeletePrefix(ctx context.Context, network, prefix string) error

	Paths(ctx context.Context, network string, f manage.PathFilter) ([]manage.Path, error)
	Path(ctx context.Context, network, id string) (manage.Path, error)
	PathHistory(ctx context.Context, network, id string, from, to time.Time) (manage.History, error)
	Events(ctx context.Context, network string, f manage.EventFilter) ([]store.Event, error)
	ApplicationTraffic(ctx context.Context, network string, f manage.TrafficFilter) ([]store.AppTraffic, error)

	PolicySet(ctx context.Context, network string) (manage.PolicySet, error)
	SetPolicySet(ctx context.Context, network string, document json.RawMessage, expectedRevision int64) (manage.PolicySet, error)

	AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error)

	Users(ctx context.Context) ([]auth.User, error)
	User(ctx context.Context, name string) (auth.User, error)
	CreateUser(ctx context.Context, u auth.NewUser) (auth.User, error)
	UpdateUser(ctx context.Context, name string, u auth.UserUpdate) (auth.User, error)
	DeleteUser(ctx context.Context, name string) error
	APIKeys(ctx context.Context) ([]auth.APIKey, error)
	CreateAPIKey(ctx context.Context, name string, role auth.Role, expires time.Time) (string, auth.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error

	FiringAlerts(ctx context.Context) ([]alert.Alert, error)
	Webhooks(ctx context.Context) ([]store.Webhook, error)
	AddWebhook(ctx context.Context, in manage.WebhookInput) (store.Webhook, string, error)
	RemoveWebhook(ctx context.Context, id int64) error
	TestWebhook(ctx context.Context, id int64) (alert.TestResult, error)
}

// Config is what New needs.
type Config struct {
	Manage Manager // required
	Logger *slog.Logger
}

// Handler serves REST v1.
type Handler struct {
	m      Manager
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	served http.Handler
}

// route is one registered method and pattern.
type route struct {
	Method, Pattern string
}

// handlerFunc serves one route; an error it returns is answered in the
// error shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the REST handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Manage == nil {
		return nil, errors.New("rest: config: manage: required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{m: cfg.Manage, log: cfg.Logger, mux: http.NewServeMux()}
	h.register()
	h.served = apierr.Mux(h.mux)
	return h, nil
}

// Routes lists the routes served, as "METHOD /api/v1/pattern" in the
// ServeMux's syntax, in registration order.
func (h *Handler) Routes() []string {
	out := make([]string, len(h.routes))
	for i, r := range h.routes {
		out[i] = r.Method + " " + r.Pattern
	}
	return out
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.served.ServeHTTP(w, r)
}

// handle registers fn for method and path (below /api/v1).
func (h *Handler) handle(method, path string, fn handlerFunc) {
	pattern := "/api/v1" + path
	h.routes = append(h.routes, route{Method: method, Pattern: pattern})
	h.mux.HandleFunc(method+" "+pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

func (h *Handler) register() {
	h.handle("GET", "/networks", h.listNetworks)
	h.handle("GET", "/networks/{network}", h.getNetwork)

	h.handle("GET", "/networks/{network}/sites", h.listSites)
	h.handle("GET", "/networks/{network}/sites/{site}", h.getSite)
	h.handle("DELETE", "/networks/{network}/sites/{site}", h.deleteSite)
	h.handle("POST", "/networks/{network}/sites/{site}/revoke", h.revokeSite)
	h.handle("POST", "/networks/{network}/sites/{site}/reset", h.resetSite)

	h.handle("GET", "/networks/{network}/sites/{site}/links", h.listLinks)
	h.handle("PUT", "/networks/{network}/sites/{site}/links/{link}", h.putLink)
	h.handle("DELETE", "/networks/{network}/sites/{site}/links/{link}", h.deleteLink)

	h.handle("GET", "/networks/{network}/prefixes", h.listPrefixes)
	h.handle("POST", "/networks/{network}/sites/{site}/prefixes", h.addPrefix)
	h.handle("DELETE", "/networks/{network}/prefixes/{addr}/{bits}", h.deletePrefix)

	h.handle("GET", "/networks/{network}/join-tokens", h.listJoinTokens)
	h.handle("POST", "/networks/{network}/join-tokens", h.createJoinToken)
	h.handle("POST", "/networks/{network}/join-tokens/{id}/revoke", h.revokeJoinToken)

	h.handle("GET", "/networks/{network}/pins", h.listPins)
	h.handle("GET", "/networks/{network}/bgp", h.listBGP)
	h.handle("POST", "/networks/{network}/pins", h.setPin)
	h.handle("DELETE", "/networks/{network}/pins/{id}", h.deletePin)

	h.handle("GET", "/networks/{network}/paths", h.listPaths)
	h.handle("GET", "/networks/{network}/paths/{path}", h.getPath)
	h.handle("GET", "/networks/{network}/paths/{path}/history", h.pathHistory)
	h.handle("GET", "/networks/{network}/paths/{path}/flows", h.pathFlows)
	h.handle("GET", "/networks/{network}/events", h.listEvents)
	h.handle("GET", "/networks/{network}/application-traffic", h.applicationTraffic)

	h.handle("GET", "/networks/{network}/policy-set", h.getPolicySet)
	h.handle("PUT", "/networks/{network}/policy-set", h.putPolicySet)

	h.handle("GET", "/audit-log", h.listAudit)

	h.handle("GET", "/users", h.listUsers)
	h.handle("POST", "/users", h.createUser)
	h.handle("GET", "/users/{name}", h.getUser)
	h.handle("PATCH", "/users/{name}", h.updateUser)
	h.handle("DELETE", "/users/{name}", h.deleteUser)

	h.handle("GET", "/api-keys", h.listAPIKeys)
	h.handle("POST", "/api-keys", h.createAPIKey)
	h.handle("POST", "/api-keys/{id}/revoke", h.revokeAPIKey)

	h.handle("GET", "/alerts", h.listAlerts)
	h.handle("GET", "/alert-webhooks", h.listWebhooks)
	h.handle("POST", "/alert-webhooks", h.addWebhook)
	h.handle("DELETE", "/alert-webhooks/{id}", h.removeWebhook)
	h.handle("POST", "/alert-webhooks/{id}/test", h.testWebhook)
}

var _ Manager = (*manage.Service)(nil)

// Package graph is the controller's GraphQL API (gqlgen): the schema in
// schema.graphqls, the generated executor (generated.go, model/), the
// resolvers on controller/manage, and subscriptions on controller/events
// over graphql-transport-ws. See docs/API.md.
package graph

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/patronus-sdwan/patronus/controller/api/graph/exec"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// Limits, each overridable in Config.
const (
	// DefaultMaxComplexity bounds an operation's cost: one per field,
	// times `first` for a connection's nodes.
	DefaultMaxComplexity = 5000
	// DefaultMaxDepth bounds how deeply selections nest (introspection
	// fields not counted).
	DefaultMaxDepth = 10
	// DefaultMaxBodyBytes bounds a request body.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxMessageBytes bounds a WebSocket message from a client.
	DefaultMaxMessageBytes = 64 << 10
	// DefaultKeepAlive is the interval of graphql-transport-ws pings; a
	// client silent for two is disconnected.
	DefaultKeepAlive = 15 * time.Second
	// DefaultRecheck is how often a WebSocket's token is checked again: a
	// connection whose token expired or was revoked (sign-out, a deleted
	// or disabled user, a revoked API key) is closed within it.
	DefaultRecheck = 30 * time.Second
	// initTimeout is how long a WebSocket client has to send connection_init.
	initTimeout = 10 * time.Second
	// apqCacheSize bounds the automatic persisted query cache (queries).
	apqCacheSize = 1000
	// queryCacheSize bounds the parsed query cache.
	queryCacheSize = 1000
)

// Authenticator checks a bearer token (an access token or an API key,
// without the "Bearer " prefix) and returns its principal (*auth.Service's
// Authenticate); an error refuses it.
type Authenticator func(ctx context.Context, token string) (auth.Principal, error)

// Config is what the handler needs.
type Config struct {
	Manage *manage.Service // required
	Bus    *events.Bus     // required: subscriptions
	// Authenticate authenticates WebSocket connections (connection_init's
	// {"authorization": "Bearer TOKEN"}) and HTTP requests that arrive
	// without a principal in their context but with an Authorization
	// header. Required.
	Authenticate Authenticator
	// CheckOrigin decides whether a browser's WebSocket from r's Origin
	// is allowed; nil: only the same host (or no Origin header).
	CheckOrigin func(r *http.Request) bool

	MaxComplexity   int           // 0: DefaultMaxComplexity
	MaxDepth        int           // 0: DefaultMaxDepth
	MaxBodyBytes    int64         // 0: DefaultMaxBodyBytes
	MaxMessageBytes int64         // 0: DefaultMaxMessageBytes
	KeepAlive       time.Duration // 0: DefaultKeepAlive
	Recheck         time.Duration // 0: DefaultRecheck
	Log             *slog.Logger  // nil: slog.Default()
}

func (c *Config) defaults() error {
	if c.Manage == nil || c.Bus == nil || c.Authenticate == nil {
		return errors.New("graph: Config.Manage, Bus and Authenticate are required")
	}
	if c.MaxComplexity <= 0 {
		c.MaxComplexity = DefaultMaxComplexity
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.Recheck <= 0 {
		c.Recheck = DefaultRecheck
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.CheckOrigin == nil {
		c.CheckOrigin = SameOrigin
	}
	return nil
}

// NewHandler returns the GraphQL handler: POST and GET (queries only) for
// queries and mutations, WebSocket (graphql-transport-ws) for
// subscriptions. Mount it at /api/v2/graphql and /api/v2/graphql/ws.
//
// A request reaches it authenticated (a principal in its context, put
// there by the API's router) or with an Authorization header it checks
// itself; otherwise it answers 401. A WebSocket authenticates in
// connection_init instead.
func NewHandler(cfg Config) (http.Handler, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	r := &resolver{m: cfg.Manage, bus: cfg.Bus}
	es := exec.NewExecutableSchema(exec.Config{Resolvers: r, Complexity: complexity()})
	srv := handler.New(es)
	srv.AddTransport(websocketTransport(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	srv.Use(signedInIntrospection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](apqCacheSize)})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.Use(depthLimit{max: cfg.MaxDepth})
	srv.Use(requestCache{})
	srv.Use(subscriptionEnd{})
	srv.Use(traceOperations{})
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		cfg.Log.Error("graphql resolver panicked", "panic", v)
		return &manage.Error{Code: manage.CodeInternal, Msg: "internal error"}
	})
	return &httpHandler{cfg: cfg, srv: srv}, nil
}

type httpHandler struct {
	cfg Config
	srv *handler.Server
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if (manage.RequestInfoFrom(ctx) == manage.RequestInfo{}) {
		ctx = manage.WithRequestInfo(ctx, requestInfo(r))
	}
	if isWebSocket(r) {
		if !h.cfg.CheckOrigin(r) {
			writeError(w, http.StatusForbidden, "FORBIDDEN", "origin not allowed")
			return
		}
		h.srv.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	if _, ok := auth.FromContext(ctx); !ok {
		p, err := h.authenticate(ctx, r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="patronus"`)
			writeError(w, http.StatusUnauthorized, string(manage.CodeUnauthenticated), "sign in first")
			return
		}
		ctx = auth.NewContext(ctx, p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	h.srv.ServeHTTP(w, r.WithContext(ctx))
}

func (h *httpHandler) authenticate(ctx context.Context, header string) (auth.Principal, error) {
	token, ok := bearer(header)
	if !ok {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return h.cfg.Authenticate(ctx, token)
}

// bearer returns the token of "Bearer TOKEN".
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// SameOrigin allows a WebSocket without an Origin header (not a browser)
// or from a page of the host it connects to.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func requestInfo(r *http.Request) manage.RequestInfo {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return manage.RequestInfo{SourceIP: host, UserAgent: r.UserAgent()}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]any{"code": code}}}})
}

// websocketTransport speaks graphql-transport-ws; connection_init must
// carry {"authorization": "Bearer TOKEN"} unless the upgrade request was
// authenticated already.
func websocketTransport(cfg Config) transport.Websocket {
	limit := cfg.MaxMessageBytes
	return transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{
			// The handler has checked the origin with Config.CheckOrigin.
			InsecureSkipVerify: true,
		}},
		InitTimeout: initTimeout,
		// graphql-transport-ws: a ping every KeepAlive, and a client that
		// has not answered pong within two is cut.
		PingPongInterval:      cfg.KeepAlive,
		KeepAlivePingInterval: cfg.KeepAlive, // the older graphql-ws protocol's keep-alive
		PayloadReadLimit:      &limit,
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			return initConnection(ctx, cfg, payload)
		},
	}
}

// closeForbidden is graphql-transport-ws's close code for a refused
// connection_init.
const closeForbidden = 4403

func initConnection(ctx context.Context, cfg Config, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	refuse := func() (context.Context, *transport.InitPayload, error) {
		ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
		ctx = transport.AppendCloseReason(ctx, "Forbidden")
		return ctx, nil, auth.ErrUnauthenticated
	}
	header, _ := payload["authorization"].(string)
	if header == "" {
		if _, ok := auth.FromContext(ctx); ok {
			return ctx, nil, nil
		}
		return refuse()
	}
	token, ok := bearer(header)
	if !ok {
		return refuse()
	}
	p, err := cfg.Authenticate(ctx, token)
	if err != nil {
		cfg.Log.Info("websocket connection_init refused", "source_ip", manage.RequestInfoFrom(ctx).SourceIP)
		return refuse()
	}
	ctx, cancel := context.WithCancel(auth.NewContext(ctx, p))
	go recheck(ctx, cancel, cfg, token)
	return ctx, nil, nil
}

// recheck authenticates a connection's token again every cfg.Recheck and
// ends the connection (cancel) once it is refused; it returns when ctx
// ends (the connection closed). A check that fails for another reason
// (the store unreachable) keeps the connection.
func recheck(ctx context.Context, cancel context.CancelFunc, cfg Config, token string) {
	t := time.NewTicker(cfg.Recheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := cfg.Authenticate(ctx, token)
		if errors.Is(err, auth.ErrUnauthenticated) {
			cfg.Log.Info("websocket closed: its token is no longer valid", "source_ip", manage.RequestInfoFrom(ctx).SourceIP)
			cancel()
			return
		}
		if err != nil && ctx.Err() == nil {
			cfg.Log.Warn("websocket token check failed", "err", err)
		}
	}
}

// presentError gives every error extensions.code (and .field for bad
// input). Internal errors show no detail.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	var me *manage.Error
	if errors.As(err, &me) {
		gerr.Message = me.Msg
		if me.Field != "" {
			gerr.Message = me.Field + ": " + me.Msg
		}
		gerr.Extensions = map[string]any{"code": string(me.Code)}
		if me.Field != "" {
			gerr.Extensions["field"] = me.Field
		}
		return gerr
	}
	if gerr.Extensions == nil || gerr.Extensions["code"] == nil {
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		// An argument the schema's scalars refused ("ttl": "soon"); its
		// path ends with the argument's name.
		gerr.Extensions["code"] = string(manage.CodeInvalidArgument)
		if n := len(gerr.Path); n > 0 {
			if name, ok := gerr.Path[n-1].(ast.PathName); ok {
				gerr.Extensions["field"] = string(name)
			}
		}
	}
	return gerr
}

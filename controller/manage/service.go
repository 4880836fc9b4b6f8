package manage

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// AuditLog is where the audit entries go and are read from; nil in
// Config: the store's own (store.AuthStore's AddAudit and AuditLog).
type AuditLog interface {
	AddAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error)
}

// Users administers users and API keys (*auth.Service). It records its
// own audit entries of the calls it gets (as *auth.Service does), so
// manage records only the refusals that never reach it. Errors that are
// an *apierr.Error, match the store's sentinels or are an *Error keep
// their meaning; others are internal.
type Users interface {
	Users(ctx context.Context) ([]auth.User, error)
	User(ctx context.Context, name string) (auth.User, error)
	CreateUser(ctx context.Context, u auth.NewUser) (auth.User, error)
	UpdateUser(ctx context.Context, name string, u auth.UserUpdate) (auth.User, error)
	DeleteUser(ctx context.Context, name string) error
	CreateAPIKey(ctx context.Context, owner auth.Principal, name string, role auth.Role, expires time.Time) (secret string, key auth.APIKey, err error)
	// APIKeys lists the keys of owner, or of everyone when owner is "".
	APIKeys(ctx context.Context, owner string) ([]auth.APIKey, error)
	RevokeAPIKey(ctx context.Context, id string) error
}

// DefaultOnlineWindow: a site whose last report is younger is online.
const DefaultOnlineWindow = 10 * time.Second

// Config is what a Service needs.
type Config struct {
	Store store.Store // required
	Audit AuditLog    // nil: the store's audit log
	// Users administers users and API keys; nil: those operations fail
	// with CodeInternal ("not configured").
	Users Users
	// Alerts is the alert service (firing alerts, webhooks); nil: those
	// operations fail with CodeInternal ("not configured").
	Alerts Alerts
	// Live supplies paths' BFD state and score from the live events; nil:
	// they are unknown. The caller runs Live.Run.
	Live *Live
	// OnlineWindow decides Site.Online (0: DefaultOnlineWindow).
	OnlineWindow time.Duration
	// Retention is the store's retention (0 fields: store.DefaultRetention);
	// path history picks a resolution the store still holds.
	Retention store.Retention
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: slog.Default()
}

// Service performs the management operations. Safe for concurrent use.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("manage: Config.Store is required")
	}
	if cfg.Audit == nil {
		cfg.Audit = cfg.Store
	}
	if cfg.OnlineWindow <= 0 {
		cfg.OnlineWindow = DefaultOnlineWindow
	}
	if cfg.Retention == (store.Retention{}) {
		cfg.Retention = store.DefaultRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	return &Service{cfg: cfg, log: log}, nil
}

// RequestInfo is what the audit log records about a request's origin:
// the one value auth's audit entries read too (auth.RequestMeta).
type RequestInfo = auth.RequestMeta

// WithRequestInfo returns ctx carrying ri (auth.WithRequestMeta).
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	return auth.WithRequestMeta(ctx, ri)
}

// RequestInfoFrom returns the RequestInfo in ctx, or the auth.RequestMeta
// (zero if neither).
func RequestInfoFrom(ctx context.Context) RequestInfo {
	ri, _ := auth.RequestMetaFrom(ctx)
	return ri
}

// Authorize returns the principal in ctx if its role grants perm, or an
// *Error with CodeUnauthenticated or CodeForbidden.
func Authorize(ctx context.Context, perm auth.Permission) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return p, &Error{Code: CodeUnauthenticated, Msg: "sign in first"}
	}
	if !p.Can(perm) {
		return p, &Error{Code: CodeForbidden, Msg: "role " + string(p.Role) + " may not " + perm.String()}
	}
	return p, nil
}

// read authorizes a query.
func (s *Service) read(ctx context.Context) error {
	_, err := Authorize(ctx, auth.Read)
	return err
}

// op is one mutation in progress, to be audited.
type op struct {
	s      *Service
	p      auth.Principal
	action string
	target string
	detail map[string]any
	// delegated: the call reached a service that audits it itself (Users).
	delegated bool
}

// begin authorizes a mutation. The returned op records the audit entry in
// done; when begin fails the refusal has been recorded already.
func (s *Service) begin(ctx context.Context, perm auth.Permission, action, target string, detail map[string]any) (*op, error) {
	p, err := Authorize(ctx, perm)
	o := &op{s: s, p: p, action: action, target: target, detail: detail}
	if err != nil {
		return nil, o.done(ctx, err)
	}
	return o, nil
}

// done records the outcome of the mutation and returns err as an *Error
// (nil on success).
func (o *op) done(ctx context.Context, err error) error {
	e := ErrorOf(err)
	ri := RequestInfoFrom(ctx)
	entry := store.AuditEntry{
		At: o.s.cfg.Now(), Actor: o.p.Subject, Role: string(o.p.Role), Method: string(o.p.Method),
		SourceIP: ri.SourceIP, UserAgent: ri.UserAgent, Action: o.action, Target: o.target, Outcome: "success",
	}
	detail := o.detail
	if e != nil {
		entry.Outcome = "failure"
		detail = withError(detail, e)
	}
	if len(detail) > 0 {
		if b, jerr := json.Marshal(detail); jerr == nil {
			entry.Detail = b
		}
	}
	if o.delegated {
		return e.orNil()
	}
	if _, aerr := o.s.cfg.Audit.AddAudit(context.WithoutCancel(ctx), entry); aerr != nil {
		o.s.log.Error("audit entry not recorded", "action", o.action, "target", o.target, "actor", o.p.Subject, "err", aerr)
	}
	if e != nil {
		if e.Code == CodeInternal && e.Err != nil {
			o.s.log.Error("management operation failed", "action", o.action, "target", o.target, "err", e.Err)
		}
		return e
	}
	return nil
}

func withError(detail map[string]any, e *Error) map[string]any {
	out := make(map[string]any, len(detail)+1)
	for k, v := range detail {
		out[k] = v
	}
	errDetail := map[string]any{"code": e.Code}
	if e.Field != "" {
		errDetail["field"] = e.Field
	}
	out["error"] = errDetail
	return out
}

// wrap returns a query's error as an *Error, logging internal ones.
func (s *Service) wrap(what string, err error) error {
	e := ErrorOf(err)
	if e == nil {
		return nil
	}
	if e.Code == CodeInternal && e.Err != nil {
		s.log.Error("management query failed", "query", what, "err", e.Err)
	}
	return e
}

// Targets name what an operation acted on in the audit log.
func networkTarget(network string) string { return "network/" + network }
func siteTarget(network, site string) string {
	return networkTarget(network) + "/site/" + site
}

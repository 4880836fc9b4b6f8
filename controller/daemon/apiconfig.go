package daemon

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// APIConfig configures the management API (GraphQL, REST, sign-in) that
// the controller serves beside gRPC on Listen. See docs/API.md.
type APIConfig struct {
	// CORSOrigins may call the API from a browser page of another origin
	// ("https://noc.example.net"); none by default.
	CORSOrigins []string `yaml:"cors_origins"`
	// WebSocketOrigins may open GraphQL subscriptions besides pages of
	// the controller's own host; none by default.
	WebSocketOrigins []string `yaml:"websocket_origins"`
	// AccessTTL and RefreshTTL are the lifetimes of access and refresh
	// tokens (Go durations); defaults 15m and 720h.
	AccessTTL  string `yaml:"access_ttl"`
	RefreshTTL string `yaml:"refresh_ttl"`
	// AuditRetention is how long the audit log is kept (a Go duration);
	// default 9600h (400 days).
	AuditRetention string `yaml:"audit_retention"`
	// OIDC turns on sign-in through an OpenID Connect provider.
	OIDC *OIDCConfig `yaml:"oidc"`
	// MetricsPublic serves GET /metrics to requests without credentials
	// too; off by default: a bearer token or API key of any role is
	// needed. See docs/OBSERVABILITY.md.
	MetricsPublic bool `yaml:"metrics_public"`
}

// OIDCConfig is the OpenID Connect provider (auth.OIDCConfig).
type OIDCConfig struct {
	Issuer   string `yaml:"issuer"`
	ClientID string `yaml:"client_id"`
	// ClientSecretFile holds the client secret (one trailing newline is
	// ignored); the secret is never written to the configuration file.
	ClientSecretFile string `yaml:"client_secret_file"`
	// RedirectURL is https://CONTROLLER:8443/api/v1/auth/oidc/callback.
	RedirectURL string `yaml:"redirect_url"`
	// GroupsClaim names the ID token's claim of groups; default "groups".
	GroupsClaim string `yaml:"groups_claim"`
	// GroupRoles maps a group to admin, operator or viewer.
	GroupRoles map[string]string `yaml:"group_roles"`
	// DefaultRole is given to users in no mapped group; empty: they are
	// refused.
	DefaultRole string `yaml:"default_role"`
	// AfterLoginURL is the page the browser returns to; default "/".
	AfterLoginURL string `yaml:"after_login_url"`
}

// Defaults of APIConfig.
const (
	DefaultAccessTTL      = 15 * time.Minute
	DefaultRefreshTTL     = 30 * 24 * time.Hour
	DefaultAuditRetention = 400 * 24 * time.Hour
)

func (a *APIConfig) setDefaults() {
	def := func(dst *string, v time.Duration) {
		if *dst == "" {
			*dst = v.String()
		}
	}
	def(&a.AccessTTL, DefaultAccessTTL)
	def(&a.RefreshTTL, DefaultRefreshTTL)
	def(&a.AuditRetention, DefaultAuditRetention)
}

// validate checks the API settings; errors name the field.
func (a *APIConfig) validate() error {
	for _, d := range []struct {
		field, v string
		min      time.Duration
	}{{"api.access_ttl", a.AccessTTL, time.Minute}, {"api.refresh_ttl", a.RefreshTTL, time.Hour}, {"api.audit_retention", a.AuditRetention, 24 * time.Hour}} {
		if v, err := time.ParseDuration(d.v); err != nil || v < d.min {
			return fmt.Errorf("%s: %q is not a duration of %v or more", d.field, d.v, d.min)
		}
	}
	for field, list := range map[string][]string{"api.cors_origins": a.CORSOrigins, "api.websocket_origins": a.WebSocketOrigins} {
		for i, o := range list {
			if err := validateOrigin(o); err != nil {
				return fmt.Errorf("%s[%d]: %w", field, i, err)
			}
		}
	}
	if a.OIDC != nil {
		return a.OIDC.validate()
	}
	return nil
}

// validateOrigin accepts scheme://host[:port] and nothing more.
func validateOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%q is not an origin like https://noc.example.net", o)
	}
	return nil
}

func (o *OIDCConfig) validate() error {
	for _, f := range []struct{ field, v string }{{"issuer", o.Issuer}, {"redirect_url", o.RedirectURL}} {
		u, err := url.Parse(f.v)
		if err != nil || u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) || u.Host == "" {
			return fmt.Errorf("api.oidc.%s: %q is not an https URL", f.field, f.v)
		}
	}
	if o.ClientID == "" {
		return errors.New("api.oidc.client_id: required")
	}
	if o.ClientSecretFile == "" {
		return errors.New("api.oidc.client_secret_file: required")
	}
	for g, r := range o.GroupRoles {
		if _, err := auth.ParseRole(r); err != nil {
			return fmt.Errorf("api.oidc.group_roles[%s]: %w", g, err)
		}
	}
	if o.DefaultRole != "" {
		if _, err := auth.ParseRole(o.DefaultRole); err != nil {
			return fmt.Errorf("api.oidc.default_role: %w", err)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// authConfig is the sign-in service's configuration from a; it reads
// the OIDC client secret.
func (a *APIConfig) authConfig(st store.AuthStore) (auth.Config, error) {
	access, _ := time.ParseDuration(a.AccessTTL)
	refresh, _ := time.ParseDuration(a.RefreshTTL)
	cfg := auth.Config{Store: st, AccessTTL: access, RefreshTTL: refresh}
	if a.OIDC == nil {
		return cfg, nil
	}
	secret, err := os.ReadFile(a.OIDC.ClientSecretFile)
	if err != nil {
		return cfg, fmt.Errorf("api.oidc.client_secret_file: %w", err)
	}
	roles := map[string]auth.Role{}
	for g, r := range a.OIDC.GroupRoles {
		roles[g] = auth.Role(r)
	}
	cfg.OIDC = &auth.OIDCConfig{Issuer: a.OIDC.Issuer, ClientID: a.OIDC.ClientID,
		ClientSecret: strings.TrimSuffix(string(secret), "\n"), RedirectURL: a.OIDC.RedirectURL,
		GroupsClaim: a.OIDC.GroupsClaim, GroupRoles: roles, DefaultRole: auth.Role(a.OIDC.DefaultRole),
		AfterLoginURL: a.OIDC.AfterLoginURL}
	return cfg, nil
}

// retention is the store's retention with the audit log's from a.
func (a *APIConfig) retention() store.Retention {
	r := store.DefaultRetention
	if d, err := time.ParseDuration(a.AuditRetention); err == nil {
		r.Audit = d
	}
	return r
}

package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Defaults of Config.
const (
	DefaultIssuer      = "patronus-controller"
	DefaultAudience    = "patronus-api"
	DefaultAccessTTL   = 15 * time.Minute
	DefaultRefreshTTL  = 30 * 24 * time.Hour
	DefaultKeyRotation = 30 * 24 * time.Hour
	// DefaultSetupTTL is how long a first-start setup token is valid.
	DefaultSetupTTL = 24 * time.Hour
	// keyReload is how often the signing keys are re-read from the store
	// (another replica may have rotated them).
	keyReload = time.Minute
	// apiKeyTouchEvery: an API key's last use is written at most this
	// often, not on every request.
	apiKeyTouchEvery = time.Minute
)

// Config configures a Service. Store is required; zero values take the
// defaults above.
type Config struct {
	Store  store.AuthStore
	Logger *slog.Logger
	// Now is the clock; nil: time.Now. Tests inject one.
	Now func() time.Time
	// Issuer and Audience are the JWT iss and aud claims.
	Issuer, Audience string
	// AccessTTL is an access token's lifetime; RefreshTTL a refresh
	// token's (each rotation starts a new one).
	AccessTTL, RefreshTTL time.Duration
	// KeyRotation is how long a signing key signs before a new one is made.
	KeyRotation time.Duration
	// Argon2 are the parameters of new password hashes; zero: DefaultArgon2.
	Argon2 Argon2Params
	// Throttle bounds sign-in attempts; zero fields: DefaultThrottle.
	Throttle Throttle
	// TOTPIssuer names the controller in authenticator apps; "": "Patronus".
	TOTPIssuer string
	// OIDC enables OpenID Connect sign-in; nil: off.
	OIDC *OIDCConfig
}

// Service signs people and scripts in. Safe for concurrent use.
type Service struct {
	cfg     Config
	st      store.AuthStore
	log     *slog.Logger
	now     func() time.Time
	limits  *limiter
	keys    keyring
	dummy   dummyHash
	oidc    *oidcClient
	touchMu sync.Mutex
	touched map[string]time.Time // API key ID → last write of last_used; touchMu
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("auth: Config.Store is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.AccessTTL, DefaultAccessTTL)
	def(&cfg.RefreshTTL, DefaultRefreshTTL)
	def(&cfg.KeyRotation, DefaultKeyRotation)
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.TOTPIssuer == "" {
		cfg.TOTPIssuer = "Patronus"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, st: cfg.Store, log: cfg.Logger, now: cfg.Now, limits: newLimiter(cfg.Throttle),
		touched: make(map[string]time.Time)}
	s.keys.s = s
	if cfg.OIDC != nil {
		c, err := newOIDCClient(*cfg.OIDC)
		if err != nil {
			return nil, err
		}
		s.oidc = c
	}
	return s, nil
}

// randomString returns n random bytes, base64url without padding.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// OIDCConfig configures OpenID Connect sign-in (authorization code flow
// with state, nonce and PKCE S256).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (discovery at
	// Issuer/.well-known/openid-configuration).
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this controller's callback:
	// https://HOST:8443/api/v1/auth/oidc/callback.
	RedirectURL string
	// Scopes besides "openid"; nil: profile, email, groups.
	Scopes []string
	// GroupsClaim names the ID token claim listing the user's groups; "":
	// "groups".
	GroupsClaim string
	// GroupRoles maps a group to a role; a user gets the most powerful
	// role of their groups.
	GroupRoles map[string]Role
	// DefaultRole is the role of a user in no mapped group; "": refuse
	// such users.
	DefaultRole Role
	// AfterLoginURL is where the browser is sent after the callback, with
	// "#code=…" (a one-time code for POST /api/v1/auth/oidc/exchange);
	// "": "/".
	AfterLoginURL string
	// HTTPClient talks to the provider; nil: http.DefaultClient.
	HTTPClient *http.Client
}

// oidcStateTTL bounds the time from the redirect to the callback;
// oidcCodeTTL the time from the callback to the exchange.
const (
	oidcStateTTL = 10 * time.Minute
	oidcCodeTTL  = time.Minute
	// OIDCCookie carries the signed login state between the redirect and
	// the callback.
	OIDCCookie = "patronus_oidc"
)

type oidcClient struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider // mu; discovered at the first sign-in
}

func newOIDCClient(c OIDCConfig) (*oidcClient, error) {
	if c.Issuer == "" || c.ClientID == "" || c.RedirectURL == "" {
		return nil, fmt.Errorf("auth: oidc: issuer, client_id and redirect_url are required")
	}
	for g, r := range c.GroupRoles {
		if _, err := ParseRole(string(r)); err != nil {
			return nil, fmt.Errorf("auth: oidc: group %q: %w", g, err)
		}
	}
	if c.DefaultRole != "" {
		if _, err := ParseRole(string(c.DefaultRole)); err != nil {
			return nil, fmt.Errorf("auth: oidc: default_role: %w", err)
		}
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = "groups"
	}
	if c.Scopes == nil {
		c.Scopes = []string{"profile", "email", "groups"}
	}
	if c.AfterLoginURL == "" {
		c.AfterLoginURL = "/"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	return &oidcClient{cfg: c}, nil
}

func (o *oidcClient) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.cfg.HTTPClient)
}

// discover returns the provider, fetching its discovery document once
// (retried on the next sign-in if the provider was down).
func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(o.ctx(context.WithoutCancel(ctx)), o.cfg.Issuer)
		if err != nil {
			return nil, oauth2.Config{}, apierr.New(http.StatusServiceUnavailable, apierr.CodeUnavailable, "OIDC provider: %v", err)
		}
		o.provider = p
	}
	return o.provider, oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, o.cfg.Scopes...)}, nil
}

func errNoOIDC() error {
	return apierr.New(http.StatusNotFound, apierr.CodeNotFound, "OIDC sign-in is not configured")
}

// OIDCStart begins a sign-in: the provider URL to redirect the browser to
// and the signed state (state, nonce, PKCE verifier) to keep in the
// OIDCCookie until the callback.
func (s *Service) OIDCStart(ctx context.Context) (redirect, state string, err error) {
	if s.oidc == nil {
		return "", "", errNoOIDC()
	}
	_, oc, err := s.oidc.discover(ctx)
	if err != nil {
		return "", "", err
	}
	st, err1 := randomString(24)
	nonce, err2 := randomString(24)
	if err := errors.Join(err1, err2); err != nil {
		return "", "", err
	}
	verifier := oauth2.GenerateVerifier()
	now := s.now()
	signed, err := s.sign(ctx, claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: s.cfg.Issuer, Audience: jwt.ClaimStrings{s.cfg.Audience},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(oidcStateTTL))},
		Typ: typOIDCState, State: st, Nonce: nonce, Verifier: verifier})
	if err != nil {
		return "", "", err
	}
	return oc.AuthCodeURL(st, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), signed, nil
}

// OIDCCallback finishes a sign-in: it checks the state against the
// cookie's, trades the code (with the PKCE verifier) for an ID token,
// verifies it (signature, issuer, audience, expiry, nonce), maps the
// groups to a role, finds or makes the user (source oidc) and starts a
// session. It returns where to send the browser: AfterLoginURL with
// "#code=…", a one-time code valid for a minute that POST
// /api/v1/auth/oidc/exchange trades for tokens. Tokens never appear in a
// URL. Every attempt is audited (auth.oidc).
func (s *Service) OIDCCallback(ctx context.Context, stateCookie string, query url.Values) (string, error) {
	if s.oidc == nil {
		return "", errNoOIDC()
	}
	m, _ := RequestMetaFrom(ctx)
	rec := auditRec{Action: "auth.oidc", Method: MethodOIDC, SourceIP: m.SourceIP, UserAgent: m.UserAgent}
	if err := s.limits.allow("", m.SourceIP, s.now()); err != nil {
		return "", err
	}
	u, reason, err := s.oidcUser(ctx, stateCookie, query, &rec)
	if err != nil {
		return "", err
	}
	if reason != "" {
		s.auditFailure(ctx, rec, reason)
		return "", unauthenticated("OIDC sign-in refused: " + reason)
	}
	code, err := s.startExchange(ctx, u, rec)
	if err != nil {
		return "", err
	}
	return s.oidc.cfg.AfterLoginURL + "#code=" + url.QueryEscape(code), nil
}

// oidcUser runs the flow up to the user; reason says why it is refused.
func (s *Service) oidcUser(ctx context.Context, stateCookie string, q url.Values, rec *auditRec) (store.User, string, error) {
	if e := q.Get("error"); e != "" {
		return store.User{}, "provider_error: " + truncate(e, 64), nil
	}
	st, err := s.verify(ctx, stateCookie, typOIDCState)
	if err != nil || subtle.ConstantTimeCompare([]byte(st.State), []byte(q.Get("state"))) != 1 || st.State == "" {
		return store.User{}, "bad_state", nil
	}
	p, oc, err := s.oidc.discover(ctx)
	if err != nil {
		return store.User{}, "", err
	}
	tok, err := oc.Exchange(s.oidc.ctx(ctx), q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return store.User{}, "code_exchange_failed", nil
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.VerifierContext(s.oidc.ctx(ctx), &oidc.Config{ClientID: s.oidc.cfg.ClientID, Now: s.now}).Verify(s.oidc.ctx(ctx), raw)
	if err != nil {
		return store.User{}, "bad_id_token", nil
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return store.User{}, "bad_nonce", nil
	}
	var cl map[string]any
	if err := idt.Claims(&cl); err != nil {
		return store.User{}, "bad_id_token", nil
	}
	name := oidcName(cl, idt.Subject)
	rec.Actor = name
	role := s.oidc.role(cl)
	if role == "" {
		return store.User{}, "no_role: in no mapped group", nil
	}
	rec.Role = string(role)
	return s.oidcAccount(ctx, idt.Issuer, idt.Subject, name, role)
}

// oidcAccount finds or makes the user of (issuer, subject) and sets its
// role from the groups of this sign-in.
func (s *Service) oidcAccount(ctx context.Context, iss, sub, name string, role Role) (store.User, string, error) {
	u, err := s.st.UserByOIDC(ctx, iss, sub)
	if errors.Is(err, store.ErrNotFound) {
		if store.ValidateUserName("user", name) != nil {
			return u, "bad_user_name", nil
		}
		u, err = s.st.CreateUser(ctx, store.UserSpec{Name: name, Role: string(role), Source: store.SourceOIDC, OIDCIssuer: iss, OIDCSubject: sub})
		if errors.Is(err, store.ErrConflict) {
			return u, "name_taken: a user named " + name + " exists", nil
		}
		return u, "", err
	}
	if err != nil {
		return u, "", err
	}
	if !u.DisabledAt.IsZero() {
		return u, "disabled", nil
	}
	if u.Role != string(role) {
		r := string(role)
		u, err = s.st.UpdateUser(ctx, u.Name, store.UserChange{Role: &r})
	}
	return u, "", err
}

// startExchange starts a session whose first "refresh token" is the
// one-time exchange code, valid oidcCodeTTL; Refresh with it (as
// /auth/oidc/exchange does) spends it and returns the real tokens.
func (s *Service) startExchange(ctx context.Context, u store.User, rec auditRec) (string, error) {
	sid, err := randomString(16)
	if err != nil {
		return "", err
	}
	code, hash, err := newRefreshToken(sid)
	if err != nil {
		return "", err
	}
	now := s.now()
	_, err = s.st.CreateSession(ctx, store.SessionSpec{ID: sid, UserID: u.ID, TokenHash: hash, Method: string(MethodOIDC),
		SourceIP: rec.SourceIP, UserAgent: rec.UserAgent, ExpiresAt: now.Add(oidcCodeTTL)})
	if err != nil {
		return "", err
	}
	if err := s.st.RecordLogin(ctx, u.ID, now); err != nil {
		return "", err
	}
	rec.Actor, rec.Role = u.Name, u.Role
	return code, s.audit(ctx, rec, "success", map[string]any{"session": sid})
}

// role is the most powerful role of the claim's mapped groups, or the
// default role.
func (o *oidcClient) role(cl map[string]any) Role {
	best := o.cfg.DefaultRole
	var groups []string
	switch g := cl[o.cfg.GroupsClaim].(type) {
	case string:
		groups = []string{g}
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok {
				groups = append(groups, s)
			}
		}
	}
	for _, g := range groups {
		if r, ok := o.cfg.GroupRoles[g]; ok && !r.AtMost(best) {
			best = r
		}
	}
	return best
}

// oidcName picks the user name: preferred_username, else email, else
// the subject.
func oidcName(cl map[string]any, sub string) string {
	for _, k := range []string{"preferred_username", "email"} {
		if v, ok := cl[k].(string); ok && v != "" {
			return v
		}
	}
	return sub
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

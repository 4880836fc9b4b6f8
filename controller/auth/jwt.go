package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Access tokens are JWTs signed with Ed25519 (alg EdDSA). The private key
// lives in the store, shared by every replica; the newest key signs, the
// newest two verify. Verification accepts EdDSA only: "none", HS256 (also
// "signed" with the public key) and every other algorithm are refused.

// Token types (the typ claim).
const (
	typAccess    = "access"
	typOIDCState = "oidc_state"
)

// claims are an access token's claims.
type claims struct {
	jwt.RegisteredClaims
	Role Role   `json:"role,omitempty"`
	SID  string `json:"sid,omitempty"`
	Typ  string `json:"typ"`
	// OIDC login state (typ oidc_state).
	State    string `json:"state,omitempty"`
	Nonce    string `json:"nonce,omitempty"`
	Verifier string `json:"pkce,omitempty"`
}

// keyring caches the signing keys of the store. mu is held across the
// store read (and a rotation), so concurrent callers wait for one reload
// instead of each reading; that happens once a minute at most, or at an
// unknown kid at most once a second.
type keyring struct {
	s      *Service
	mu     sync.Mutex
	keys   []store.SigningKey // newest first; mu
	loaded time.Time          // mu
}

// current returns the signing keys, rotating when the newest is older
// than KeyRotation (or there is none).
func (k *keyring) current(ctx context.Context, force bool) ([]store.SigningKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.s.now()
	if !force && len(k.keys) > 0 && now.Sub(k.loaded) < keyReload && now.Sub(k.keys[0].CreatedAt) < k.s.cfg.KeyRotation {
		return k.keys, nil
	}
	for range 3 {
		keys, err := k.s.st.SigningKeys(ctx)
		if err != nil {
			return nil, err
		}
		if len(keys) > 0 && now.Sub(keys[0].CreatedAt) < k.s.cfg.KeyRotation {
			k.keys, k.loaded = keys, now
			return keys, nil
		}
		var gen int64 = 1
		if len(keys) > 0 {
			gen = keys[0].Generation + 1
		}
		if err := k.s.st.AddSigningKey(ctx, newSigningKey(gen)); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		} // on conflict another replica rotated: read again
	}
	return nil, fmt.Errorf("auth: could not make a signing key")
}

func newSigningKey(gen int64) store.SigningKey {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	kid, _ := randomString(9)
	return store.SigningKey{Generation: gen, KID: kid, Alg: "EdDSA", Private: priv}
}

// sign signs c with the newest key.
func (s *Service) sign(ctx context.Context, c claims) (string, error) {
	keys, err := s.keys.current(ctx, false)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = keys[0].KID
	return t.SignedString(ed25519.PrivateKey(keys[0].Private))
}

// verify parses and checks a token of type typ: algorithm EdDSA, a known
// key, issuer, audience, expiry, issue time.
func (s *Service) verify(ctx context.Context, raw, typ string) (*claims, error) {
	p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(s.cfg.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now), jwt.WithStrictDecoding())
	var c claims
	_, err := p.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) { return s.publicKey(ctx, t) })
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	if c.Typ != typ {
		return nil, fmt.Errorf("%w: a %q token is not a %q token", ErrUnauthenticated, c.Typ, typ)
	}
	return &c, nil
}

func (s *Service) publicKey(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	for _, force := range []bool{false, true} {
		keys, err := s.keys.current(ctx, force)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.KID == kid && k.Alg == "EdDSA" && len(k.Private) == ed25519.PrivateKeySize {
				return ed25519.PrivateKey(k.Private).Public(), nil
			}
		}
		if !s.keys.mayReload() {
			break
		}
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}

// mayReload allows a forced reload for an unknown kid at most once a
// second, so junk tokens cannot hammer the store.
func (k *keyring) mayReload() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.s.now().Sub(k.loaded) >= time.Second
}

// accessToken issues an access token for a session.
func (s *Service) accessToken(ctx context.Context, u store.User, sid string) (string, error) {
	now := s.now()
	jti, err := randomString(12)
	if err != nil {
		return "", err
	}
	return s.sign(ctx, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: strconv.FormatInt(u.ID, 10), Audience: jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)), ID: jti,
		},
		Role: Role(u.Role), SID: sid, Typ: typAccess,
	})
}

package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

func TestLoginAndMe(t *testing.T) {
	e := newEnv(t)
	const evil = `o'brien"; DROP TABLE users; --`
	e.user(evil, auth.RoleOperator)
	r := e.login(evil, pw, "")
	e.want(r, 200, "")
	if r.str("token_type") != "Bearer" || r.body["expires_in"] != float64(900) || r.str("refresh_token") == "" {
		t.Fatalf("login answer %s", r.raw)
	}
	me := e.do("GET", "/api/v1/auth/me", r.str("access_token"), nil)
	e.want(me, 200, "")
	if me.str("subject") != evil || me.str("role") != "operator" || me.str("method") != "password" || me.str("session_id") == "" {
		t.Fatalf("me %s", me.raw)
	}
	// The claims: sub, role, sid, iat, exp, iss, aud, jti, typ.
	var cl map[string]any
	part := strings.Split(r.str("access_token"), ".")[1]
	b, _ := base64.RawURLEncoding.DecodeString(part)
	json.Unmarshal(b, &cl)
	for _, k := range []string{"sub", "role", "sid", "iat", "exp", "iss", "aud", "jti", "typ"} {
		if cl[k] == nil {
			t.Errorf("claim %s missing: %s", k, b)
		}
	}
	if cl["typ"] != "access" || cl["exp"].(float64)-cl["iat"].(float64) != 900 {
		t.Fatalf("claims %s", b)
	}

	// The sign-in page asks how to sign in: without OIDC, a password only.
	if m := e.do("GET", "/api/v1/auth/methods", "", nil); m.status != 200 || m.body["password"] != true || m.body["oidc"] != false {
		t.Fatalf("methods %d %s", m.status, m.raw)
	}

	// Wrong password and unknown user: the same 401.
	bad := e.login(evil, "wrong password!!", "")
	e.want(bad, 401, "unauthenticated")
	unknown := e.login("nobody' OR '1'='1", pw, "")
	e.want(unknown, 401, "unauthenticated")
	if bad.raw != unknown.raw {
		t.Fatalf("different answers: %s / %s", bad.raw, unknown.raw)
	}
	e.want(e.do("GET", "/api/v1/auth/me", "", nil), 401, "unauthenticated")
	if e.do("GET", "/api/v1/auth/me", "", nil).header.Get("WWW-Authenticate") == "" {
		t.Fatal("no WWW-Authenticate")
	}

	// Audited: success and failures with reasons, never the password.
	log, err := e.st.AuditLog(e.ctx, store.AuditQuery{Action: "auth.login"})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || log[2].Outcome != "success" || log[2].Actor != evil || log[1].Outcome != "failure" ||
		!strings.Contains(string(log[1].Detail), "bad_password") || !strings.Contains(string(log[0].Detail), "unknown_user") {
		t.Fatalf("audit %+v", log)
	}
	for _, a := range log {
		if strings.Contains(string(a.Detail), "wrong password") || strings.Contains(string(a.Detail), pw) || a.SourceIP != "127.0.0.1" {
			t.Fatalf("audit entry %+v", a)
		}
	}
}

func TestBadBodies(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		body   any
		status int
		code   string
		field  string
	}{
		{`{"username":"a","password":"b","extra":1}`, 400, "invalid", "extra"},
		{`{"username":1}`, 400, "invalid", "username"},
		{`{"username":"a"} {}`, 400, "invalid", ""},
		{`{`, 400, "invalid", ""},
		{`{"username":"","password":"x"}`, 400, "invalid", "username"},
		{`{"username":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "body_too_large", ""},
	} {
		r := e.do("POST", "/api/v1/auth/login", "", c.body)
		if r.status != c.status || r.errCode() != c.code || r.errField() != c.field {
			t.Errorf("body %.40v: got %d %s", c.body, r.status, r.raw)
		}
	}
	e.want(e.do("GET", "/api/v1/auth/nope", "", nil), 404, "not_found")
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t)
	e.user("alice", auth.RoleViewer)
	access, refresh := e.signIn("alice")
	r := e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh})
	e.want(r, 200, "")
	access2, refresh2 := r.str("access_token"), r.str("refresh_token")
	if refresh2 == refresh || access2 == "" {
		t.Fatal("refresh did not rotate")
	}
	// The old refresh token again: reuse → the whole session is revoked.
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}), 401, "unauthenticated")
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh2}), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", access, nil), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", access2, nil), 401, "unauthenticated")
	if log, _ := e.st.AuditLog(e.ctx, store.AuditQuery{Action: "auth.refresh", Actor: "alice"}); len(log) != 1 || log[0].Outcome != "failure" {
		t.Fatalf("reuse not audited: %+v", log)
	}
	// A refresh token is not an access token, nor an access token a refresh token.
	a3, r3 := e.signIn("alice")
	e.want(e.do("GET", "/api/v1/auth/me", r3, nil), 401, "unauthenticated")
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": a3}), 401, "unauthenticated")
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "x"}), 401, "unauthenticated")
}

func TestExpiryAndLogout(t *testing.T) {
	e := newEnv(t)
	e.user("alice", auth.RoleAdmin)
	access, refresh := e.signIn("alice")
	e.clock.Advance(15*time.Minute + time.Second)
	e.want(e.do("GET", "/api/v1/auth/me", access, nil), 401, "unauthenticated")
	r := e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh})
	e.want(r, 200, "")
	access = r.str("access_token")
	e.want(e.do("GET", "/api/v1/auth/me", access, nil), 200, "")
	// Refresh tokens live 30 days.
	e.clock.Advance(30*24*time.Hour + time.Second)
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": r.str("refresh_token")}), 401, "unauthenticated")

	a1, r1 := e.signIn("alice")
	a2, _ := e.signIn("alice")
	e.want(e.do("POST", "/api/v1/auth/logout", a1, nil), 204, "")
	e.want(e.do("GET", "/api/v1/auth/me", a1, nil), 401, "unauthenticated")
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": r1}), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", a2, nil), 200, "")
	a3, _ := e.signIn("alice")
	e.want(e.do("POST", "/api/v1/auth/logout-all", a3, nil), 204, "")
	e.want(e.do("GET", "/api/v1/auth/me", a2, nil), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", a3, nil), 401, "unauthenticated")
}

func TestDeletedAndDisabledUsers(t *testing.T) {
	e := newEnv(t)
	e.user("admin", auth.RoleAdmin)
	e.user("bob", auth.RoleOperator)
	bob, refresh := e.signIn("bob")
	pk, _ := e.keyFor("bob", auth.RoleViewer, time.Time{})
	yes, no := true, false
	if _, err := e.svc.UpdateUser(e.ctx, "bob", auth.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("GET", "/api/v1/auth/me", bob, nil), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", pk, nil), 401, "unauthenticated")
	e.want(e.login("bob", pw, ""), 401, "unauthenticated")
	e.want(e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}), 401, "unauthenticated")
	if _, err := e.svc.UpdateUser(e.ctx, "bob", auth.UserUpdate{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("GET", "/api/v1/auth/me", pk, nil), 200, "")
	bob, _ = e.signIn("bob")
	// A role change takes effect at once.
	viewer := auth.RoleViewer
	if _, err := e.svc.UpdateUser(e.ctx, "bob", auth.UserUpdate{Role: &viewer}); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/api/v1/auth/me", bob, nil); r.str("role") != "viewer" {
		t.Fatalf("me after role change %s", r.raw)
	}
	if err := e.svc.DeleteUser(e.ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("GET", "/api/v1/auth/me", bob, nil), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", pk, nil), 401, "unauthenticated")
	// A new user of the same name does not inherit the tokens.
	e.user("bob", auth.RoleOperator)
	e.want(e.do("GET", "/api/v1/auth/me", bob, nil), 401, "unauthenticated")
}

// keyFor makes an API key for a user through the service.
func (e *env) keyFor(owner string, role auth.Role, exp time.Time) (string, auth.APIKey) {
	e.t.Helper()
	u, err := e.svc.User(e.ctx, owner)
	if err != nil {
		e.t.Fatal(err)
	}
	p := auth.Principal{Subject: u.Name, UserID: u.ID, Role: u.Role, Method: auth.MethodPassword}
	secret, k, err := e.svc.CreateAPIKey(auth.NewContext(e.ctx, p), p, fmt.Sprintf("key %d'%%", time.Now().UnixNano()), role, exp)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret, k
}

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	e.user("op", auth.RoleOperator)
	u, _ := e.svc.User(e.ctx, "op")
	p := auth.Principal{Subject: "op", UserID: u.ID, Role: auth.RoleOperator, Method: auth.MethodPassword}
	_, _, err := e.svc.CreateAPIKey(e.ctx, p, "too strong", auth.RoleAdmin, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "cannot exceed") {
		t.Fatalf("admin key by an operator: %v", err)
	}
	_, _, err = e.svc.CreateAPIKey(e.ctx, p, "past", auth.RoleViewer, e.clock.Now().Add(-time.Second))
	if err == nil {
		t.Fatal("key expiring in the past accepted")
	}
	secret, k := e.keyFor("op", auth.RoleViewer, e.clock.Now().Add(time.Hour))
	if !strings.HasPrefix(secret, "pk_") || len(secret) < 40 || k.Owner != "op" || k.Role != auth.RoleViewer {
		t.Fatalf("key %q %+v", secret, k)
	}
	me := e.do("GET", "/api/v1/auth/me", secret, nil)
	e.want(me, 200, "")
	if me.str("method") != "api_key" || me.str("role") != "viewer" || me.str("key_id") != k.ID {
		t.Fatalf("me by key %s", me.raw)
	}
	keys, _ := e.svc.APIKeys(e.ctx, "op")
	if len(keys) != 1 || keys[0].LastUsed.IsZero() {
		t.Fatalf("keys %+v", keys)
	}
	// An API key cannot make keys or log out everywhere.
	e.want(e.do("POST", "/api/v1/auth/logout-all", secret, nil), 403, "forbidden")
	e.want(e.do("GET", "/api/v1/auth/me", "pk_"+strings.Repeat("A", 43), nil), 401, "unauthenticated")
	e.clock.Advance(time.Hour)
	e.want(e.do("GET", "/api/v1/auth/me", secret, nil), 401, "unauthenticated")

	s2, k2 := e.keyFor("op", auth.RoleOperator, time.Time{})
	e.want(e.do("GET", "/api/v1/auth/me", s2, nil), 200, "")
	if err := e.svc.RevokeAPIKey(e.ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("GET", "/api/v1/auth/me", s2, nil), 401, "unauthenticated")
}

// TestForgedTokens: alg none, HS256 keyed with the public key, a wrong
// key, wrong audience, and a token whose typ is not access.
func TestForgedTokens(t *testing.T) {
	e := newEnv(t)
	e.user("alice", auth.RoleAdmin)
	access, _ := e.signIn("alice")
	parts := strings.Split(access, ".")
	var cl jwt.MapClaims
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(b, &cl)
	hdr := func(alg string) string {
		var h map[string]any
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		json.Unmarshal(hb, &h)
		h["alg"] = alg
		out, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(out)
	}
	// alg none, with the real claims.
	e.want(e.do("GET", "/api/v1/auth/me", hdr("none")+"."+parts[1]+".", nil), 401, "unauthenticated")
	e.want(e.do("GET", "/api/v1/auth/me", hdr("none")+"."+parts[1]+"."+parts[2], nil), 401, "unauthenticated")
	// HS256 with the Ed25519 public key as the HMAC secret.
	keys, _ := e.st.SigningKeys(e.ctx)
	pub := ed25519.PrivateKey(keys[0].Private).Public().(ed25519.PublicKey)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, cl)
	hs.Header["kid"] = keys[0].KID
	forged, _ := hs.SignedString([]byte(pub))
	e.want(e.do("GET", "/api/v1/auth/me", forged, nil), 401, "unauthenticated")
	// EdDSA with another key, under the real kid.
	_, other, _ := ed25519.GenerateKey(nil)
	ed := jwt.NewWithClaims(jwt.SigningMethodEdDSA, cl)
	ed.Header["kid"] = keys[0].KID
	forged, _ = ed.SignedString(other)
	e.want(e.do("GET", "/api/v1/auth/me", forged, nil), 401, "unauthenticated")
	// Right key, wrong typ / audience / role raised.
	for _, change := range []func(jwt.MapClaims){
		func(c jwt.MapClaims) { c["typ"] = "refresh" },
		func(c jwt.MapClaims) { delete(c, "typ") },
		func(c jwt.MapClaims) { c["aud"] = "someone-else" },
		func(c jwt.MapClaims) { delete(c, "exp") },
	} {
		c := jwt.MapClaims{}
		for k, v := range cl {
			c[k] = v
		}
		change(c)
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"] = keys[0].KID
		s, _ := tok.SignedString(ed25519.PrivateKey(keys[0].Private))
		e.want(e.do("GET", "/api/v1/auth/me", s, nil), 401, "unauthenticated")
	}
	// The real one still works.
	e.want(e.do("GET", "/api/v1/auth/me", access, nil), 200, "")
}

func TestSigningKeyRotation(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.KeyRotation = time.Hour })
	e.user("alice", auth.RoleAdmin)
	old, refresh := e.signIn("alice")
	e.clock.Advance(time.Hour)
	r := e.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh})
	e.want(r, 200, "")
	keys, _ := e.st.SigningKeys(e.ctx)
	if len(keys) != 2 {
		t.Fatalf("%d keys after rotation", len(keys))
	}
	e.want(e.do("GET", "/api/v1/auth/me", r.str("access_token"), nil), 200, "")
	// A second replica on the same store verifies the first's tokens.
	other, err := auth.New(auth.Config{Store: e.st, Now: e.clock.Now, Argon2: cheap, KeyRotation: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(e.ctx, r.str("access_token")); err != nil {
		t.Fatalf("replica: %v", err)
	}
	_ = old
}

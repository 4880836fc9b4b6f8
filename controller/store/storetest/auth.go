package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// evilName is a user name full of SQL metacharacters.
const evilName = `o'brien"; DROP TABLE users; -- %_\`

func testUsers(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	u := must(s.CreateUser(ctx, store.UserSpec{Name: evilName, Role: "admin", PasswordHash: "$argon2id$x"}))(t)
	if u.ID == 0 || u.Name != evilName || u.Source != store.SourceLocal || !u.CreatedAt.Equal(epoch) || u.MFAEnabled {
		t.Fatalf("created %+v", u)
	}
	_, err := s.CreateUser(ctx, store.UserSpec{Name: evilName, Role: "viewer", PasswordHash: "h"})
	wantErr(t, err, store.ErrConflict, "name")
	for _, bad := range []struct {
		spec  store.UserSpec
		field string
	}{
		{store.UserSpec{Name: "", Role: "admin", PasswordHash: "h"}, "name"},
		{store.UserSpec{Name: "a\x00b", Role: "admin", PasswordHash: "h"}, "name"},
		{store.UserSpec{Name: " a", Role: "admin", PasswordHash: "h"}, "name"},
		{store.UserSpec{Name: strings.Repeat("a", 129), Role: "admin", PasswordHash: "h"}, "name"},
		{store.UserSpec{Name: "a", Role: "root", PasswordHash: "h"}, "role"},
		{store.UserSpec{Name: "a", Role: "admin"}, "password"},
		{store.UserSpec{Name: "a", Role: "admin", Source: "oidc"}, "oidc_subject"},
		{store.UserSpec{Name: "a", Role: "admin", Source: "ldap"}, "source"},
	} {
		_, err := s.CreateUser(ctx, bad.spec)
		wantErr(t, err, store.ErrInvalid, bad.field)
	}
	o := must(s.CreateUser(ctx, store.UserSpec{Name: "bob@example.com", Role: "viewer", Source: store.SourceOIDC, OIDCIssuer: "https://idp", OIDCSubject: "sub'1"}))(t)
	if got := must(s.UserByOIDC(ctx, "https://idp", "sub'1"))(t); got.ID != o.ID {
		t.Fatalf("UserByOIDC %+v", got)
	}
	_, err = s.UserByOIDC(ctx, "https://other", "sub'1")
	wantErr(t, err, store.ErrNotFound, "")
	_, err = s.CreateUser(ctx, store.UserSpec{Name: "bob2", Role: "viewer", Source: store.SourceOIDC, OIDCIssuer: "https://idp", OIDCSubject: "sub'1"})
	wantErr(t, err, store.ErrConflict, "")

	got, hash := must2(s.UserCredentials(ctx, evilName))(t)
	if got.ID != u.ID || hash != "$argon2id$x" {
		t.Fatalf("credentials %+v %q", got, hash)
	}
	_, _, err = s.UserCredentials(ctx, "o'brien")
	wantErr(t, err, store.ErrNotFound, "")
	if got := must(s.UserByID(ctx, u.ID))(t); got.Name != evilName {
		t.Fatalf("UserByID %+v", got)
	}
	if us := must(s.Users(ctx))(t); len(us) != 2 || us[0].Name != "bob@example.com" || us[1].Name != evilName {
		t.Fatalf("Users %+v", us)
	}
	if n := must(s.CountUsers(ctx))(t); n != 2 {
		t.Fatalf("CountUsers %d", n)
	}

	role, pw, yes, no := "operator", "$argon2id$y", true, false
	e.clock.Advance(time.Minute)
	up := must(s.UpdateUser(ctx, evilName, store.UserChange{Role: &role, PasswordHash: &pw, Disabled: &yes}))(t)
	if up.Role != "operator" || !up.DisabledAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("updated %+v", up)
	}
	if _, hash := must2(s.UserCredentials(ctx, evilName))(t); hash != pw {
		t.Fatal("password hash not changed")
	}
	e.clock.Advance(time.Minute)
	if up := must(s.UpdateUser(ctx, evilName, store.UserChange{Disabled: &yes}))(t); !up.DisabledAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("disabling again moved disabled_at: %+v", up)
	}
	if up := must(s.UpdateUser(ctx, evilName, store.UserChange{Disabled: &no}))(t); !up.DisabledAt.IsZero() {
		t.Fatalf("enabled %+v", up)
	}
	bad := "root"
	_, err = s.UpdateUser(ctx, evilName, store.UserChange{Role: &bad})
	wantErr(t, err, store.ErrInvalid, "role")
	_, err = s.UpdateUser(ctx, "bob@example.com", store.UserChange{PasswordHash: &pw})
	wantErr(t, err, store.ErrInvalid, "password")
	_, err = s.UpdateUser(ctx, "nobody", store.UserChange{Role: &role})
	wantErr(t, err, store.ErrNotFound, "")

	ok(t, s.RecordLogin(ctx, u.ID, epoch.Add(time.Hour)))
	if got := must(s.User(ctx, evilName))(t); !got.LastLogin.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("last login %v", got.LastLogin)
	}
	ok(t, s.DeleteUser(ctx, evilName))
	wantErr(t, s.DeleteUser(ctx, evilName), store.ErrNotFound, "")
	_, err = s.User(ctx, evilName)
	wantErr(t, err, store.ErrNotFound, "")
	must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM users"))(t) // the table is still there
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		ok(t, err)
		return a, b
	}
}

func newUser(t *testing.T, e *env, name string) store.User {
	t.Helper()
	return must(e.s.CreateUser(e.ctx, store.UserSpec{Name: name, Role: "admin", PasswordHash: "h"}))(t)
}

func testMFA(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	u := newUser(t, e, evilName)
	ok(t, s.SetTOTP(ctx, u.ID, "SECRET'", false))
	sec, on := must2(s.TOTPSecret(ctx, u.ID))(t)
	if sec != "SECRET'" || on || must(s.User(ctx, evilName))(t).MFAEnabled {
		t.Fatalf("pending totp %q %v", sec, on)
	}
	ok(t, s.SetTOTP(ctx, u.ID, "SECRET'", true))
	if _, on := must2(s.TOTPSecret(ctx, u.ID))(t); !on || !must(s.User(ctx, evilName))(t).MFAEnabled {
		t.Fatal("MFA not on")
	}
	if n := must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM users WHERE totp_secret = 'SECRET'''"))(t); n != 1 {
		t.Fatal("secret not stored")
	}
	ok(t, s.UseTOTPStep(ctx, u.ID, 1000))
	wantErr(t, s.UseTOTPStep(ctx, u.ID, 1000), store.ErrConflict, "otp")
	ok(t, s.UseTOTPStep(ctx, u.ID, 1001))
	if err := s.UseTOTPStep(ctx, 999999, 1); errors.Is(err, store.ErrConflict) || err == nil {
		t.Fatalf("unknown user's step: %v", err)
	}

	ok(t, s.SetRecoveryCodes(ctx, u.ID, []string{"h1", "h2'", "h3"}))
	ok(t, s.UseRecoveryCode(ctx, u.ID, "h2'"))
	wantErr(t, s.UseRecoveryCode(ctx, u.ID, "h2'"), store.ErrNotFound, "")
	wantErr(t, s.UseRecoveryCode(ctx, u.ID, "h1' OR '1'='1"), store.ErrNotFound, "")
	if n := must(s.RecoveryCodesLeft(ctx, u.ID))(t); n != 2 {
		t.Fatalf("%d codes left", n)
	}
	ok(t, s.SetRecoveryCodes(ctx, u.ID, []string{"h4"}))
	wantErr(t, s.UseRecoveryCode(ctx, u.ID, "h1"), store.ErrNotFound, "")
	ok(t, s.SetTOTP(ctx, u.ID, "", false))
	if n := must(s.RecoveryCodesLeft(ctx, u.ID))(t); n != 0 {
		t.Fatal("removing TOTP kept the recovery codes")
	}
	// Maintain forgets used steps after a day.
	e.clock.Advance(25 * time.Hour)
	must(s.Maintain(ctx, store.Retention{}))(t)
	ok(t, s.UseTOTPStep(ctx, u.ID, 1000))
	ok(t, s.DeleteUser(ctx, evilName))
	for _, table := range []string{"totp_used", "recovery_codes"} {
		if n := must(h.QueryInt(ctx, e.loc, "SELECT COUNT(*) FROM "+table))(t); n != 0 {
			t.Fatalf("%d rows of %s left after deleting the user", n, table)
		}
	}
}

func testSessions(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	u := newUser(t, e, "alice")
	exp := epoch.Add(30 * 24 * time.Hour)
	sess := must(s.CreateSession(ctx, store.SessionSpec{ID: "fam1", UserID: u.ID, TokenHash: "t1", Method: "password", SourceIP: "192.0.2.1", UserAgent: "ua'", ExpiresAt: exp}))(t)
	if sess.ID != "fam1" || !sess.ExpiresAt.Equal(exp) || sess.UserAgent != "ua'" || !sess.RevokedAt.IsZero() {
		t.Fatalf("session %+v", sess)
	}
	_, err := s.CreateSession(ctx, store.SessionSpec{ID: "fam1", UserID: u.ID, TokenHash: "x", ExpiresAt: exp})
	wantErr(t, err, store.ErrConflict, "")
	_, err = s.CreateSession(ctx, store.SessionSpec{ID: "famX", UserID: 424242, TokenHash: "x", ExpiresAt: exp})
	wantErr(t, err, store.ErrConstraint, "")

	e.clock.Advance(time.Minute)
	r := must(s.RotateSession(ctx, "fam1", "t1", "t2", exp.Add(time.Minute)))(t)
	if !r.ExpiresAt.Equal(exp.Add(time.Minute)) || !r.LastUsedAt.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("rotated %+v", r)
	}
	// t1 again: reuse; the family is revoked, and t2 no longer works.
	_, err = s.RotateSession(ctx, "fam1", "t1", "t3", exp)
	wantErr(t, err, store.ErrReused, "")
	if got := must(s.Session(ctx, "fam1"))(t); got.RevokedAt.IsZero() {
		t.Fatal("reuse did not revoke the family")
	}
	_, err = s.RotateSession(ctx, "fam1", "t2", "t3", exp)
	wantErr(t, err, store.ErrRevoked, "")
	_, err = s.RotateSession(ctx, "nope'", "t2", "t3", exp)
	wantErr(t, err, store.ErrNotFound, "")

	// Concurrent rotations of one token: one wins, the family ends revoked.
	must(s.CreateSession(ctx, store.SessionSpec{ID: "fam2", UserID: u.ID, TokenHash: "a", ExpiresAt: exp}))(t)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.RotateSession(ctx, "fam2", "a", fmt.Sprintf("b%d", i), exp)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if !errors.Is(err, store.ErrReused) && !errors.Is(err, store.ErrRevoked) {
			t.Errorf("racing rotation: %v", err)
		}
	}
	if wins != 1 || must(s.Session(ctx, "fam2"))(t).RevokedAt.IsZero() {
		t.Fatalf("%d rotations won; family revoked: %v", wins, !must(s.Session(ctx, "fam2"))(t).RevokedAt.IsZero())
	}

	must(s.CreateSession(ctx, store.SessionSpec{ID: "fam3", UserID: u.ID, TokenHash: "a", ExpiresAt: epoch.Add(2 * time.Minute)}))(t)
	must(s.CreateSession(ctx, store.SessionSpec{ID: "fam4", UserID: u.ID, TokenHash: "a", ExpiresAt: exp}))(t)
	must(s.CreateSession(ctx, store.SessionSpec{ID: "fam5", UserID: u.ID, TokenHash: "a", ExpiresAt: exp}))(t)
	e.clock.Advance(time.Minute)
	_, err = s.RotateSession(ctx, "fam3", "a", "b", exp)
	wantErr(t, err, store.ErrExpired, "")
	ok(t, s.RevokeSession(ctx, "fam4"))
	ok(t, s.RevokeSession(ctx, "fam4"))
	wantErr(t, s.RevokeSession(ctx, "nope"), store.ErrNotFound, "")
	if n := must(s.RevokeUserSessions(ctx, u.ID))(t); n != 2 { // fam3, fam5
		t.Fatalf("revoked %d sessions", n)
	}
	_, err = s.RotateSession(ctx, "fam5", "a", "b", exp)
	wantErr(t, err, store.ErrRevoked, "")

	e.clock.Advance(25 * time.Hour)
	must(s.Maintain(ctx, store.Retention{}))(t)
	_, err = s.Session(ctx, "fam4")
	wantErr(t, err, store.ErrNotFound, "")
}

func testAPIKeys(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	u := newUser(t, e, evilName)
	v := newUser(t, e, "viewer")
	h1, h2 := hashHex("secret1"), hashHex("secret2")
	k := must(s.CreateAPIKey(ctx, store.APIKeySpec{Name: evilName, Role: "operator", OwnerID: u.ID, Hash: h1, ExpiresAt: epoch.Add(time.Hour)}))(t)
	if k.ID != h1[:16] || k.Owner != evilName || k.Role != "operator" || !k.ExpiresAt.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("key %+v", k)
	}
	_, err := s.CreateAPIKey(ctx, store.APIKeySpec{Name: evilName, Role: "viewer", OwnerID: u.ID, Hash: h2})
	wantErr(t, err, store.ErrConflict, "name")
	_, err = s.CreateAPIKey(ctx, store.APIKeySpec{Name: "k", Role: "root", OwnerID: u.ID, Hash: h2})
	wantErr(t, err, store.ErrInvalid, "role")
	_, err = s.CreateAPIKey(ctx, store.APIKeySpec{Name: "k", Role: "viewer", OwnerID: u.ID, Hash: "short"})
	wantErr(t, err, store.ErrInvalid, "hash")
	_, err = s.CreateAPIKey(ctx, store.APIKeySpec{Name: "k", Role: "viewer", OwnerID: 99999, Hash: h2})
	wantErr(t, err, store.ErrConstraint, "")
	k2 := must(s.CreateAPIKey(ctx, store.APIKeySpec{Name: evilName, Role: "viewer", OwnerID: v.ID, Hash: h2}))(t)
	if !k2.ExpiresAt.IsZero() {
		t.Fatalf("key without expiry %+v", k2)
	}
	if got := must(s.APIKeyByHash(ctx, h1))(t); got.ID != k.ID {
		t.Fatalf("by hash %+v", got)
	}
	_, err = s.APIKeyByHash(ctx, "' OR 1=1 --")
	wantErr(t, err, store.ErrNotFound, "")
	if ks := must(s.APIKeys(ctx, 0))(t); len(ks) != 2 {
		t.Fatalf("all keys %+v", ks)
	}
	if ks := must(s.APIKeys(ctx, v.ID))(t); len(ks) != 1 || ks[0].ID != k2.ID {
		t.Fatalf("viewer's keys %+v", ks)
	}
	ok(t, s.TouchAPIKey(ctx, k.ID, epoch.Add(time.Minute)))
	ok(t, s.RevokeAPIKey(ctx, k.ID))
	ok(t, s.RevokeAPIKey(ctx, k.ID))
	got := must(s.APIKeyByHash(ctx, h1))(t)
	if !got.LastUsed.Equal(epoch.Add(time.Minute)) || !got.RevokedAt.Equal(epoch) {
		t.Fatalf("touched, revoked %+v", got)
	}
	wantErr(t, s.RevokeAPIKey(ctx, "0123456789abcdef"), store.ErrNotFound, "")
	wantErr(t, s.RevokeAPIKey(ctx, "'; DROP TABLE x"), store.ErrInvalid, "id")
	ok(t, s.DeleteUser(ctx, "viewer"))
	_, err = s.APIKeyByHash(ctx, h2)
	wantErr(t, err, store.ErrNotFound, "")
}

func testSigningKeys(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	if ks := must(s.SigningKeys(ctx))(t); len(ks) != 0 {
		t.Fatalf("keys %+v", ks)
	}
	key := func(g int64) store.SigningKey {
		return store.SigningKey{Generation: g, KID: fmt.Sprintf("k%d", g), Alg: "EdDSA", Private: []byte{byte(g), 0, 1, 2}}
	}
	ok(t, s.AddSigningKey(ctx, key(1)))
	wantErr(t, s.AddSigningKey(ctx, key(1)), store.ErrConflict, "generation")
	wantErr(t, s.AddSigningKey(ctx, key(3)), store.ErrConflict, "generation")
	wantErr(t, s.AddSigningKey(ctx, store.SigningKey{Generation: 2}), store.ErrInvalid, "generation")
	ok(t, s.AddSigningKey(ctx, key(2)))
	ok(t, s.AddSigningKey(ctx, key(3)))
	ks := must(s.SigningKeys(ctx))(t)
	if len(ks) != 2 || ks[0].KID != "k3" || ks[1].KID != "k2" || string(ks[0].Private) != string([]byte{3, 0, 1, 2}) || !ks[0].CreatedAt.Equal(epoch) {
		t.Fatalf("keys after rotation %+v", ks)
	}
	// Racing replicas: exactly one adds the next generation.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.AddSigningKey(ctx, key(4)) }()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if !errors.Is(err, store.ErrConflict) {
			t.Errorf("racing add: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d replicas added generation 4", wins)
	}
}

func testSetupToken(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	spec := store.UserSpec{Name: "root'admin", Role: "admin", PasswordHash: "h"}
	ok(t, boolErr(s.AddSetupToken(ctx, "old", epoch.Add(time.Minute))))
	ok(t, boolErr(s.AddSetupToken(ctx, "tok", epoch.Add(time.Hour))))
	_, err := s.CreateFirstUser(ctx, "nope", spec)
	wantErr(t, err, store.ErrTokenUnknown, "")
	e.clock.Advance(2 * time.Minute)
	_, err = s.CreateFirstUser(ctx, "old", spec)
	wantErr(t, err, store.ErrTokenExpired, "")
	u := must(s.CreateFirstUser(ctx, "tok", spec))(t)
	if u.Name != spec.Name {
		t.Fatalf("first user %+v", u)
	}
	_, err = s.CreateFirstUser(ctx, "tok", store.UserSpec{Name: "second", Role: "admin", PasswordHash: "h"})
	wantErr(t, err, store.ErrConflict, "users")
	if added := must(s.AddSetupToken(ctx, "again", epoch.Add(time.Hour)))(t); added {
		t.Fatal("a setup token was added while there are users")
	}
}

func boolErr(_ bool, err error) error { return err }

func testAudit(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	add := func(actor, action, outcome string) store.AuditEntry {
		e.clock.Advance(time.Second)
		return must(s.AddAudit(ctx, store.AuditEntry{Actor: actor, Role: "admin", Method: "password", SourceIP: "2001:db8::1",
			UserAgent: "curl/8", Action: action, Target: "user/" + actor, Outcome: outcome, Detail: json.RawMessage(`{"reason":"x"}`)}))(t)
	}
	a1 := add(evilName, "auth.login", "failure")
	if a1.ID == 0 || !a1.At.Equal(epoch.Add(time.Second)) {
		t.Fatalf("entry %+v", a1)
	}
	add(evilName, "auth.login", "success")
	add("bob", "site.revoke", "success")
	add("bob", "site%.delete", "success")
	add("bob", "sitex", "success")
	a6 := add("%", "user.create", "success")
	_, err := s.AddAudit(ctx, store.AuditEntry{Actor: "x"})
	wantErr(t, err, store.ErrInvalid, "action")
	_, err = s.AddAudit(ctx, store.AuditEntry{Action: "x", Detail: json.RawMessage("{")})
	wantErr(t, err, store.ErrInvalid, "detail")

	count := func(q store.AuditQuery) int { return len(must(s.AuditLog(ctx, q))(t)) }
	all := must(s.AuditLog(ctx, store.AuditQuery{}))(t)
	if len(all) != 6 || all[0].ID != a6.ID || all[5].ID != a1.ID {
		t.Fatalf("newest first: %+v", all)
	}
	if got := all[5]; got.Actor != evilName || got.SourceIP != "2001:db8::1" || got.UserAgent != "curl/8" || got.Outcome != "failure" || string(got.Detail) != `{"reason":"x"}` && !jsonEq(got.Detail, `{"reason":"x"}`) {
		t.Fatalf("entry read back %+v", got)
	}
	for _, c := range []struct {
		q    store.AuditQuery
		want int
	}{
		{store.AuditQuery{Actor: evilName}, 2},
		{store.AuditQuery{Actor: "%"}, 1},
		{store.AuditQuery{Actor: "' OR '1'='1"}, 0},
		{store.AuditQuery{Action: "auth.login", Outcome: "failure"}, 1},
		{store.AuditQuery{Action: "site."}, 1},
		{store.AuditQuery{Action: "site%."}, 1},
		{store.AuditQuery{Action: "s_te."}, 0},
		{store.AuditQuery{Action: "%"}, 0},
		{store.AuditQuery{Since: epoch.Add(3 * time.Second), Until: epoch.Add(5 * time.Second)}, 2},
		{store.AuditQuery{BeforeID: a6.ID, Limit: 2}, 2},
		{store.AuditQuery{Limit: 1000}, 6},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("AuditLog(%+v) = %d entries, want %d", c.q, got, c.want)
		}
	}
	_, err = s.AuditLog(ctx, store.AuditQuery{Limit: 1001})
	wantErr(t, err, store.ErrInvalid, "limit")

	e.clock.Advance(time.Hour)
	add("late", "x.y", "success")
	st := must(s.Maintain(ctx, store.Retention{Audit: 30 * time.Minute}))(t)
	if st.Deleted < 6 || count(store.AuditQuery{}) != 1 {
		t.Fatalf("retention deleted %d, %d left", st.Deleted, count(store.AuditQuery{}))
	}
	if store.DefaultRetention.Audit != 400*24*time.Hour {
		t.Fatalf("default audit retention %v", store.DefaultRetention.Audit)
	}
}

func jsonEq(a json.RawMessage, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

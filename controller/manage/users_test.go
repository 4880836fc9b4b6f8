package manage_test

import (
	"context"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/manage"
	"github.com/patronus-sdwan/patronus/controller/store"
)

var _ manage.Users = (*auth.Service)(nil)

// TestUsersThroughAuthService: user and API key administration through
// the real auth.Service and the store's own audit log: each call is
// audited once (by the service), a refusal before it once (by manage),
// and the service's errors keep their code and field.
func TestUsersThroughAuthService(t *testing.T) {
	e := newEnv(t)
	svcAuth, err := auth.New(auth.Config{Store: e.st, Argon2: auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := manage.New(manage.Config{Store: e.st, Users: svcAuth})
	if err != nil {
		t.Fatal(err)
	}
	boss, err := svcAuth.CreateUser(context.Background(), auth.NewUser{Name: "boss", Role: auth.RoleAdmin, Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	admin := auth.NewContext(context.Background(), auth.Principal{Subject: "boss", UserID: boss.ID, Role: auth.RoleAdmin, Method: auth.MethodPassword})
	admin = manage.WithRequestInfo(admin, manage.RequestInfo{SourceIP: "198.51.100.9", UserAgent: "ua"})

	_, err = m.CreateUser(admin, auth.NewUser{Name: "carol", Role: auth.RoleOperator, Password: "short"})
	wantCode(t, err, manage.CodeInvalidArgument, "password")
	if _, err := m.CreateUser(admin, auth.NewUser{Name: "carol", Role: auth.RoleOperator, Password: "a long password"}); err != nil {
		t.Fatal(err)
	}
	_, err = m.CreateUser(admin, auth.NewUser{Name: "carol", Role: auth.RoleOperator, Password: "a long password"})
	wantCode(t, err, manage.CodeConflict, "")
	_, err = m.CreateUser(as(auth.RoleOperator), auth.NewUser{Name: "dave", Role: auth.RoleAdmin, Password: "a long password"})
	wantCode(t, err, manage.CodeForbidden, "")
	secret, key, err := m.CreateAPIKey(admin, "deploy", auth.RoleViewer, time.Now().Add(time.Hour))
	if err != nil || secret == "" || key.Owner != "boss" {
		t.Fatalf("%+v %v", key, err)
	}
	keys, err := m.APIKeys(admin)
	if err != nil || len(keys) != 1 {
		t.Fatalf("%+v %v", keys, err)
	}

	entries, err := e.st.AuditLog(context.Background(), store.AuditQuery{Action: "user.create", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var byBoss, refused int
	for _, a := range entries {
		switch {
		case a.Actor == "boss":
			byBoss++
			if a.SourceIP != "198.51.100.9" || a.UserAgent != "ua" {
				t.Errorf("entry without the request's origin: %+v", a)
			}
		case a.Actor == "u-operator" && a.Outcome == "failure":
			refused++
		}
	}
	if byBoss != 3 || refused != 1 { // short password, carol, carol again; the operator's refusal
		t.Errorf("user.create entries: %d by boss, %d refused: %+v", byBoss, refused, entries)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/api"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestSignInThenREST uses the real auth service on the same store: the
// contract's sign-in (a wrong password is 401), then REST with the access
// token, whose mutations the audit log records with the user's name; and
// GraphQL without credentials is 401.
func TestSignInThenREST(t *testing.T) {
	var svc *auth.Service
	e := newEnvWith(t, func(st store.Store, c *api.Config) {
		var err error
		svc, err = auth.New(auth.Config{Store: st.(store.AuthStore), Argon2: auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		c.Auth, c.AuthHandler = svc, svc.Handler()
	})
	if _, err := svc.CreateUser(context.Background(), auth.NewUser{Name: "olga", Role: auth.RoleOperator, Password: "a long enough passphrase"}); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"olga","password":"wrong"}`})
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(req{method: "POST", path: "/api/v1/auth/login", body: `{"username":"olga","password":"a long enough passphrase"}`})
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); resp.StatusCode != 200 || err != nil || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(req{method: "GET", path: "/api/v1/networks/default/sites", token: tok.AccessToken}); resp.StatusCode != 200 ||
		!strings.Contains(string(body), `"name":"a"`) {
		t.Fatalf("sites with the access token: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do(req{method: "GET", path: "/api/v1/networks", token: tok.RefreshToken}); resp.StatusCode != 401 {
		t.Fatalf("a refresh token as an access token: %d", resp.StatusCode)
	}
	if resp, body := e.do(req{method: "POST", path: "/api/v1/networks/default/join-tokens", token: tok.AccessToken, body: `{"site":"c"}`}); resp.StatusCode != 201 {
		t.Fatalf("join token: %d %s", resp.StatusCode, body)
	}
	entries, err := e.st.(store.AuthStore).AuditLog(context.Background(), store.AuditQuery{Action: "join_token.create"})
	if err != nil || len(entries) != 1 || entries[0].Actor != "olga" || entries[0].SourceIP != "127.0.0.1" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
	if resp, _ := e.do(req{method: "POST", path: "/api/v2/graphql", body: `{"query":"{ sites { name } }"}`}); resp.StatusCode != 401 {
		t.Fatalf("GraphQL without credentials: %d", resp.StatusCode)
	}
}

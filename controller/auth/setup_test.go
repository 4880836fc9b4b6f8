package auth_test

import (
	"strings"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

func TestSetup(t *testing.T) {
	e := newEnv(t)
	tok, needed, err := e.svc.SetupToken(e.ctx)
	if err != nil || !needed || !strings.HasPrefix(tok, "pst_") {
		t.Fatalf("SetupToken = %q, %v, %v", tok, needed, err)
	}
	body := func(tok, name, pass string) map[string]string {
		return map[string]string{"setup_token": tok, "username": name, "password": pass}
	}
	e.want(e.do("POST", "/api/v1/auth/setup", "", body("pst_wrong", "root", pw)), 401, "unauthenticated")
	r := e.do("POST", "/api/v1/auth/setup", "", body(tok, "root", "short"))
	if r.status != 400 || r.errField() != "password" {
		t.Fatalf("short password: %s", r.raw)
	}
	r = e.do("POST", "/api/v1/auth/setup", "", body(tok, "root-of-all-evil", "Root-Of-All-Evil"))
	if r.status != 400 || r.errField() != "password" {
		t.Fatalf("password = name: %s", r.raw)
	}
	r = e.do("POST", "/api/v1/auth/setup", "", body(tok, "root", pw))
	e.want(r, 201, "")
	if r.str("role") != "admin" {
		t.Fatalf("setup %s", r.raw)
	}
	e.want(e.do("POST", "/api/v1/auth/setup", "", body(tok, "root2", pw)), 409, "conflict")
	e.signIn("root")
	if tok, needed, err := e.svc.SetupToken(e.ctx); tok != "" || needed || err != nil {
		t.Fatalf("SetupToken with users = %q, %v, %v", tok, needed, err)
	}
	if log, _ := e.st.AuditLog(e.ctx, store_q("auth.setup", "")); len(log) != 3 || log[1].Outcome != "success" {
		t.Fatalf("setup audit %+v", log)
	}
	_ = auth.RoleAdmin
}

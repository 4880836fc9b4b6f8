package auth

import (
	"context"
	"testing"
)

func TestRoleMatrix(t *testing.T) {
	want := map[Role][3]bool{ // Read, Operate, Administer
		RoleAdmin:    {true, true, true},
		RoleOperator: {true, true, false},
		RoleViewer:   {true, false, false},
		Role(""):     {false, false, false},
		Role("root"): {false, false, false},
	}
	for r, w := range want {
		for i, p := range []Permission{Read, Operate, Administer} {
			if got := r.Can(p); got != w[i] {
				t.Errorf("%q.Can(%v) = %v, want %v", r, p, got, w[i])
			}
		}
		if r.Can(Permission(0)) || r.Can(Administer+1) {
			t.Errorf("%q grants an unknown permission", r)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Admin", "root", "viewer "} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) accepted", s)
		}
	}
}

func TestContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("empty context has a principal")
	}
	p := Principal{Subject: "alice", UserID: 7, Role: RoleOperator, Method: MethodPassword}
	got, ok := FromContext(NewContext(context.Background(), p))
	if !ok || got != p {
		t.Fatalf("FromContext = %+v, %v", got, ok)
	}
}

package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/auth"
)

// TestRequire: Middleware + Require over HTTP, every role and none,
// against every permission.
func TestRequire(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	for _, p := range []auth.Permission{auth.Read, auth.Operate, auth.Administer} {
		mux.Handle("/"+p.String(), e.svc.Middleware(auth.Require(p, ok)))
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tokens := map[auth.Role]string{}
	for _, r := range auth.Roles {
		e.user(string(r)+"-user", r)
		tokens[r], _ = e.signIn(string(r) + "-user")
	}
	for _, role := range append(auth.Roles, "") {
		for _, perm := range []auth.Permission{auth.Read, auth.Operate, auth.Administer} {
			req, _ := http.NewRequest("GET", srv.URL+"/"+perm.String(), nil)
			if role != "" {
				req.Header.Set("Authorization", "Bearer "+tokens[role])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			want := 299
			switch {
			case role == "":
				want = 401
			case !role.Can(perm):
				want = 403
			}
			if res.StatusCode != want {
				t.Errorf("%q on %v: %d, want %d", role, perm, res.StatusCode, want)
			}
		}
	}
	if err := auth.Check(context.Background(), auth.Read); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("Check without a principal: %v", err)
	}
	ctx := auth.NewContext(context.Background(), auth.Principal{Role: auth.RoleViewer})
	if err := auth.Check(ctx, auth.Operate); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("Check of a viewer: %v", err)
	}
}

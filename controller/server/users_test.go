package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestAdminUsers: the user RPCs through the real gRPC server with an
// operator certificate; the user made signs in through auth.Service.
func TestAdminUsers(t *testing.T) {
	c := startSQLite(t)
	const evil = `o'brien"; DROP TABLE users; --`
	u, err := c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: evil, Role: "admin", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != evil || u.Role != "admin" || u.Source != "local" || u.CreatedAt == nil || u.LastLogin != nil {
		t.Fatalf("created %+v", u)
	}
	_, err = c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: evil, Role: "viewer", Password: "correct horse battery"})
	wantCode(t, err, codes.AlreadyExists, "name")
	_, err = c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: "bob", Role: "viewer", Password: "short"})
	wantCode(t, err, codes.InvalidArgument, "password")
	_, err = c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: "bob", Role: "root", Password: "correct horse battery"})
	wantCode(t, err, codes.InvalidArgument, "role")
	_, err = c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: "", Role: "viewer", Password: "correct horse battery"})
	wantCode(t, err, codes.InvalidArgument, "name")
	if _, err := c.admin.CreateUser(ctxT(t), &pb.CreateUserRequest{Name: "bob", Role: "viewer", Password: "another long one"}); err != nil {
		t.Fatal(err)
	}

	svc, err := auth.New(auth.Config{Store: c.st})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.Login(ctxT(t), auth.LoginRequest{Username: evil, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("sign-in of the user made by ctl: %v", err)
	}

	r, err := c.admin.SetUserRole(ctxT(t), &pb.SetUserRoleRequest{Name: evil, Role: "viewer"})
	if err != nil || r.Role != "viewer" {
		t.Fatalf("set role: %+v %v", r, err)
	}
	if p, err := svc.Authenticate(ctxT(t), tok.AccessToken); err != nil || p.Role != auth.RoleViewer {
		t.Fatalf("after set-role: %+v %v", p, err)
	}
	_, err = c.admin.SetUserRole(ctxT(t), &pb.SetUserRoleRequest{Name: "nobody", Role: "viewer"})
	wantCode(t, err, codes.NotFound, "")

	list, err := c.admin.ListUsers(ctxT(t), &pb.ListUsersRequest{PageSize: 1})
	if err != nil || len(list.Users) != 1 || list.Users[0].Name != "bob" || list.NextPageToken == "" {
		t.Fatalf("list page 1: %+v %v", list, err)
	}
	list, err = c.admin.ListUsers(ctxT(t), &pb.ListUsersRequest{PageSize: 1, PageToken: list.NextPageToken})
	if err != nil || len(list.Users) != 1 || list.Users[0].Name != evil || list.Users[0].LastLogin == nil {
		t.Fatalf("list page 2: %+v %v", list, err)
	}

	if _, err := c.admin.DeleteUser(ctxT(t), &pb.DeleteUserRequest{Name: evil}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctxT(t), tok.AccessToken); err == nil {
		t.Fatal("a deleted user's token still works")
	}
	_, err = c.admin.DeleteUser(ctxT(t), &pb.DeleteUserRequest{Name: evil})
	wantCode(t, err, codes.NotFound, "")

	// Audited as the operator's certificate, never with the password.
	log, err := c.st.AuditLog(ctxT(t), store.AuditQuery{Action: "user."})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) < 5 || log[0].Action != "user.delete" || log[0].Method != "certificate" || log[0].Role != "admin" || log[0].Actor == "" {
		t.Fatalf("audit %+v", log)
	}
	for _, e := range log {
		if strings.Contains(string(e.Detail), "correct horse") {
			t.Fatal("a password in the audit log")
		}
	}
}

package server

import (
	"context"
	"errors"
	"net"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/apierr"
	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// UserAdmin is the user administration Admin's user RPCs need
// (*auth.Service implements it).
type UserAdmin interface {
	Users(ctx context.Context) ([]auth.User, error)
	CreateUser(ctx context.Context, n auth.NewUser) (auth.User, error)
	UpdateUser(ctx context.Context, name string, u auth.UserUpdate) (auth.User, error)
	DeleteUser(ctx context.Context, name string) error
}

var _ UserAdmin = (*auth.Service)(nil)

// operatorContext carries the calling operator as an admin principal
// (operator certificates act as admin), for the audit log.
func operatorContext(ctx context.Context) context.Context {
	c := callerOf(ctx)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		host, _, err := net.SplitHostPort(p.Addr.String())
		if err != nil {
			host = p.Addr.String()
		}
		ctx = auth.WithRequestMeta(ctx, auth.RequestMeta{SourceIP: host, UserAgent: "patronus ctl"})
	}
	return auth.NewContext(ctx, auth.Principal{Subject: c.ID.User, Role: auth.RoleAdmin, Method: auth.MethodCertificate})
}

func userInfo(u auth.User) *pb.UserInfo {
	return &pb.UserInfo{Name: u.Name, Role: string(u.Role), Source: u.Source, MfaEnabled: u.MFAEnabled,
		CreatedAt: ts(u.CreatedAt), DisabledAt: ts(u.DisabledAt), LastLogin: ts(u.LastLogin)}
}

// userStatus maps the auth service's errors to gRPC statuses.
func userStatus(err error) error {
	var se *store.Error
	if errors.As(err, &se) {
		return storeStatus(err)
	}
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		return storeStatus(err)
	}
	msg := ae.Message
	if ae.Field != "" {
		msg = ae.Field + ": " + msg
	}
	code := codes.Internal
	switch ae.Status {
	case http.StatusBadRequest:
		code = codes.InvalidArgument
	case http.StatusUnauthorized:
		code = codes.Unauthenticated
	case http.StatusForbidden:
		code = codes.PermissionDenied
	case http.StatusNotFound:
		code = codes.NotFound
	case http.StatusConflict:
		code = codes.FailedPrecondition
	case http.StatusServiceUnavailable:
		code = codes.Unavailable
	}
	return status.Error(code, msg)
}

func (a *admin) ListUsers(ctx context.Context, req *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	us, err := a.s.cfg.Users.Users(ctx)
	if err != nil {
		return nil, userStatus(err)
	}
	pg, next, err := page(us, req.PageSize, req.PageToken)
	if err != nil {
		return nil, err
	}
	out := &pb.ListUsersResponse{NextPageToken: next}
	for _, u := range pg {
		out.Users = append(out.Users, userInfo(u))
	}
	return out, nil
}

func (a *admin) CreateUser(ctx context.Context, req *pb.CreateUserRequest) (*pb.UserInfo, error) {
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "role: %v", err)
	}
	u, err := a.s.cfg.Users.CreateUser(operatorContext(ctx), auth.NewUser{Name: req.Name, Role: role, Password: req.Password})
	if err != nil {
		return nil, userStatus(err)
	}
	return userInfo(u), nil
}

func (a *admin) SetUserRole(ctx context.Context, req *pb.SetUserRoleRequest) (*pb.UserInfo, error) {
	if err := required("name", req.Name); err != nil {
		return nil, err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "role: %v", err)
	}
	u, err := a.s.cfg.Users.UpdateUser(operatorContext(ctx), req.Name, auth.UserUpdate{Role: &role})
	if err != nil {
		return nil, userStatus(err)
	}
	return userInfo(u), nil
}

func (a *admin) DeleteUser(ctx context.Context, req *pb.DeleteUserRequest) (*pb.DeleteUserResponse, error) {
	if err := required("name", req.Name); err != nil {
		return nil, err
	}
	if err := a.s.cfg.Users.DeleteUser(operatorContext(ctx), req.Name); err != nil {
		return nil, userStatus(err)
	}
	return &pb.DeleteUserResponse{}, nil
}

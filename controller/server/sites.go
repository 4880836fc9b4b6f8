package server

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// The site lifecycle calls are the management API's operations
// (controller/manage), run as the calling operator: the same checks and
// the same audit entries as through GraphQL or REST.

// DeleteSite deletes a site (manage.Service.DeleteSite).
func (a *admin) DeleteSite(ctx context.Context, req *pb.DeleteSiteRequest) (*pb.DeleteSiteResponse, error) {
	if err := a.s.cfg.Manage.DeleteSite(operatorContext(ctx), req.Network, req.SiteName); err != nil {
		return nil, manageStatus(err)
	}
	a.s.log.Info("site deleted", "network", req.Network, "site", req.SiteName, "by", callerOf(ctx).ID.String())
	return &pb.DeleteSiteResponse{}, nil
}

// ResetSite gives a site a reset token (manage.Service.ResetSite).
func (a *admin) ResetSite(ctx context.Context, req *pb.ResetSiteRequest) (*pb.CreateJoinTokenResponse, error) {
	ttl := DefaultTokenTTL
	if req.Ttl != nil {
		if ttl = req.Ttl.AsDuration(); ttl <= 0 {
			return nil, status.Error(codes.InvalidArgument, "ttl: must be positive")
		}
	}
	secret, tok, err := a.s.cfg.Manage.ResetSite(operatorContext(ctx), req.Network, req.SiteName, ttl)
	if err != nil {
		return nil, manageStatus(err)
	}
	a.s.log.Info("site reset", "network", req.Network, "site", req.SiteName, "token_id", tok.ID, "by", callerOf(ctx).ID.String())
	return &pb.CreateJoinTokenResponse{Token: secret, Info: tokenInfo(tok)}, nil
}

// manageCodes maps the management operations' codes to gRPC's, as
// storeStatus maps the store's.
var manageCodes = map[manage.Code]codes.Code{
	manage.CodeUnauthenticated: codes.Unauthenticated, manage.CodeForbidden: codes.PermissionDenied,
	manage.CodeNotFound: codes.NotFound, manage.CodeInvalidArgument: codes.InvalidArgument,
	manage.CodeConflict: codes.FailedPrecondition, manage.CodeStale: codes.Aborted, manage.CodeInternal: codes.Internal,
}

// manageStatus maps a management operation's error to a gRPC status whose
// message names the field at fault.
func manageStatus(err error) error {
	var e *manage.Error
	if !errors.As(err, &e) {
		return storeStatus(err)
	}
	msg := e.Msg
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	code, ok := manageCodes[e.Code]
	if !ok {
		code = codes.Internal
	}
	return status.Error(code, msg)
}

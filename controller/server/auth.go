package server

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// caller is who made a call: an operator, or an enrolled site.
type caller struct {
	ID       pki.Identity
	Site     siteEntry // KindSite only
	NotAfter time.Time // the certificate's
}

type callerKey struct{}

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// authorize decides a call by its service: Enrollment needs nothing (the
// join token is the credential), EdgeControl an enrolled site's
// certificate, Admin an operator's. The handshake checked any certificate
// sent (chain, usage, revocation); this checks that the right kind was
// sent, and the site's or the operator certificate's state again for
// connections opened before a revocation.
func (s *Server) authorize(ctx context.Context, method string) (context.Context, error) {
	var want pki.Kind
	switch {
	case strings.HasPrefix(method, "/"+pb.Enrollment_ServiceDesc.ServiceName+"/"):
		return ctx, nil
	case strings.HasPrefix(method, "/"+pb.EdgeControl_ServiceDesc.ServiceName+"/"):
		want = pki.KindSite
	case strings.HasPrefix(method, "/"+pb.Admin_ServiceDesc.ServiceName+"/"):
		want = pki.KindAdmin
	default:
		return nil, status.Errorf(codes.Unimplemented, "unknown method %s", method)
	}
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "no peer")
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "not a TLS connection")
	}
	id, err := pki.PeerIdentity(info.State)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "%s needs a client certificate of this controller's CA (%s)", method, want)
	}
	if id.Kind != want {
		return nil, status.Errorf(codes.PermissionDenied, "%s: %s certificates are not accepted here, only %s", method, id.Kind, want)
	}
	c := caller{ID: id, NotAfter: info.State.PeerCertificates[0].NotAfter}
	if want == pki.KindAdmin && s.reg.operatorRevoked(ctx, info.State.PeerCertificates[0].SerialNumber) {
		return nil, status.Errorf(codes.PermissionDenied, "operator certificate %s (serial %s) is revoked", id, info.State.PeerCertificates[0].SerialNumber)
	}
	if want == pki.KindSite {
		e, ok := s.reg.site(ctx, id.SiteID)
		if !ok || e.Revoked || e.Name != id.SiteName {
			return nil, status.Errorf(codes.PermissionDenied, "site %s is revoked or unknown", id)
		}
		c.Site = e
	}
	return context.WithValue(ctx, callerKey{}, c), nil
}

func (s *Server) unaryAuth(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	ctx, err := s.authorize(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	resp, err := h(ctx, req)
	s.auditAdmin(ctx, info.FullMethod, req, err)
	return resp, err
}

type authStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a authStream) Context() context.Context { return a.ctx }

func (s *Server) streamAuth(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	ctx, err := s.authorize(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	if c := callerOf(ctx); c.ID.Kind == pki.KindSite {
		s.obs.EdgeCertificate(c.Site.Network, c.Site.Name, c.NotAfter)
	}
	_, method, _ := strings.Cut(info.FullMethod[1:], "/")
	defer s.obs.StreamOpened(method)()
	if site := callerOf(ctx).Site; site.ID != 0 {
		release, err := s.streams.acquire(site.ID, site.Name)
		if err != nil {
			return err
		}
		defer release()
	}
	return h(srv, authStream{ss, ctx})
}

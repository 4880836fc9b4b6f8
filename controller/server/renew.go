package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// RenewCertificate signs a new certificate for the caller's site from the
// CSR of a new key, recorded before it is signed (as at enrolment) so
// that the handshake accepts it. The caller's certificate stays valid
// until it expires; the identity (site ID and name) is the caller's, so
// the CA's name constraint holds as at enrolment.
func (e *edgeControl) RenewCertificate(ctx context.Context, req *pb.RenewCertificateRequest) (*pb.RenewCertificateResponse, error) {
	s := e.s
	c := callerOf(ctx)
	if err := checkCSR(req.CsrDer); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	serial, err := pki.NewSerial()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "serial: %v", err)
	}
	rec := store.SiteCert{Serial: serial.String(), IssuedAt: s.now(), NotAfter: s.cfg.CA.NotAfter(s.cfg.EdgeValidity), RenewedFrom: c.Serial}
	if err := s.cfg.Store.AddSiteCert(ctx, c.Site.Network, c.Site.Name, rec); err != nil {
		return nil, storeStatus(err)
	}
	cert, err := s.cfg.CA.SignEdgeSerial(req.CsrDer, c.Site.Name, c.Site.ID, s.cfg.EdgeValidity, serial)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "sign: %v", err)
	}
	s.event(ctx, c.Site.Network, c.Site.Name, "certificate_renewed", "serial "+c.Serial+" renewed as "+rec.Serial+", valid until "+cert.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))
	s.log.Info("site certificate renewed", "network", c.Site.Network, "site", c.Site.Name, "serial", rec.Serial, "not_after", cert.NotAfter)
	return &pb.RenewCertificateResponse{ClientCertChainDer: [][]byte{cert.Raw}, CaCertDer: s.cfg.CA.Certificate().Raw}, nil
}

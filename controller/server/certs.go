package server

import (
	"context"
	"math/big"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// maxCertReason bounds a revocation's reason.
const maxCertReason = 500

// ListCertificates lists a network's site certificates.
func (a *admin) ListCertificates(ctx context.Context, req *pb.ListCertificatesRequest) (*pb.ListCertificatesResponse, error) {
	if err := required("network", req.Network); err != nil {
		return nil, err
	}
	certs, err := a.s.cfg.Store.SiteCerts(ctx, req.Network)
	if err != nil {
		return nil, storeStatus(err)
	}
	out := &pb.ListCertificatesResponse{}
	for _, c := range certs {
		if req.SiteName == "" || c.Site == req.SiteName {
			out.Certificates = append(out.Certificates, &pb.CertificateInfo{Serial: c.Serial, Network: req.Network, SiteName: c.Site,
				IssuedAt: ts(c.IssuedAt), NotAfter: ts(c.NotAfter), RevokedAt: ts(c.RevokedAt), Reason: c.Reason})
		}
	}
	return out, nil
}

// RevokeCertificate revokes one certificate by serial. A site's: the
// revision moves, so every replica's site table refuses the serial and
// the streams opened with it end (registry.accepts). An operator's: the
// store is asked at every handshake and Admin call.
func (a *admin) RevokeCertificate(ctx context.Context, req *pb.RevokeCertificateRequest) (*pb.CertificateInfo, error) {
	if n, ok := new(big.Int).SetString(req.Serial, 10); !ok || n.Sign() <= 0 || n.String() != req.Serial {
		return nil, status.Errorf(codes.InvalidArgument, "serial: %q is not a certificate serial number in decimal", req.Serial)
	}
	if len(req.Reason) > maxCertReason {
		return nil, status.Errorf(codes.InvalidArgument, "reason: longer than %d bytes", maxCertReason)
	}
	by := callerOf(ctx).ID
	reason := "revoked by " + by.String()
	if req.Reason != "" {
		reason += ": " + req.Reason
	}
	r, err := a.s.cfg.Store.RevokeCert(ctx, req.Serial, reason)
	if err != nil {
		return nil, storeStatus(err)
	}
	if r.Site != "" {
		a.s.event(ctx, r.Network, r.Site, "certificate_revoked", "serial "+r.Serial+" "+r.Reason)
	}
	a.s.log.Info("certificate revoked", "serial", r.Serial, "network", r.Network, "site", r.Site, "operator", r.Operator, "by", by.String())
	return &pb.CertificateInfo{Serial: r.Serial, Network: r.Network, SiteName: r.Site, Operator: r.Operator,
		RevokedAt: ts(r.RevokedAt), Reason: r.Reason}, nil
}

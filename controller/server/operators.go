package server

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/label"
)

// MaxOperatorValidity bounds an operator certificate's lifetime.
const MaxOperatorValidity = 825 * 24 * time.Hour

// IssueOperator signs the CSR for the operator name and records the
// certificate; a certificate the store refuses (the name has one in
// force) is thrown away, never returned.
func (a *admin) IssueOperator(ctx context.Context, req *pb.IssueOperatorRequest) (*pb.IssueOperatorResponse, error) {
	if err := required("name", req.Name); err != nil {
		return nil, err
	}
	if msg := label.Check(req.Name); msg != "" {
		return nil, status.Errorf(codes.InvalidArgument, "name: %s", msg)
	}
	validity := pki.DefaultAdminValidity
	if req.Validity != nil {
		validity = req.Validity.AsDuration()
	}
	if validity <= 0 || validity > MaxOperatorValidity {
		return nil, status.Errorf(codes.InvalidArgument, "validity: %v is not between 0 and %v", validity, MaxOperatorValidity)
	}
	cert, err := a.s.cfg.CA.SignAdmin(req.CsrDer, req.Name, validity)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	by := callerOf(ctx).ID
	rec := store.OperatorCert{Serial: cert.SerialNumber.String(), Name: req.Name, IssuedBy: by.User,
		IssuedAt: cert.NotBefore, NotAfter: cert.NotAfter}
	if err := a.s.cfg.Store.AddOperatorCert(ctx, rec, true); err != nil {
		return nil, storeStatus(err)
	}
	a.s.log.Info("operator certificate issued", "operator", req.Name, "serial", rec.Serial, "not_after", cert.NotAfter, "by", by.String())
	return &pb.IssueOperatorResponse{Certificate: operatorInfo(rec), CertChainDer: [][]byte{cert.Raw},
		CaCertDer: a.s.cfg.CA.Certificate().Raw}, nil
}

func (a *admin) ListOperators(ctx context.Context, _ *pb.ListOperatorsRequest) (*pb.ListOperatorsResponse, error) {
	certs, err := a.s.cfg.Store.OperatorCerts(ctx)
	if err != nil {
		return nil, storeStatus(err)
	}
	return operatorList(certs), nil
}

// RevokeOperator revokes the name's certificates in force. From the
// commit on, every replica refuses them: the handshake and every Admin
// call look the serial up in the store.
func (a *admin) RevokeOperator(ctx context.Context, req *pb.RevokeOperatorRequest) (*pb.ListOperatorsResponse, error) {
	if err := required("name", req.Name); err != nil {
		return nil, err
	}
	by := callerOf(ctx).ID
	reason := "revoked by " + by.String()
	if req.Reason != "" {
		reason += ": " + req.Reason
	}
	certs, err := a.s.cfg.Store.RevokeOperatorCerts(ctx, req.Name, reason)
	if err != nil {
		return nil, storeStatus(err)
	}
	for _, c := range certs {
		a.s.log.Info("operator certificate revoked", "operator", c.Name, "serial", c.Serial, "by", by.String())
	}
	return operatorList(certs), nil
}

func operatorList(certs []store.OperatorCert) *pb.ListOperatorsResponse {
	out := &pb.ListOperatorsResponse{}
	for _, c := range certs {
		out.Certificates = append(out.Certificates, operatorInfo(c))
	}
	return out
}

func operatorInfo(c store.OperatorCert) *pb.OperatorCertificate {
	return &pb.OperatorCertificate{Name: c.Name, Serial: c.Serial, IssuedBy: c.IssuedBy, IssuedAt: ts(c.IssuedAt),
		NotAfter: ts(c.NotAfter), RevokedAt: ts(c.RevokedAt), Reason: c.Reason}
}

// MaxOperatorCertsInForce bounds the certificates of one operator name
// neither revoked nor expired that renewals may leave (RenewOperator).
const MaxOperatorCertsInForce = 4

// RenewOperator signs a certificate of the caller's own name from the
// CSR of a new key and records it next to the caller's, which stays in
// force until it expires.
func (a *admin) RenewOperator(ctx context.Context, req *pb.RenewOperatorRequest) (*pb.IssueOperatorResponse, error) {
	by := callerOf(ctx).ID
	validity := pki.DefaultAdminValidity
	if req.Validity != nil {
		validity = req.Validity.AsDuration()
	}
	if validity <= 0 || validity > MaxOperatorValidity {
		return nil, status.Errorf(codes.InvalidArgument, "validity: %v is not between 0 and %v", validity, MaxOperatorValidity)
	}
	certs, err := a.s.cfg.Store.OperatorCerts(ctx)
	if err != nil {
		return nil, storeStatus(err)
	}
	inForce := 0
	for _, c := range certs {
		if c.Name == by.User && c.InForce(a.s.now()) {
			inForce++
		}
	}
	if inForce >= MaxOperatorCertsInForce {
		return nil, status.Errorf(codes.FailedPrecondition, "operator %s has %d certificates in force: revoke one first", by.User, inForce)
	}
	cert, err := a.s.cfg.CA.SignAdmin(req.CsrDer, by.User, validity)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	rec := store.OperatorCert{Serial: cert.SerialNumber.String(), Name: by.User, IssuedBy: by.User,
		IssuedAt: cert.NotBefore, NotAfter: cert.NotAfter}
	if err := a.s.cfg.Store.AddOperatorCert(ctx, rec, false); err != nil {
		return nil, storeStatus(err)
	}
	a.s.log.Info("operator certificate renewed", "operator", by.User, "serial", rec.Serial, "not_after", cert.NotAfter)
	return &pb.IssueOperatorResponse{Certificate: operatorInfo(rec), CertChainDer: [][]byte{cert.Raw},
		CaCertDer: a.s.cfg.CA.Certificate().Raw}, nil
}

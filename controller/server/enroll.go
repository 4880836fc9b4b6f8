package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// TokenMaker makes the store's join tokens controller/pki tokens, pinned
// to ca: pass it as the store's Options.NewToken.
func TokenMaker(ca *pki.CA) store.TokenMaker {
	return func(site string, expiresAt time.Time) (string, error) {
		tok, _, err := pki.NewToken(site, ca.Certificate(), expiresAt)
		return tok, err
	}
}

type enrollment struct {
	pb.UnimplementedEnrollmentServer
	s *Server
}

// Enroll trades a join token and a CSR for a site certificate. Everything
// that can be checked without the store is checked before the token is
// consumed, so a bad CSR or key does not waste the token.
func (e *enrollment) Enroll(ctx context.Context, req *pb.EnrollRequest) (*pb.EnrollResponse, error) {
	s := e.s
	token := strings.TrimSpace(req.JoinToken)
	pin, err := pki.ParseToken(token)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "join_token: %v", err)
	}
	if pin != pki.CAPin(s.cfg.CA.Certificate()) {
		return nil, status.Error(codes.PermissionDenied, "join_token: issued by another controller (its CA pin is not this controller's CA)")
	}
	if err := checkCSR(req.CsrDer); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	if len(req.WireguardPublicKey) != 32 {
		return nil, status.Errorf(codes.InvalidArgument, "wireguard_public_key: %d bytes, want 32", len(req.WireguardPublicKey))
	}
	if bytes.Equal(req.WireguardPublicKey, make([]byte, 32)) {
		return nil, status.Error(codes.InvalidArgument, "wireguard_public_key: all zero")
	}
	if req.SiteName != "" {
		if err := store.ValidateName("site", "name", req.SiteName); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "site_name: %v", err)
		}
	}
	serial, err := pki.NewSerial()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "serial: %v", err)
	}
	site, err := s.cfg.Store.EnrolSite(ctx, token, store.SiteSpec{
		Name: req.SiteName, Role: store.Spoke, PublicKey: base64.StdEncoding.EncodeToString(req.WireguardPublicKey),
		Cert: &store.SiteCert{Serial: serial.String(), IssuedAt: s.now(), NotAfter: s.cfg.CA.NotAfter(s.cfg.EdgeValidity)},
	})
	if err != nil {
		var se *store.Error
		if errors.As(err, &se) && errors.Is(err, store.ErrInvalid) && se.Field == "name" {
			return nil, status.Errorf(codes.PermissionDenied, "site_name: %s", se.Msg) // the token is for another site
		}
		s.log.Info("enrolment refused", "site", req.SiteName, "err", err)
		return nil, storeStatus(err)
	}
	if s.cfg.Hub != nil && s.cfg.Hub(site.Network, site.Name) {
		site, err = s.cfg.Store.UpdateSite(ctx, site.Network, store.SiteSpec{Name: site.Name, Role: store.Hub, PublicKey: site.PublicKey})
		if err != nil {
			return nil, storeStatus(err)
		}
	}
	cert, err := s.cfg.CA.SignEdgeSerial(req.CsrDer, site.Name, site.ID, s.cfg.EdgeValidity, serial)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "sign: %v", err)
	}
	s.event(ctx, site.Network, site.Name, "enrolled", fmt.Sprintf("site id %d, role %s, certificate serial %s", site.ID, site.Role, cert.SerialNumber))
	s.log.Info("site enrolled", "network", site.Network, "site", site.Name, "site_id", site.ID)
	return &pb.EnrollResponse{
		SiteId: uint32(site.ID), Network: site.Network,
		ClientCertChainDer:  [][]byte{cert.Raw},
		CaCertDer:           s.cfg.CA.Certificate().Raw,
		ControllerEndpoints: s.cfg.Endpoints,
	}, nil
}

// checkCSR: a PKCS #10 request with a valid self-signature and an ECDSA
// P-256 key (what pki.SignEdge will accept).
func checkCSR(der []byte) error {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return fmt.Errorf("not a PKCS #10 request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	k, ok := csr.PublicKey.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return errors.New("key must be ECDSA P-256")
	}
	return nil
}

// event records a controller event; a failure is logged, not returned:
// the change it describes is done.
func (s *Server) event(ctx context.Context, network, site, kind, reason string) {
	err := s.cfg.Store.AddEvents(ctx, network, []store.Event{{TS: s.now(), Site: site, Kind: kind, Reason: reason}})
	if err != nil {
		s.log.Warn("record event", "network", network, "site", site, "kind", kind, "err", err)
	}
}

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
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/ratelimit"
	"github.com/patronus-sdwan/patronus/internal/tracing"
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
//
// Attempts are limited per source address (Config.Enrolment) before
// anything else, and every refusal is logged at most once a second (with
// the number left out): a flood of forged enrolments costs a token bucket,
// not the store nor the log.
func (e *enrollment) Enroll(ctx context.Context, req *pb.EnrollRequest) (*pb.EnrollResponse, error) {
	src := sourceAddr(ctx)
	if wait := e.s.enrolGate.limit.Allow(src, e.s.now()); wait > 0 {
		e.s.obs.Enrolment(RefusedRateLimited)
		e.s.enrolGate.refused(e.s.now(), src, "rate limited")
		return nil, status.Errorf(codes.ResourceExhausted, "too many enrolment attempts from %s: retry in %v", src, wait.Round(time.Second)+time.Second)
	}
	resp, reason, err := e.enroll(ctx, req)
	e.s.obs.Enrolment(reason)
	if err != nil {
		e.s.enrolGate.refused(e.s.now(), src, status.Convert(err).Message())
	}
	return resp, err
}

// enroll is Enroll; reason is why it refused ("" when it did not).
func (e *enrollment) enroll(ctx context.Context, req *pb.EnrollRequest) (_ *pb.EnrollResponse, _ string, err error) {
	s := e.s
	ctx, span := tracing.Start(ctx, "controller.enrol", tracing.AttrSite.String(req.SiteName)) // never the token
	defer func() { tracing.End(span, err) }()
	token := strings.TrimSpace(req.JoinToken)
	pin, err := pki.ParseToken(token)
	if err != nil {
		return nil, RefusedBadToken, status.Errorf(codes.InvalidArgument, "join_token: %v", err)
	}
	if pin != pki.CAPin(s.cfg.CA.Certificate()) {
		return nil, RefusedOtherCA, status.Error(codes.PermissionDenied, "join_token: issued by another controller (its CA pin is not this controller's CA)")
	}
	if err := checkCSR(req.CsrDer); err != nil {
		return nil, RefusedBadCSR, status.Errorf(codes.InvalidArgument, "csr_der: %v", err)
	}
	if len(req.WireguardPublicKey) != 32 {
		return nil, RefusedBadKey, status.Errorf(codes.InvalidArgument, "wireguard_public_key: %d bytes, want 32", len(req.WireguardPublicKey))
	}
	if bytes.Equal(req.WireguardPublicKey, make([]byte, 32)) {
		return nil, RefusedBadKey, status.Error(codes.InvalidArgument, "wireguard_public_key: all zero")
	}
	if req.SiteName != "" {
		if err := store.ValidateName("site", "name", req.SiteName); err != nil {
			return nil, RefusedSiteName, status.Errorf(codes.InvalidArgument, "site_name: %v", err)
		}
	}
	start := time.Now()
	site, err := s.cfg.Store.EnrolSite(ctx, token, store.SiteSpec{
		Name: req.SiteName, Role: store.Spoke, PublicKey: base64.StdEncoding.EncodeToString(req.WireguardPublicKey),
	})
	storeErr := err
	if err != nil && enrolRefusal(err) != RefusedStore {
		storeErr = nil // the caller's fault, not the store's
	}
	timed(s.obs, OpEnrolSite, start, storeErr)
	if err != nil {
		var se *store.Error
		if errors.As(err, &se) && errors.Is(err, store.ErrInvalid) && se.Field == "name" {
			return nil, RefusedSiteName, status.Errorf(codes.PermissionDenied, "site_name: %s", se.Msg) // the token is for another site
		}
		return nil, enrolRefusal(err), storeStatus(err)
	}
	if s.cfg.Hub != nil && s.cfg.Hub(site.Network, site.Name) {
		site, err = s.cfg.Store.UpdateSite(ctx, site.Network, store.SiteSpec{Name: site.Name, Role: store.Hub, PublicKey: site.PublicKey})
		if err != nil {
			return nil, RefusedStore, storeStatus(err)
		}
	}
	cert, err := s.cfg.CA.SignEdge(req.CsrDer, site.Name, site.ID, s.cfg.EdgeValidity)
	if err != nil {
		return nil, RefusedSignError, status.Errorf(codes.Internal, "sign: %v", err)
	}
	s.event(ctx, site.Network, site.Name, "enrolled", fmt.Sprintf("site id %d, role %s, certificate serial %s", site.ID, site.Role, cert.SerialNumber))
	s.log.Info("site enrolled", "network", site.Network, "site", site.Name, "site_id", site.ID)
	span.SetAttributes(tracing.AttrNetwork.String(site.Network), tracing.AttrSite.String(site.Name))
	return &pb.EnrollResponse{
		SiteId: uint32(site.ID), Network: site.Network,
		ClientCertChainDer:  [][]byte{cert.Raw},
		CaCertDer:           s.cfg.CA.Certificate().Raw,
		ControllerEndpoints: s.cfg.Endpoints,
	}, "", nil
}

// EnrolLimit bounds enrolment attempts per source address: Burst at once,
// then one every Interval; at most MaxAddresses buckets are kept.
type EnrolLimit struct {
	Burst        int
	Interval     time.Duration
	MaxAddresses int
}

// DefaultEnrolLimit: 20 attempts at once from one address, then one every
// 2 s (30 a minute), 10,000 addresses tracked. A site enrols once; a
// rollout of many sites behind one address needs a larger burst.
var DefaultEnrolLimit = EnrolLimit{Burst: 20, Interval: 2 * time.Second, MaxAddresses: 10000}

type enrolGate struct {
	limit *ratelimit.Keyed
	log   *ratelimit.Log
}

func newEnrolGate(l EnrolLimit, log *slog.Logger) *enrolGate {
	d := DefaultEnrolLimit
	if l.Burst <= 0 {
		l.Burst = d.Burst
	}
	if l.Interval <= 0 {
		l.Interval = d.Interval
	}
	if l.MaxAddresses <= 0 {
		l.MaxAddresses = d.MaxAddresses
	}
	return &enrolGate{limit: ratelimit.NewKeyed(rate.Every(l.Interval), l.Burst, l.MaxAddresses), log: ratelimit.NewLog(log, time.Second)}
}

func (g *enrolGate) refused(now time.Time, src, reason string) {
	g.log.Info(now, "enrolment refused", "source", src, "reason", reason)
}

// sourceAddr is the address (without port) the call came from.
func sourceAddr(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if ap, err := netip.ParseAddrPort(p.Addr.String()); err == nil {
		return ap.Addr().Unmap().String()
	}
	return p.Addr.String()
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

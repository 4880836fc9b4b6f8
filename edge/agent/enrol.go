package agent

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/pki"
)

// Errors of enrolment; match them with errors.Is. The controller's
// message, which says which of the cases it is (docs/CONTROL_API.md), is in the
// error's text.
var (
	// ErrTokenRefused: the controller refused the join token: unknown,
	// used, expired, revoked, or bound to another site name
	// (PERMISSION_DENIED, or UNAUTHENTICATED). Retrying cannot help; the
	// operator must make a new token.
	ErrTokenRefused = errors.New("join token refused by the controller")
	// ErrEnrolmentInvalid: the controller found the request malformed
	// (INVALID_ARGUMENT): the token's form, the CSR, the WireGuard key or
	// the site name.
	ErrEnrolmentInvalid = errors.New("enrolment request refused as invalid by the controller")
	// ErrNoToken: the state directory holds no identity and no join token
	// was given.
	ErrNoToken = errors.New("not enrolled yet and no join token given")
)

// enrolCallTimeout bounds one Enroll call.
const enrolCallTimeout = 30 * time.Second

// enrolRequest is what enrol needs; token is a secret and appears in no
// error and no log record.
type enrolRequest struct {
	controller string
	token      string
	stateDir   string
	wgKey      *ecdh.PrivateKey
	backoff    Backoff
	log        *slog.Logger
	dial       []grpc.DialOption // more options for the connection (tracing)
}

// enrol trades the join token for the edge's TLS identity and saves it in
// the state directory with the enrolment's facts. An unreachable
// controller is retried with backoff until ctx ends; a refusal is
// returned at once.
func enrol(ctx context.Context, r enrolRequest) (*pki.Credentials, *enrolment, error) {
	host, _, err := net.SplitHostPort(r.controller)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: controller address %q: %w", r.controller, err)
	}
	tlsCfg, err := pki.EnrolTLSConfig(r.token, host) // checks the token's form first
	if err != nil {
		return nil, nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	pinErr := recordVerifyErrors(tlsCfg)
	key, err := pki.NewEdgeKey()
	if err != nil {
		return nil, nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	csr, err := pki.CreateCSR(key)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	conn, err := grpc.NewClient(r.controller, append([]grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)), connectParams(r.backoff)}, r.dial...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	defer conn.Close()
	req := &pb.EnrollRequest{JoinToken: r.token, CsrDer: csr, WireguardPublicKey: r.wgKey.PublicKey().Bytes()}
	resp, state, err := callEnroll(ctx, pb.NewEnrollmentClient(conn), req, pinErr, r)
	if err != nil {
		return nil, nil, err
	}
	creds, err := saveEnrolled(r, key, resp, state)
	if err != nil {
		return nil, nil, err
	}
	e := &enrolment{SiteID: resp.GetSiteId(), SiteName: creds.Identity.SiteName, Network: resp.GetNetwork(),
		Controller: r.controller, ControllerEndpoints: resp.GetControllerEndpoints()}
	if err := saveEnrolment(r.stateDir, e); err != nil {
		return nil, nil, err
	}
	return creds, e, nil
}

// verifyErrors keeps the last error of a TLS configuration's
// VerifyConnection: gRPC reports a failed handshake as UNAVAILABLE, which
// would be retried, but a controller that fails the token's CA pin must
// stop the enrolment.
type verifyErrors struct {
	mu  sync.Mutex
	err error
}

func (v *verifyErrors) get() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func recordVerifyErrors(cfg *tls.Config) *verifyErrors {
	v := &verifyErrors{}
	verify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		err := verify(cs)
		if err != nil {
			v.mu.Lock()
			v.err = err
			v.mu.Unlock()
		}
		return err
	}
	return v
}

// callEnroll calls Enroll until it is answered, retrying while the
// controller is unreachable, and returns the answer with the TLS state of
// the connection that carried it.
func callEnroll(ctx context.Context, c pb.EnrollmentClient, req *pb.EnrollRequest, pinErr *verifyErrors, r enrolRequest) (*pb.EnrollResponse, tls.ConnectionState, error) {
	retry := retrier{b: r.backoff}
	for {
		var p peer.Peer
		cctx, cancel := context.WithTimeout(ctx, enrolCallTimeout)
		resp, err := c.Enroll(cctx, req, grpc.Peer(&p))
		cancel()
		if err == nil {
			info, ok := p.AuthInfo.(credentials.TLSInfo)
			if !ok {
				return nil, tls.ConnectionState{}, errors.New("agent: enrolment: the connection has no TLS state")
			}
			return resp, info.State, nil
		}
		if perr := pinErr.get(); perr != nil {
			return nil, tls.ConnectionState{}, fmt.Errorf("agent: enrolment: controller %s: %w", r.controller, perr)
		}
		if err := enrolError(err); err != nil {
			return nil, tls.ConnectionState{}, err
		}
		d := retry.next()
		r.log.Warn("controller unreachable for enrolment", "controller", r.controller, "err", status.Convert(err).Message(), "retry_in", d)
		if !sleep(ctx, d) {
			return nil, tls.ConnectionState{}, fmt.Errorf("agent: enrolment: %w (last: %v)", ctx.Err(), status.Convert(err).Message())
		}
	}
}

// enrolError maps a failed Enroll call to the agent's error, or nil when
// the call is worth retrying: the controller was not reached, was busy,
// or the call timed out. An answer lost after the controller consumed
// the token makes the retry fail as "used": the operator then needs a
// new token.
func enrolError(err error) error {
	st := status.Convert(err)
	switch st.Code() {
	case codes.PermissionDenied, codes.Unauthenticated:
		return fmt.Errorf("agent: %w: %s (ask the operator for a new join token)", ErrTokenRefused, st.Message())
	case codes.InvalidArgument:
		return fmt.Errorf("agent: %w: %s", ErrEnrolmentInvalid, st.Message())
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return nil
	case codes.Canceled:
		return fmt.Errorf("agent: enrolment: %s", st.Message())
	default:
		return fmt.Errorf("agent: enrolment refused by the controller: %s: %s", st.Code(), st.Message())
	}
}

// saveEnrolled checks the controller's answer and saves the identity: the
// CA it returns must be the one the token pinned (PinnedCA checks the
// connection again), and SaveIdentity checks that key, certificate and CA
// belong together.
func saveEnrolled(r enrolRequest, key *ecdsa.PrivateKey, resp *pb.EnrollResponse, state tls.ConnectionState) (*pki.Credentials, error) {
	ca, err := pki.PinnedCA(state, r.token)
	if err != nil {
		return nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	if got, err := x509.ParseCertificate(resp.GetCaCertDer()); err != nil || !got.Equal(ca) {
		return nil, errors.New("agent: enrolment: the controller returned a CA certificate other than the one the join token pins")
	}
	var chain []*x509.Certificate
	for i, der := range resp.GetClientCertChainDer() {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("agent: enrolment: client_cert_chain_der[%d]: %w", i, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("agent: enrolment: the controller returned no certificate")
	}
	id, err := pki.IdentityFromCert(chain[0])
	if err != nil {
		return nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	if id.Kind != pki.KindSite || id.SiteID != int64(resp.GetSiteId()) {
		return nil, fmt.Errorf("agent: enrolment: the certificate's identity %s is not site %d of the answer", id, resp.GetSiteId())
	}
	if err := pki.SaveIdentity(r.stateDir, key, chain, ca); err != nil {
		return nil, fmt.Errorf("agent: enrolment: %w", err)
	}
	return pki.LoadIdentity(r.stateDir)
}

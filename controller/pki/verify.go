package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// RevocationCheck reports whether a certificate of id with serial must be
// refused. The store provides it: a revoked site (by id.SiteID), a
// revoked operator, or a single revoked serial. It is called on every
// handshake, resumed ones included, so it must be fast; when it cannot
// tell (the store is down) it decides, and should answer true for sites
// it does not know.
type RevocationCheck func(id Identity, serial *big.Int) (revoked bool)

// Sentinel errors of Verifier; match them with errors.Is.
var (
	ErrNoClientCert = errors.New("no client certificate")
	ErrUntrusted    = errors.New("certificate not issued by this controller's CA")
	ErrRevoked      = errors.New("certificate revoked")
	ErrKindRefused  = errors.New("identity kind not accepted here")
)

// Verifier checks client certificates on a TLS server: a chain to the CA
// valid now, the client-auth extended key usage, a Patronus identity of
// an accepted kind, and the revocation hook.
type Verifier struct {
	CA      *x509.Certificate
	Revoked RevocationCheck  // nil: nothing is revoked
	Allow   []Kind           // empty: sites and admins
	Now     func() time.Time // nil: time.Now
}

// Verify checks a peer's certificates (leaf first) and returns its
// identity.
func (v *Verifier) Verify(certs []*x509.Certificate) (Identity, error) {
	if len(certs) == 0 {
		return Identity{}, fmt.Errorf("pki: %w", ErrNoClientCert)
	}
	if v.CA == nil {
		return Identity{}, errors.New("pki: verifier has no CA certificate")
	}
	leaf := certs[0]
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	roots := x509.NewCertPool()
	roots.AddCert(v.CA)
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			return Identity{}, fmt.Errorf("pki: client certificate serial %s: %w", leaf.SerialNumber, ErrUntrusted)
		}
		return Identity{}, fmt.Errorf("pki: client certificate serial %s: %w", leaf.SerialNumber, err)
	}
	// Verify accepts any usage when the leaf lists none or "any"; we ask
	// for exactly client auth.
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || len(leaf.UnknownExtKeyUsage) != 0 {
		return Identity{}, fmt.Errorf("pki: client certificate serial %s: extended key usage must be client auth only", leaf.SerialNumber)
	}
	id, err := IdentityFromCert(leaf)
	if err != nil {
		return Identity{}, err
	}
	if len(v.Allow) > 0 && !slices.Contains(v.Allow, id.Kind) {
		return Identity{}, fmt.Errorf("pki: %s: %w", id, ErrKindRefused)
	}
	if v.Revoked != nil && v.Revoked(id, leaf.SerialNumber) {
		return Identity{}, fmt.Errorf("pki: %s (serial %s): %w", id, leaf.SerialNumber, ErrRevoked)
	}
	return id, nil
}

// VerifyConnection is for tls.Config.VerifyConnection. Unlike
// VerifyPeerCertificate it also runs on resumed sessions, so a site
// revoked after its first handshake cannot come back with a ticket.
func (v *Verifier) VerifyConnection(cs tls.ConnectionState) error {
	_, err := v.Verify(cs.PeerCertificates)
	return err
}

// ServerTLSConfig is a TLS 1.3 server configuration that presents cert
// and requires a client certificate checked by v. The standard library's
// own client verification is replaced (RequireAnyClientCert) so that one
// function, with the injected clock and the revocation hook, decides.
func (v *Verifier) ServerTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		Certificates:     []tls.Certificate{cert},
		ClientAuth:       tls.RequireAnyClientCert,
		VerifyConnection: v.VerifyConnection,
	}
}

// PeerIdentity is the identity of a connection's client, for handlers
// behind a server configured with ServerTLSConfig (which verified it).
func PeerIdentity(cs tls.ConnectionState) (Identity, error) {
	if len(cs.PeerCertificates) == 0 {
		return Identity{}, fmt.Errorf("pki: %w", ErrNoClientCert)
	}
	return IdentityFromCert(cs.PeerCertificates[0])
}

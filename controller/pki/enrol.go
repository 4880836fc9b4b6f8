package pki

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ErrPinMismatch: the controller's chain holds no CA certificate matching
// the pin in the join token (a wrong address, or someone in the middle).
var ErrPinMismatch = errors.New("controller's CA does not match the join token")

// EnrolTLSConfig is the TLS 1.3 client configuration of an edge that has
// only a join token: it presents no certificate and accepts the
// controller only if the chain it sends holds the CA the token is pinned
// to and the leaf is a server certificate for serverName signed by that
// CA. The token is not sent by TLS; the caller sends it over the
// connection once the handshake succeeded, and takes the CA to save from
// PinnedCA.
func EnrolTLSConfig(token, serverName string) (*tls.Config, error) {
	pin, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	if serverName == "" {
		return nil, errors.New("pki: enrolment: server name: empty")
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		ServerName: serverName,
		// The standard verification needs a root the edge does not have
		// yet; VerifyConnection does it against the pinned CA instead.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := verifyPinned(cs.PeerCertificates, pin, serverName, time.Now())
			return err
		},
	}, nil
}

// PinnedCA returns the CA certificate of an enrolment connection made
// with EnrolTLSConfig (checked again), the trust anchor to save with the
// edge's identity.
func PinnedCA(cs tls.ConnectionState, token string) (*x509.Certificate, error) {
	pin, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	return verifyPinned(cs.PeerCertificates, pin, cs.ServerName, time.Now())
}

// verifyPinned finds the CA matching pin among certs and verifies the
// leaf against it as a server certificate for serverName at now.
func verifyPinned(certs []*x509.Certificate, pin [sha256.Size]byte, serverName string, now time.Time) (*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: enrolment: the controller sent no certificate")
	}
	var ca *x509.Certificate
	for _, c := range certs[1:] {
		p := CAPin(c)
		if subtle.ConstantTimeCompare(p[:], pin[:]) == 1 && c.IsCA {
			ca = c
		}
	}
	if ca == nil {
		return nil, fmt.Errorf("pki: enrolment: %w", ErrPinMismatch)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:       roots,
		DNSName:     serverName,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("pki: enrolment: controller certificate: %w", err)
	}
	return ca, nil
}

// EnrolmentServerTLSConfig is ServerTLSConfig for a listener that also
// serves edges still enrolling: a client certificate is asked for but not
// required. One that is sent is checked like on ServerTLSConfig and
// refused at the handshake if bad; a connection without one has no
// identity (PeerIdentity returns ErrNoClientCert), and the caller must
// let it do nothing but enrol with a join token.
func (v *Verifier) EnrolmentServerTLSConfig(cert tls.Certificate) *tls.Config {
	cfg := v.ServerTLSConfig(cert)
	cfg.ClientAuth = tls.RequestClientCert
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return nil
		}
		return v.VerifyConnection(cs)
	}
	return cfg
}

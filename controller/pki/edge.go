package pki

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// File names in an identity directory (an edge's, or an operator's).
const (
	IdentityKeyFile  = "identity.key"
	IdentityCertFile = "identity.crt" // leaf first, then any intermediates
	IdentityCAFile   = "ca.crt"       // the controller's CA: the trust anchor
)

// NewEdgeKey makes the edge's private key (ECDSA P-256). It never leaves
// the edge: only a CSR does.
func NewEdgeKey() (*ecdsa.PrivateKey, error) { return NewKey() }

// CreateCSR makes a PKCS #10 request signed by key. It names nothing: the
// controller puts the identity in the certificate.
func CreateCSR(key *ecdsa.PrivateKey) ([]byte, error) {
	if key == nil {
		return nil, errors.New("pki: csr: no key")
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "patronus edge"}}, key)
	if err != nil {
		return nil, fmt.Errorf("pki: csr: %w", err)
	}
	return der, nil
}

// Credentials are a client's key, its certificate chain (leaf first), the
// CA it trusts, and the identity the leaf carries. Printing or logging
// them shows the identity only.
type Credentials struct {
	Key      *ecdsa.PrivateKey
	Chain    []*x509.Certificate
	CA       *x509.Certificate
	Identity Identity
}

// newCredentials checks that the pieces belong together.
func newCredentials(key *ecdsa.PrivateKey, chain []*x509.Certificate, ca *x509.Certificate) (*Credentials, error) {
	switch {
	case key == nil:
		return nil, errors.New("pki: credentials: no key")
	case len(chain) == 0:
		return nil, errors.New("pki: credentials: no certificate")
	case ca == nil:
		return nil, errors.New("pki: credentials: no CA certificate")
	case !keyMatches(chain[0], key):
		return nil, errors.New("pki: credentials: the key does not match the certificate")
	}
	if err := verifiesTo(chain, ca); err != nil {
		return nil, fmt.Errorf("pki: credentials: the certificate is not signed by the CA: %w", err)
	}
	id, err := IdentityFromCert(chain[0])
	if err != nil {
		return nil, err
	}
	return &Credentials{Key: key, Chain: chain, CA: ca, Identity: id}, nil
}

// verifiesTo checks signatures from the leaf up to ca, ignoring time and
// usage (LoadIdentity must load an expired certificate so it can be
// renewed; handshakes check the rest).
func verifiesTo(chain []*x509.Certificate, ca *x509.Certificate) error {
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return err
		}
	}
	return chain[len(chain)-1].CheckSignatureFrom(ca)
}

// NotAfter is when the leaf certificate expires.
func (c Credentials) NotAfter() time.Time {
	if len(c.Chain) == 0 {
		return time.Time{}
	}
	return c.Chain[0].NotAfter
}

// TLSCertificate is the credentials as a tls.Certificate.
func (c *Credentials) TLSCertificate() tls.Certificate { return tlsCert(c.Key, c.Chain...) }

// ClientTLSConfig is a TLS 1.3 client configuration presenting these
// credentials and trusting only the controller's CA, for a controller
// reachable as serverName (its DNS name or IP address, which must be in
// the controller's server certificate).
func (c *Credentials) ClientTLSConfig(serverName string) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(c.CA)
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		RootCAs:      pool,
		ServerName:   serverName,
		Certificates: []tls.Certificate{c.TLSCertificate()},
	}
}

// String shows the identity and expiry, never the key.
func (c Credentials) String() string {
	return fmt.Sprintf("pki.Credentials{identity: %s, not_after: %s}", c.Identity, c.NotAfter().UTC().Format(time.RFC3339))
}

// GoString keeps the key out of %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("identity", c.Identity.String()), slog.Time("not_after", c.NotAfter()))
}

// SaveIdentity writes key, chain and the CA certificate to dir (created
// 0700), each file 0600 and replaced atomically, after checking that they
// belong together. The certificate is written before the key is
// replaced, so an interrupted renewal leaves a mismatch LoadIdentity
// reports rather than a silently wrong identity.
func SaveIdentity(dir string, key *ecdsa.PrivateKey, chain []*x509.Certificate, ca *x509.Certificate) error {
	if _, err := newCredentials(key, chain, ca); err != nil {
		return err
	}
	if err := ensureDir(dir); err != nil {
		return err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, IdentityCAFile), encodeCerts(ca)); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, IdentityCertFile), encodeCerts(chain...)); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, IdentityKeyFile), keyPEM)
}

// Save writes the credentials with SaveIdentity.
func (c *Credentials) Save(dir string) error { return SaveIdentity(dir, c.Key, c.Chain, c.CA) }

// ErrNoIdentity: the directory holds no identity yet (the edge must enrol).
var ErrNoIdentity = errors.New("pki: no identity saved")

// LoadIdentity reads what SaveIdentity wrote. With none of the three
// files the error is ErrNoIdentity; a missing, unreadable, corrupt or
// group-readable file, a key that does not match the certificate or a
// certificate the CA did not sign is an error naming the file. An expired
// certificate is loaded (check NotAfter).
func LoadIdentity(dir string) (*Credentials, error) {
	keyPath := filepath.Join(dir, IdentityKeyFile)
	certPath := filepath.Join(dir, IdentityCertFile)
	caPath := filepath.Join(dir, IdentityCAFile)
	missing := 0
	for _, p := range []string{keyPath, certPath, caPath} {
		ok, err := exists(p)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing++
		}
	}
	if missing == 3 {
		return nil, fmt.Errorf("%w in %s", ErrNoIdentity, dir)
	}
	key, err := readKey(keyPath)
	if err != nil {
		return nil, err
	}
	chain, err := readCerts(certPath)
	if err != nil {
		return nil, err
	}
	cas, err := readCerts(caPath)
	if err != nil {
		return nil, err
	}
	if !keyMatches(chain[0], key) {
		return nil, fmt.Errorf("pki: key file %s does not match the certificate in %s", keyPath, certPath)
	}
	if err := verifiesTo(chain, cas[0]); err != nil {
		return nil, fmt.Errorf("pki: certificate file %s is not signed by the CA in %s", certPath, caPath)
	}
	id, err := IdentityFromCert(chain[0])
	if err != nil {
		return nil, fmt.Errorf("pki: certificate file %s: %w", certPath, err)
	}
	return &Credentials{Key: key, Chain: chain, CA: cas[0], Identity: id}, nil
}

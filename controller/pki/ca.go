package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"path/filepath"
	"sync"
	"time"
)

// File names in the CA's directory.
const (
	CAKeyFile      = "ca.key"
	CACertFile     = "ca.crt"
	ServerKeyFile  = "server.key"
	ServerCertFile = "server.crt"
)

// Validity periods.
const (
	CAValidity           = 20 * 365 * 24 * time.Hour
	ServerValidity       = 90 * 24 * time.Hour
	ServerRenewBefore    = 30 * 24 * time.Hour // re-issue a server certificate with less left
	DefaultEdgeValidity  = 365 * 24 * time.Hour
	DefaultAdminValidity = 365 * 24 * time.Hour
	// backdate is subtracted from NotBefore so a peer whose clock is a
	// little behind accepts a fresh certificate.
	backdate = 5 * time.Minute
	// Backdate is backdate, for holders that need a certificate's issue
	// time: NotBefore + Backdate (IssuedAt).
	Backdate = backdate
)

// IssuedAt is when one of our certificates was issued: NotBefore +
// Backdate, or NotBefore for a certificate shorter than that.
func IssuedAt(c *x509.Certificate) time.Time {
	if t := c.NotBefore.Add(Backdate); t.Before(c.NotAfter) {
		return t
	}
	return c.NotBefore
}

// CA is the controller's certificate authority. Its methods are safe for
// concurrent use.
type CA struct {
	dir  string
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	now  func() time.Time

	// serverMu serialises ServerCertificate's read-or-replace of
	// server.key and server.crt. A pointer, so that String's value
	// receiver (which keeps a printed *ca from showing the key) copies no
	// lock.
	serverMu *sync.Mutex
}

// Option changes how LoadOrCreate builds a CA.
type Option func(*CA)

// WithClock makes the CA read the time from now (tests); nil is ignored.
func WithClock(now func() time.Time) Option {
	return func(ca *CA) {
		if now != nil {
			ca.now = now
		}
	}
}

// LoadOrCreate loads the CA from dir (ca.key, ca.crt), or, when neither
// file exists, creates dir (0700), a new root key and a self-signed CA
// certificate, and reports created = true so the caller can say where
// they are. One file without the other, a key file that group or others
// may read, a key that does not match the certificate or an expired CA
// are refused with an error naming the file.
func LoadOrCreate(dir string, opts ...Option) (ca *CA, created bool, err error) {
	ca = &CA{dir: dir, now: time.Now, serverMu: new(sync.Mutex)}
	for _, o := range opts {
		o(ca)
	}
	if err := ensureDir(dir); err != nil {
		return nil, false, err
	}
	keyPath, certPath := ca.KeyPath(), ca.CertPath()
	haveKey, err := exists(keyPath)
	if err != nil {
		return nil, false, err
	}
	haveCert, err := exists(certPath)
	if err != nil {
		return nil, false, err
	}
	switch {
	case haveKey && haveCert:
		return ca, false, ca.load()
	case haveKey:
		return nil, false, fmt.Errorf("pki: CA certificate file %s is missing but its key %s exists: restore it from a backup (a new CA would cut off every enrolled edge)", certPath, keyPath)
	case haveCert:
		return nil, false, fmt.Errorf("pki: CA key file %s is missing but its certificate %s exists: restore it from a backup (a new CA would cut off every enrolled edge)", keyPath, certPath)
	}
	if err := ca.create(); err != nil {
		return nil, false, err
	}
	return ca, true, nil
}

func (ca *CA) load() error {
	key, err := readKey(ca.KeyPath())
	if err != nil {
		return err
	}
	certs, err := readCerts(ca.CertPath())
	if err != nil {
		return err
	}
	cert := certs[0]
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("pki: CA certificate file %s: not a CA certificate", ca.CertPath())
	}
	if !keyMatches(cert, key) {
		return fmt.Errorf("pki: CA key file %s does not match the certificate in %s", ca.KeyPath(), ca.CertPath())
	}
	if now := ca.now(); now.After(cert.NotAfter) {
		return fmt.Errorf("pki: CA certificate file %s expired at %s", ca.CertPath(), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	ca.key, ca.cert = key, cert
	return nil
}

func (ca *CA) create() error {
	key, err := NewKey()
	if err != nil {
		return err
	}
	serial, err := NewSerial()
	if err != nil {
		return err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// A random suffix tells the CAs of different controllers apart.
		Subject:               pkix.Name{Organization: []string{"Patronus"}, CommonName: "Patronus controller CA " + hex.EncodeToString(serial.Bytes()[:4])},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		// Every URI this CA signs is in our trust domain.
		PermittedURIDomains: []string{TrustDomain},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("pki: creating CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("pki: creating CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return err
	}
	// The key first: a crash before the certificate is written leaves a
	// state LoadOrCreate refuses rather than a silently replaced CA.
	if err := writeFileAtomic(ca.KeyPath(), keyPEM); err != nil {
		return err
	}
	if err := writeFileAtomic(ca.CertPath(), encodeCerts(cert)); err != nil {
		return err
	}
	ca.key, ca.cert = key, cert
	return nil
}

// Dir is the CA's directory.
func (ca *CA) Dir() string { return ca.dir }

// KeyPath is the CA's private key file.
func (ca *CA) KeyPath() string { return filepath.Join(ca.dir, CAKeyFile) }

// CertPath is the CA's certificate file, the trust anchor to give to
// edges and operators.
func (ca *CA) CertPath() string { return filepath.Join(ca.dir, CACertFile) }

// Certificate is the CA certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// Pool is a pool holding only the CA certificate.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// String describes the CA without its key.
func (ca CA) String() string {
	return fmt.Sprintf("pki.CA{dir: %s, subject: %s}", ca.dir, ca.subject())
}

func (ca CA) subject() string {
	if ca.cert == nil {
		return ""
	}
	return ca.cert.Subject.CommonName
}

// LogValue keeps the key out of structured logs.
func (ca CA) LogValue() slog.Value {
	return slog.GroupValue(slog.String("dir", ca.dir), slog.String("subject", ca.subject()))
}

// GoString keeps the key out of %#v.
func (ca CA) GoString() string { return ca.String() }

// SignEdge checks the signature of a PKCS #10 request and issues a client
// certificate for site siteID named siteName, valid for validity from
// now. Everything the request asks for but its public key is ignored: the
// controller decides the identity.
func (ca *CA) SignEdge(csrDER []byte, siteName string, siteID int64, validity time.Duration) (*x509.Certificate, error) {
	return ca.signClient(csrDER, SiteIdentity(siteID, siteName), validity, nil)
}

// SignEdgeSerial is SignEdge with the serial number chosen by the caller
// (NewSerial), so that the controller can record the certificate before
// it is made, in the transaction that enrols the site.
func (ca *CA) SignEdgeSerial(csrDER []byte, siteName string, siteID int64, validity time.Duration, serial *big.Int) (*x509.Certificate, error) {
	if serial == nil || serial.Sign() <= 0 || serial.BitLen() > 159 {
		return nil, errors.New("pki: serial: must be positive and at most 20 bytes")
	}
	return ca.signClient(csrDER, SiteIdentity(siteID, siteName), validity, serial)
}

// NotAfter is when a certificate signed now for validity expires: never
// after the CA.
func (ca *CA) NotAfter(validity time.Duration) time.Time {
	t := ca.now().Add(validity)
	if t.After(ca.cert.NotAfter) {
		return ca.cert.NotAfter
	}
	return t
}

// SignAdmin is SignEdge for an operator certificate (patronus ctl).
func (ca *CA) SignAdmin(csrDER []byte, user string, validity time.Duration) (*x509.Certificate, error) {
	return ca.signClient(csrDER, AdminIdentity(user), validity, nil)
}

// IssueAdmin makes a new key and an operator certificate for user, for a
// first start with no operator yet: save them with SaveIdentity.
func (ca *CA) IssueAdmin(user string, validity time.Duration) (*Credentials, error) {
	key, err := NewKey()
	if err != nil {
		return nil, err
	}
	csr, err := CreateCSR(key)
	if err != nil {
		return nil, err
	}
	cert, err := ca.SignAdmin(csr, user, validity)
	if err != nil {
		return nil, err
	}
	return newCredentials(key, []*x509.Certificate{cert}, ca.cert)
}

func (ca *CA) signClient(csrDER []byte, id Identity, validity time.Duration, serial *big.Int) (*x509.Certificate, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if validity <= 0 {
		return nil, fmt.Errorf("pki: validity %v: must be positive", validity)
	}
	pub, err := checkCSR(csrDER)
	if err != nil {
		return nil, err
	}
	name := id.SiteName
	if id.Kind == KindAdmin {
		name = id.User
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Patronus"}, OrganizationalUnit: []string{id.Kind.String()}, CommonName: name},
		URIs:        []*url.URL{id.URI()},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	tmpl.SerialNumber = serial
	return ca.sign(tmpl, pub, validity)
}

// checkCSR parses a PKCS #10 request, checks its self-signature and
// returns its ECDSA P-256 public key.
func checkCSR(der []byte) (*ecdsa.PublicKey, error) {
	if len(der) == 0 {
		return nil, errors.New("pki: csr: empty")
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("pki: csr: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("pki: csr: signature does not verify: %w", err)
	}
	pub, ok := csr.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("pki: csr: public key is not ECDSA P-256")
	}
	return pub, nil
}

// sign fills serial (unless tmpl has one) and validity into tmpl and
// signs it with the CA key.
func (ca *CA) sign(tmpl *x509.Certificate, pub *ecdsa.PublicKey, validity time.Duration) (*x509.Certificate, error) {
	if tmpl.SerialNumber == nil {
		serial, err := NewSerial()
		if err != nil {
			return nil, err
		}
		tmpl.SerialNumber = serial
	}
	now := ca.now()
	tmpl.NotBefore = now.Add(-backdate)
	tmpl.NotAfter = now.Add(validity)
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("pki: signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: signing certificate: %w", err)
	}
	return cert, nil
}

func tlsCert(key *ecdsa.PrivateKey, chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// NewKey makes an ECDSA P-256 private key.
func NewKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generating key: %w", err)
	}
	return key, nil
}

// NewSerial is a random positive serial number of 65 to 127 bits (RFC
// 5280 allows up to 20 octets; 127 bits keep the DER form at 16 octets).
func NewSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("pki: serial number: %w", err)
		}
		if n.BitLen() > 64 { // never a tiny one; also > 0
			return n, nil
		}
	}
}

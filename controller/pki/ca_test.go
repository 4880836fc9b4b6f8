package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func chainOf(c ...*x509.Certificate) []*x509.Certificate { return c }

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestLoadOrCreateCreatesThenLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "pki")
	ca, created, err := LoadOrCreate(dir)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created %v, err %v", created, err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("dir mode %04o, want 0700", got)
	}
	for _, f := range []string{CAKeyFile, CACertFile} {
		if got := mode(t, filepath.Join(dir, f)); got != 0o600 {
			t.Errorf("%s mode %04o, want 0600", f, got)
		}
	}
	c := ca.Certificate()
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("constraints: IsCA %v, MaxPathLen %d, zero %v", c.IsCA, c.MaxPathLen, c.MaxPathLenZero)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	if !slices.Equal(c.PermittedURIDomains, []string{TrustDomain}) {
		t.Errorf("permitted URI domains %v", c.PermittedURIDomains)
	}
	if d := c.NotAfter.Sub(c.NotBefore); d < CAValidity {
		t.Errorf("validity %v, want at least %v", d, CAValidity)
	}
	if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key %T, want ECDSA", c.PublicKey)
	}

	again, created, err := LoadOrCreate(dir)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created %v, err %v", created, err)
	}
	if !again.Certificate().Equal(c) || !again.key.Equal(ca.key) {
		t.Error("second LoadOrCreate returned another CA")
	}
}

func TestLoadOrCreateRefuses(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   []string // substrings of the error
	}{
		{"group-readable key", func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, CAKeyFile), 0o640)
		}, []string{CAKeyFile, "0640", "chmod 600"}},
		{"world-readable key", func(t *testing.T, dir string) {
			os.Chmod(filepath.Join(dir, CAKeyFile), 0o604)
		}, []string{CAKeyFile, "0604"}},
		{"certificate missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, CACertFile))
		}, []string{CACertFile, "missing", "backup"}},
		{"key missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, CAKeyFile))
		}, []string{CAKeyFile, "missing"}},
		{"corrupt key", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, CAKeyFile), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
		}, []string{CAKeyFile, "PKCS #8"}},
		{"not PEM", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, CACertFile), []byte("hello"), 0o600)
		}, []string{CACertFile, "no PEM"}},
		{"key of another CA", func(t *testing.T, dir string) {
			other := newTestCA(t)
			data, _ := os.ReadFile(other.KeyPath())
			os.WriteFile(filepath.Join(dir, CAKeyFile), data, 0o600)
		}, []string{CAKeyFile, "does not match", CACertFile}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, _, err := LoadOrCreate(dir); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			ca, created, err := LoadOrCreate(dir)
			if err == nil {
				t.Fatalf("accepted: %v (created %v)", ca, created)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadOrCreateRefusesExpiredCA(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(time.Now())
	if _, _, err := LoadOrCreate(dir, WithClock(clk.Now)); err != nil {
		t.Fatal(err)
	}
	clk.Add(CAValidity + time.Hour)
	_, _, err := LoadOrCreate(dir, WithClock(clk.Now))
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), CACertFile) {
		t.Fatalf("err %v, want expired naming %s", err, CACertFile)
	}
}

func TestServerCertificate(t *testing.T) {
	clk := newClock(time.Now())
	ca := newTestCA(t, WithClock(clk.Now))
	names := []string{"controller.test", "10.0.0.1", "fd00::1"}
	c1, reissued, err := ca.ServerCertificate(names)
	if err != nil || !reissued {
		t.Fatalf("first: reissued %v, err %v", reissued, err)
	}
	leaf := c1.Leaf
	if !slices.Equal(leaf.DNSNames, []string{"controller.test"}) || len(leaf.IPAddresses) != 2 {
		t.Errorf("SANs: DNS %v, IP %v", leaf.DNSNames, leaf.IPAddresses)
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("ext key usage %v, want server auth only", leaf.ExtKeyUsage)
	}
	if err := leaf.CheckSignatureFrom(ca.Certificate()); err != nil {
		t.Error(err)
	}
	if got := mode(t, filepath.Join(ca.Dir(), ServerKeyFile)); got != 0o600 {
		t.Errorf("server key mode %04o", got)
	}

	// Same names in another order, one duplicated, other case: reused.
	c2, reissued, err := ca.ServerCertificate([]string{"fd00:0::1", "CONTROLLER.test", "10.0.0.1", "10.0.0.1"})
	if err != nil || reissued || !c2.Leaf.Equal(leaf) {
		t.Fatalf("same names: reissued %v, err %v", reissued, err)
	}
	// Another name: reissued with a new key.
	c3, reissued, err := ca.ServerCertificate(append(names, "ctl.example"))
	if err != nil || !reissued || c3.Leaf.Equal(leaf) {
		t.Fatalf("new name: reissued %v, err %v", reissued, err)
	}
	// Still fresh: reused; near expiry: reissued.
	clk.Add(ServerValidity - ServerRenewBefore - time.Hour)
	if _, reissued, _ := ca.ServerCertificate(append(names, "ctl.example")); reissued {
		t.Error("reissued while more than ServerRenewBefore was left")
	}
	clk.Add(2 * time.Hour)
	c4, reissued, err := ca.ServerCertificate(append(names, "ctl.example"))
	if err != nil || !reissued || !c4.Leaf.NotAfter.After(clk.Now().Add(ServerRenewBefore)) {
		t.Fatalf("near expiry: reissued %v, err %v", reissued, err)
	}
	// A damaged certificate file is replaced.
	os.WriteFile(filepath.Join(ca.Dir(), ServerCertFile), []byte("junk"), 0o600)
	if _, reissued, err := ca.ServerCertificate(names); err != nil || !reissued {
		t.Fatalf("damaged: reissued %v, err %v", reissued, err)
	}
	// A leaked key is refused, not replaced.
	os.Chmod(filepath.Join(ca.Dir(), ServerKeyFile), 0o644)
	if _, _, err := ca.ServerCertificate(names); err == nil || !strings.Contains(err.Error(), ServerKeyFile) {
		t.Fatalf("group-readable server key: err %v", err)
	}
}

func TestServerCertificateBadNames(t *testing.T) {
	ca := newTestCA(t)
	for _, names := range [][]string{nil, {""}, {"a..b"}, {"under_score.test"}, {"ok.test", "spa ce"}, {strings.Repeat("a", 64) + ".test"}} {
		if _, _, err := ca.ServerCertificate(names); err == nil {
			t.Errorf("%q accepted", names)
		} else if len(names) > 0 && !strings.Contains(err.Error(), "server names[") {
			t.Errorf("%q: error %q does not name the entry", names, err)
		}
	}
}

func TestSignEdgeDecidesTheIdentity(t *testing.T) {
	ca := newTestCA(t)
	key, _ := NewEdgeKey()
	// The request asks for an admin identity, DNS names and a server role.
	evil, _ := url.Parse("spiffe://patronus/admin/root")
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:        pkix.Name{CommonName: "root"},
		DNSNames:       []string{"controller.test"},
		IPAddresses:    []net.IP{net.ParseIP("127.0.0.1")},
		EmailAddresses: []string{"root@example.com"},
		URIs:           []*url.URL{evil},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.SignEdge(csr, "branch-1", 42, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.DNSNames)+len(cert.IPAddresses)+len(cert.EmailAddresses) != 0 || len(cert.URIs) != 1 {
		t.Errorf("requested names copied: %v %v %v %v", cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs)
	}
	if got := cert.URIs[0].String(); got != "spiffe://patronus/site/42/branch-1" {
		t.Errorf("URI SAN %s", got)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || cert.IsCA {
		t.Errorf("ext key usage %v, IsCA %v", cert.ExtKeyUsage, cert.IsCA)
	}
	if !cert.PublicKey.(*ecdsa.PublicKey).Equal(&key.PublicKey) {
		t.Error("certificate is not for the request's key")
	}
	id, err := IdentityFromCert(cert)
	if err != nil || id != SiteIdentity(42, "branch-1") {
		t.Errorf("IdentityFromCert: %v, %v", id, err)
	}
	if d := cert.NotAfter.Sub(cert.NotBefore); d != time.Hour+backdate {
		t.Errorf("validity %v", d)
	}
}

func TestSignEdgeRefuses(t *testing.T) {
	ca := newTestCA(t)
	key, _ := NewEdgeKey()
	csr, _ := CreateCSR(key)
	tampered := slices.Clone(csr)
	tampered[len(tampered)-5] ^= 0x01 // inside the signature
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edCSR, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, edKey)
	cases := []struct {
		name     string
		csr      []byte
		site     string
		id       int64
		validity time.Duration
		want     string
	}{
		{"empty csr", nil, "a", 1, time.Hour, "csr: empty"},
		{"garbage csr", []byte("hello"), "a", 1, time.Hour, "csr:"},
		{"bad signature", tampered, "a", 1, time.Hour, "signature"},
		{"ed25519 key", edCSR, "a", 1, time.Hour, "P-256"},
		{"bad site name", csr, "Branch 1", 1, time.Hour, "site_name"},
		{"empty site name", csr, "", 1, time.Hour, "site_name"},
		{"site id zero", csr, "a", 0, time.Hour, "site_id"},
		{"no validity", csr, "a", 1, 0, "validity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ca.SignEdge(tc.csr, tc.site, tc.id, tc.validity)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := ca.SignAdmin(csr, "-x", time.Hour); err == nil || !strings.Contains(err.Error(), "user") {
		t.Errorf("bad user: %v", err)
	}
}

// The CA's name constraint holds even against its own key: a URI outside
// the trust domain does not verify.
func TestNameConstraint(t *testing.T) {
	ca := newTestCA(t)
	key, _ := NewEdgeKey()
	u, _ := url.Parse("spiffe://elsewhere/site/1/a")
	cert, err := ca.sign(&x509.Certificate{URIs: []*url.URL{u}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, &key.PublicKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{CA: ca.Certificate()}
	_, err = v.Verify(chainOf(cert))
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName {
		t.Fatalf("err %v, want a name constraint violation", err)
	}
}

func TestSignClampedToCA(t *testing.T) {
	ca := newTestCA(t)
	key, _ := NewEdgeKey()
	csr, _ := CreateCSR(key)
	cert, err := ca.SignEdge(csr, "a", 1, 2*CAValidity)
	if err != nil {
		t.Fatal(err)
	}
	if cert.NotAfter.After(ca.Certificate().NotAfter) {
		t.Errorf("leaf outlives the CA: %v > %v", cert.NotAfter, ca.Certificate().NotAfter)
	}
}

// Concurrent callers get certificates that match their keys, and the files
// left behind are one consistent pair.
func TestServerCertificateConcurrent(t *testing.T) {
	ca := newTestCA(t)
	names := []string{"controller.test"}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			c, _, err := ca.ServerCertificate(names)
			if err == nil && !keyMatches(c.Leaf, c.PrivateKey.(*ecdsa.PrivateKey)) {
				err = errors.New("key does not match certificate")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, reissued, err := ca.ServerCertificate(names); err != nil || reissued {
		t.Fatalf("after concurrent calls: reissued %v, err %v", reissued, err)
	}
}

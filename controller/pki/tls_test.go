package pki

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func siteVerifier(ca *CA) *Verifier {
	return &Verifier{CA: ca.Certificate(), Allow: []Kind{KindSite}}
}

func TestHandshakeEnrolledEdgeAccepted(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, DefaultEdgeValidity)
	v := siteVerifier(ca)
	for _, name := range []string{"controller.test", "127.0.0.1"} {
		res := handshake(t, v.ServerTLSConfig(serverCert(t, ca)), edge.ClientTLSConfig(name))
		if res.serverErr != nil || res.clientErr != nil {
			t.Fatalf("server name %s: server %v, client %v", name, res.serverErr, res.clientErr)
		}
		if res.peer != SiteIdentity(7, "branch-1") {
			t.Errorf("server saw %v", res.peer)
		}
	}
}

// A certificate from another CA with the same subject, key identifier and
// identity is refused.
func TestHandshakeForgedClientCertRefused(t *testing.T) {
	ca := newTestCA(t)
	real := ca.Certificate()
	forger := newTestCA(t)
	// Re-make the forger's CA certificate with the real one's names.
	tmpl := &x509.Certificate{
		SerialNumber: real.SerialNumber, Subject: real.Subject, SubjectKeyId: real.SubjectKeyId,
		NotBefore: real.NotBefore, NotAfter: real.NotAfter, IsCA: true, BasicConstraintsValid: true,
		MaxPathLenZero: true, KeyUsage: real.KeyUsage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &forger.key.PublicKey, forger.key)
	if err != nil {
		t.Fatal(err)
	}
	forger.cert, _ = x509.ParseCertificate(der)
	forged := enrol(t, forger, "branch-1", 7, time.Hour)
	if forged.Chain[0].Subject.String() != enrol(t, ca, "branch-1", 7, time.Hour).Chain[0].Subject.String() {
		t.Fatal("forged subject differs")
	}
	forged.CA = ca.Certificate() // the edge trusts the real controller
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), forged.ClientTLSConfig("controller.test"))
	if !errors.Is(res.serverErr, ErrUntrusted) {
		t.Fatalf("server err %v, want ErrUntrusted", res.serverErr)
	}
	if res.clientErr == nil {
		t.Fatal("client was not told")
	}
	// Also with the forged CA sent along as an intermediate.
	cfg := forged.ClientTLSConfig("controller.test")
	cfg.Certificates[0].Certificate = append(cfg.Certificates[0].Certificate, forger.cert.Raw)
	if res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), cfg); res.serverErr == nil {
		t.Fatal("forged chain accepted")
	}
}

func TestHandshakeRevokedSiteRefused(t *testing.T) {
	ca := newTestCA(t)
	good := enrol(t, ca, "good", 1, time.Hour)
	bad := enrol(t, ca, "bad", 2, time.Hour)
	var revokedSite atomic.Int64
	var calls atomic.Int64
	v := siteVerifier(ca)
	v.Revoked = func(id Identity, serial *big.Int) bool {
		calls.Add(1)
		return id.SiteID == revokedSite.Load()
	}
	srv := v.ServerTLSConfig(serverCert(t, ca))

	// The bad site connects once, with a session cache, before revocation.
	client := bad.ClientTLSConfig("controller.test")
	client.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	if res := handshake(t, srv, client); res.serverErr != nil || res.clientErr != nil {
		t.Fatalf("before revocation: %v / %v", res.serverErr, res.clientErr)
	}
	// Resumption works (so the next refusal is about revocation).
	if res := handshake(t, srv, client); res.serverErr != nil || !res.resumed {
		t.Fatalf("resumption: err %v, resumed %v", res.serverErr, res.resumed)
	}

	revokedSite.Store(2)
	res := handshake(t, srv, client)
	if !errors.Is(res.serverErr, ErrRevoked) || res.clientErr == nil {
		t.Fatalf("revoked, resuming: server %v, client %v", res.serverErr, res.clientErr)
	}
	if !strings.Contains(res.serverErr.Error(), "site/2/bad") {
		t.Errorf("error %q does not name the site", res.serverErr)
	}
	client.ClientSessionCache = nil
	if res := handshake(t, srv, client); !errors.Is(res.serverErr, ErrRevoked) {
		t.Fatalf("revoked, full handshake: server %v", res.serverErr)
	}
	if res := handshake(t, srv, good.ClientTLSConfig("controller.test")); res.serverErr != nil || res.clientErr != nil {
		t.Fatalf("other site: %v / %v", res.serverErr, res.clientErr)
	}
	if calls.Load() < 5 {
		t.Errorf("revocation hook called %d times, want once per handshake", calls.Load())
	}
}

func TestHandshakeExpiredCertRefused(t *testing.T) {
	past := newClock(time.Now().Add(-48 * time.Hour))
	ca := newTestCA(t, WithClock(past.Now))
	edge := enrol(t, ca, "branch-1", 7, time.Hour) // expired a day ago
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), edge.ClientTLSConfig("controller.test"))
	var inv x509.CertificateInvalidError
	if !errors.As(res.serverErr, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("server err %v, want expired", res.serverErr)
	}
	// Not yet valid is refused too: a verifier clock before NotBefore.
	fresh := enrol(t, newTestCA(t), "branch-1", 7, time.Hour)
	v := &Verifier{CA: fresh.CA, Now: func() time.Time { return time.Now().Add(-time.Hour) }}
	if _, err := v.Verify(fresh.Chain); !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("not yet valid: %v", err)
	}
}

func TestHandshakeWrongServerNameRefusedByEdge(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), edge.ClientTLSConfig("other.test"))
	var host x509.HostnameError
	if !errors.As(res.clientErr, &host) {
		t.Fatalf("client err %v, want a hostname error", res.clientErr)
	}
	if res.serverErr == nil {
		t.Error("server completed a handshake the client refused")
	}
}

// A server certificate from another CA, even for the right name, is refused.
func TestHandshakeServerFromOtherCARefused(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	impostor := newTestCA(t)
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, impostor)), edge.ClientTLSConfig("controller.test"))
	var unknown x509.UnknownAuthorityError
	if !errors.As(res.clientErr, &unknown) {
		t.Fatalf("client err %v, want unknown authority", res.clientErr)
	}
}

// Certificates are for one role: an edge's cannot serve, a server's cannot
// be a client.
func TestHandshakeKeyUsageEnforced(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	v := siteVerifier(ca)

	// An edge certificate posing as the controller.
	edgeAsServer := v.ServerTLSConfig(edge.TLSCertificate())
	res := handshake(t, edgeAsServer, edge.ClientTLSConfig("controller.test"))
	if res.clientErr == nil {
		t.Fatal("edge certificate accepted as a server certificate")
	}

	// The server certificate used as a client certificate.
	sc := serverCert(t, ca)
	cfg := edge.ClientTLSConfig("controller.test")
	cfg.Certificates = []tls.Certificate{sc}
	res = handshake(t, v.ServerTLSConfig(sc), cfg)
	var inv x509.CertificateInvalidError
	if !errors.As(res.serverErr, &inv) || inv.Reason != x509.IncompatibleUsage {
		t.Fatalf("server certificate as client: %v", res.serverErr)
	}

	// A client certificate without any extended key usage (which x509
	// verification would let pass) is refused.
	key, _ := NewKey()
	bare, _ := ca.sign(&x509.Certificate{Subject: pkix.Name{CommonName: "x"}, URIs: edge.Chain[0].URIs}, &key.PublicKey, time.Hour)
	if _, err := v.Verify(chainOf(bare)); err == nil || !strings.Contains(err.Error(), "client auth only") {
		t.Fatalf("no EKU: %v", err)
	}
}

func TestHandshakeAdminAndEdgeDistinguished(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	admin, err := ca.IssueAdmin("alice", DefaultAdminValidity)
	if err != nil {
		t.Fatal(err)
	}
	if admin.Identity != AdminIdentity("alice") || admin.Chain[0].URIs[0].String() != "spiffe://patronus/admin/alice" {
		t.Fatalf("admin identity %v", admin.Identity)
	}
	sc := serverCert(t, ca)
	edgeSrv := siteVerifier(ca).ServerTLSConfig(sc)
	adminSrv := (&Verifier{CA: ca.Certificate(), Allow: []Kind{KindAdmin}}).ServerTLSConfig(sc)
	anySrv := (&Verifier{CA: ca.Certificate()}).ServerTLSConfig(sc)

	if res := handshake(t, edgeSrv, admin.ClientTLSConfig("controller.test")); !errors.Is(res.serverErr, ErrKindRefused) {
		t.Errorf("admin on the edge listener: %v", res.serverErr)
	}
	if res := handshake(t, adminSrv, edge.ClientTLSConfig("controller.test")); !errors.Is(res.serverErr, ErrKindRefused) {
		t.Errorf("edge on the admin listener: %v", res.serverErr)
	}
	if res := handshake(t, adminSrv, admin.ClientTLSConfig("controller.test")); res.serverErr != nil || res.peer.Kind != KindAdmin || res.peer.User != "alice" {
		t.Errorf("admin on the admin listener: %v, peer %v", res.serverErr, res.peer)
	}
	for _, c := range []*Credentials{edge, admin} {
		res := handshake(t, anySrv, c.ClientTLSConfig("controller.test"))
		if res.serverErr != nil || res.peer != c.Identity {
			t.Errorf("%v on an any-kind listener: %v, peer %v", c.Identity, res.serverErr, res.peer)
		}
	}
}

func TestHandshakeNoClientCertRefused(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	cfg := edge.ClientTLSConfig("controller.test")
	cfg.Certificates = nil
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), cfg)
	if res.serverErr == nil || res.clientErr == nil {
		t.Fatalf("no client certificate: server %v, client %v", res.serverErr, res.clientErr)
	}
	if _, err := (&Verifier{CA: ca.Certificate()}).Verify(nil); !errors.Is(err, ErrNoClientCert) {
		t.Errorf("Verify(nil): %v", err)
	}
	if _, err := (&Verifier{}).Verify(edge.Chain); err == nil {
		t.Error("a verifier without CA accepted a certificate")
	}
}

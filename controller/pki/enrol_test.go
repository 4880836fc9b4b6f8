package pki

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// The whole enrolment: an edge with only a token authenticates the
// controller by the token's pin, gets a certificate for its CSR, saves
// it, and from then on connects with mutual TLS without the token.
func TestEnrolmentEndToEnd(t *testing.T) {
	ca := newTestCA(t)
	sc := serverCert(t, ca)
	v := siteVerifier(ca)
	tok, rec, err := NewToken("branch-1", ca.Certificate(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	cfg, err := EnrolTLSConfig(tok, "controller.test")
	if err != nil {
		t.Fatal(err)
	}
	res := handshake(t, v.EnrolmentServerTLSConfig(sc), cfg)
	// The helper's server writes only to identified clients: anonymous
	// enrolment connections have no identity.
	if !errors.Is(res.serverErr, ErrNoClientCert) {
		t.Fatalf("server: %v (an anonymous client must have no identity)", res.serverErr)
	}
	caCert, err := PinnedCA(res.client, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !caCert.Equal(ca.Certificate()) {
		t.Fatal("pinned CA is not the controller's")
	}

	// What the controller does with the token and the CSR.
	key, _ := NewEdgeKey()
	csr, _ := CreateCSR(key)
	if err := CheckToken(tok, "branch-1", rec, time.Now()); err != nil {
		t.Fatal(err)
	}
	rec.UsedAt = time.Now() // the store's atomic mark
	cert, err := ca.SignEdge(csr, rec.SiteName, 7, DefaultEdgeValidity)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckToken(tok, "branch-1", rec, time.Now()); !errors.Is(err, ErrTokenUsed) {
		t.Fatalf("second use: %v", err)
	}

	dir := filepath.Join(t.TempDir(), "identity")
	if err := SaveIdentity(dir, key, chainOf(cert), caCert); err != nil {
		t.Fatal(err)
	}
	creds, err := LoadIdentity(dir) // after a restart
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []string{"required", "enrolment"} {
		cfg := v.ServerTLSConfig(sc)
		if srv == "enrolment" {
			cfg = v.EnrolmentServerTLSConfig(sc)
		}
		res := handshake(t, cfg, creds.ClientTLSConfig("controller.test"))
		if res.serverErr != nil || res.clientErr != nil || res.peer != SiteIdentity(7, "branch-1") {
			t.Fatalf("%s listener: %v / %v, peer %v", srv, res.serverErr, res.clientErr, res.peer)
		}
	}
}

// An impostor controller (another CA, the same names) is refused by the
// enrolling edge before the token could be sent.
func TestEnrolmentImpostorControllerRefused(t *testing.T) {
	ca := newTestCA(t)
	tok, _, _ := NewToken("branch-1", ca.Certificate(), time.Now().Add(time.Hour))
	impostor := newTestCA(t)
	cfg, err := EnrolTLSConfig(tok, "controller.test")
	if err != nil {
		t.Fatal(err)
	}
	res := handshake(t, siteVerifier(impostor).EnrolmentServerTLSConfig(serverCert(t, impostor)), cfg)
	if !errors.Is(res.clientErr, ErrPinMismatch) {
		t.Fatalf("client: %v, want ErrPinMismatch", res.clientErr)
	}
	// The right CA, the wrong name.
	cfg, _ = EnrolTLSConfig(tok, "other.test")
	res = handshake(t, siteVerifier(ca).EnrolmentServerTLSConfig(serverCert(t, ca)), cfg)
	if res.clientErr == nil {
		t.Fatal("server certificate for another name accepted")
	}
	if _, err := EnrolTLSConfig(tok[:50], "controller.test"); !errors.Is(err, ErrTokenMalformed) {
		t.Errorf("malformed token: %v", err)
	}
	if _, err := EnrolTLSConfig(tok, ""); err == nil {
		t.Error("empty server name accepted")
	}
}

// The enrolment listener still refuses bad client certificates at the
// handshake.
func TestEnrolmentListenerChecksClientCerts(t *testing.T) {
	ca := newTestCA(t)
	forged := enrol(t, newTestCA(t), "branch-1", 7, time.Hour)
	forged.CA = ca.Certificate()
	res := handshake(t, siteVerifier(ca).EnrolmentServerTLSConfig(serverCert(t, ca)), forged.ClientTLSConfig("controller.test"))
	if !errors.Is(res.serverErr, ErrUntrusted) || res.clientErr == nil {
		t.Fatalf("forged certificate on the enrolment listener: %v / %v", res.serverErr, res.clientErr)
	}
}

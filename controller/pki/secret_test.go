package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// assertNoSecret fails if s holds the secret or any 12-character piece of
// it.
func assertNoSecret(t *testing.T, s, secret string) {
	t.Helper()
	const piece = 12
	for i := 0; i+piece <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+piece]) {
			t.Fatalf("%q holds a piece of a secret", s)
		}
	}
}

// keySecrets are the forms a private key could leak in: PEM body, DER as
// base64 and hex, and the scalar in decimal and hex.
func keySecrets(t *testing.T, c *Credentials) []string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		t.Fatal(err)
	}
	pemBody := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pemBody = strings.Join(strings.Split(pemBody, "\n")[1:3], "")
	d, _ := c.Key.Bytes()
	return []string{pemBody, base64.StdEncoding.EncodeToString(der), hex.EncodeToString(der), hex.EncodeToString(d), new(big.Int).SetBytes(d).String()}
}

// No error, print or log of credentials, the CA or token records shows a
// private key or a token.
func TestSecretsStayOut(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	caCreds := &Credentials{Key: ca.key, Chain: chainOf(ca.Certificate()), CA: ca.Certificate()}
	secrets := append(keySecrets(t, edge), keySecrets(t, caCreds)...)
	tok, rec, _ := NewToken("branch-1", ca.Certificate(), time.Now().Add(time.Hour))
	secrets = append(secrets, tok, tok[len(TokenPrefix):])

	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	log.Info("enrolled", "creds", edge, "ca", ca, "record", rec)
	log.Info("values", "creds", *edge, "ca", *ca)
	fmt.Fprintf(&out, "%v %+v %#v %s\n", edge, edge, edge, edge)
	fmt.Fprintf(&out, "%v %+v %#v %v %+v\n", *edge, *edge, ca, ca, *ca)
	fmt.Fprintf(&out, "%v %+v\n", rec, rec)

	// Errors from every path that touches a secret.
	dir := t.TempDir()
	if err := edge.Save(dir); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, IdentityKeyFile)
	good, _ := os.ReadFile(keyPath)
	for _, damaged := range [][]byte{
		good[:len(good)/2], // truncated PEM
		bytes.Replace(good, []byte("PRIVATE KEY"), []byte("EC PRIVATE KEY"), 2), // wrong block type
		truncatedDER(t, good), // PEM whose DER is cut short
	} {
		os.WriteFile(keyPath, damaged, 0o600)
		_, err := LoadIdentity(dir)
		if err == nil {
			t.Fatal("damaged key loaded")
		}
		fmt.Fprintln(&out, err)
	}
	os.Chmod(keyPath, 0o644)
	_, err := LoadIdentity(dir)
	fmt.Fprintln(&out, err)
	now := time.Now()
	for _, r := range []TokenRecord{rec, {Hash: rec.Hash, UsedAt: now}, {Hash: rec.Hash, RevokedAt: now}, {Hash: rec.Hash, ExpiresAt: now}, {Hash: rec.Hash, SiteName: "x", ExpiresAt: now.Add(time.Hour)}} {
		for _, tk := range []string{tok, tok + "x", typo(tok, 3), tok[:30]} {
			if err := CheckToken(tk, "y", r, now); err != nil {
				fmt.Fprintln(&out, err)
			}
		}
	}
	s := out.String()
	if !strings.Contains(s, "spiffe://patronus/site/7/branch-1") {
		t.Errorf("the identity is not shown either:\n%s", s)
	}
	for _, secret := range secrets {
		assertNoSecret(t, s, secret)
	}
}

// truncatedDER is a PEM key file whose DER is cut short.
func truncatedDER(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("no PEM")
	}
	return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: b.Bytes[:len(b.Bytes)-10]})
}

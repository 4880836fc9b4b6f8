package agent

import (
	"context"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/pki"
)

// TestLostWireGuardKeyRefused: an enrolled edge whose wireguard.key alone
// is lost does not start with a new key that no peer knows: it refuses,
// says how to recover (patronus ctl sites reset SITE), and writes no key.
func TestLostWireGuardKeyRefused(t *testing.T) {
	ctl, dir := enrolled(t)
	key := filepath.Join(dir, WireGuardKeyFile)
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := New(ctx, newEdge().options(ctl, dir, ""))
	if !errors.Is(err, ErrWireGuardKeyLost) || !strings.Contains(err.Error(), "patronus ctl sites reset branch-1") ||
		!strings.Contains(err.Error(), key) {
		t.Fatalf("New with the key lost: %v", err)
	}
	if _, serr := os.Stat(key); !errors.Is(serr, fs.ErrNotExist) {
		t.Fatalf("a new key was written: %v", serr)
	}
	// Only the enrolment file left (the identity lost too): refused as well.
	for _, f := range []string{pki.IdentityKeyFile, pki.IdentityCertFile, pki.IdentityCAFile} {
		os.Remove(filepath.Join(dir, f))
	}
	if _, err := New(ctx, newEdge().options(ctl, dir, "")); !errors.Is(err, ErrWireGuardKeyLost) {
		t.Fatalf("New with only enrolment.json left: %v", err)
	}
}

// renewAt is two thirds into the lifetime from the issue time (NotBefore
// is backdated by pki.Backdate).
func TestRenewAt(t *testing.T) {
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		life, want time.Duration
	}{
		{365 * 24 * time.Hour, 243*24*time.Hour + 8*time.Hour},
		{6 * time.Second, 4 * time.Second},
	} {
		leaf := &x509.Certificate{NotBefore: issued.Add(-pki.Backdate), NotAfter: issued.Add(tc.life)}
		if got := renewAt(leaf).Sub(issued); got != tc.want {
			t.Errorf("lifetime %v: renewed %v after issue, want %v", tc.life, got, tc.want)
		}
	}
}

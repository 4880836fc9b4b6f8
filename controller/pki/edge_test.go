package pki

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadIdentity(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	dir := filepath.Join(t.TempDir(), "edge", "identity")
	if err := edge.Save(dir); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("dir mode %04o", got)
	}
	for _, f := range []string{IdentityKeyFile, IdentityCertFile, IdentityCAFile} {
		if got := mode(t, filepath.Join(dir, f)); got != 0o600 {
			t.Errorf("%s mode %04o", f, got)
		}
	}
	got, err := LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Identity != edge.Identity || !got.Key.Equal(edge.Key) || !got.Chain[0].Equal(edge.Chain[0]) || !got.CA.Equal(ca.Certificate()) {
		t.Errorf("loaded %v, saved %v", got, edge)
	}
	// The loaded credentials complete a handshake (a restarted edge).
	res := handshake(t, siteVerifier(ca).ServerTLSConfig(serverCert(t, ca)), got.ClientTLSConfig("controller.test"))
	if res.serverErr != nil || res.clientErr != nil {
		t.Fatalf("restarted edge: %v / %v", res.serverErr, res.clientErr)
	}

	// Renewal replaces the files in place and leaves no temporary file.
	renewed := enrol(t, ca, "branch-1", 7, 2*time.Hour)
	if err := renewed.Save(dir); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadIdentity(dir); err != nil || !got.Chain[0].Equal(renewed.Chain[0]) {
		t.Fatalf("after renewal: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d files in the identity directory, want 3", len(entries))
	}
}

func TestLoadIdentityErrors(t *testing.T) {
	ca := newTestCA(t)
	edge := enrol(t, ca, "branch-1", 7, time.Hour)
	other := enrol(t, newTestCA(t), "branch-1", 7, time.Hour)
	otherDir := t.TempDir()
	if err := other.Save(otherDir); err != nil {
		t.Fatal(err)
	}
	copyFrom := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(otherDir, name))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, name), data, 0o600)
		}
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   []string
	}{
		{"key missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, IdentityKeyFile)) }, []string{IdentityKeyFile, "no such file"}},
		{"certificate missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, IdentityCertFile)) }, []string{IdentityCertFile}},
		{"CA missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, IdentityCAFile)) }, []string{IdentityCAFile}},
		{"corrupt key", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, IdentityKeyFile), []byte("garbage"), 0o600)
		}, []string{IdentityKeyFile, "PEM"}},
		{"corrupt certificate", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, IdentityCertFile), []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), 0o600)
		}, []string{IdentityCertFile}},
		{"group-readable key", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, IdentityKeyFile), 0o640) }, []string{IdentityKeyFile, "0640"}},
		{"mismatched key", copyFrom(IdentityKeyFile), []string{IdentityKeyFile, "does not match", IdentityCertFile}},
		{"other CA", copyFrom(IdentityCAFile), []string{IdentityCertFile, "not signed", IdentityCAFile}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := edge.Save(dir); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dir)
			_, err := LoadIdentity(dir)
			if err == nil {
				t.Fatal("loaded")
			}
			if errors.Is(err, ErrNoIdentity) {
				t.Errorf("ErrNoIdentity for a damaged identity: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		if _, err := LoadIdentity(t.TempDir()); !errors.Is(err, ErrNoIdentity) {
			t.Fatalf("err %v, want ErrNoIdentity", err)
		}
	})
}

func TestSaveIdentityRefusesMismatch(t *testing.T) {
	ca := newTestCA(t)
	a := enrol(t, ca, "a", 1, time.Hour)
	b := enrol(t, ca, "b", 2, time.Hour)
	other := newTestCA(t)
	dir := t.TempDir()
	if err := SaveIdentity(dir, a.Key, b.Chain, ca.Certificate()); err == nil || !strings.Contains(err.Error(), "key does not match") {
		t.Errorf("key of another site: %v", err)
	}
	if err := SaveIdentity(dir, a.Key, a.Chain, other.Certificate()); err == nil || !strings.Contains(err.Error(), "not signed by the CA") {
		t.Errorf("another CA: %v", err)
	}
	if err := SaveIdentity(dir, nil, a.Chain, ca.Certificate()); err == nil {
		t.Error("nil key saved")
	}
	if err := SaveIdentity(dir, a.Key, nil, ca.Certificate()); err == nil {
		t.Error("no certificate saved")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused saves wrote %d files", len(entries))
	}
	if _, err := CreateCSR(nil); err == nil {
		t.Error("CreateCSR(nil) succeeded")
	}
}

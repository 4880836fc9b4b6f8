package cli

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublicKeyVector: RFC 7748 §6.1, Alice's key pair.
func TestPublicKeyVector(t *testing.T) {
	priv, _ := hex.DecodeString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	want, _ := hex.DecodeString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
	got, err := PublicKey(base64.StdEncoding.EncodeToString(priv))
	if err != nil || got != base64.StdEncoding.EncodeToString(want) {
		t.Errorf("PublicKey = %q, %v; want %q", got, err, base64.StdEncoding.EncodeToString(want))
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(priv[:31])} {
		if _, err := PublicKey(bad); err == nil {
			t.Errorf("PublicKey(%q) accepted", bad)
		}
	}
}

// TestKeygen: the private key file is 0600, never overwritten without
// --force, and its public key is what keygen printed.
func TestKeygen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "site.key")
	pub, stderr, code := run("keygen", "--out", path)
	if code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v: want mode 0600", st, err)
	}
	priv, _ := os.ReadFile(path)
	if strings.Contains(pub, strings.TrimSpace(string(priv))) {
		t.Fatal("keygen printed the private key")
	}
	derived, err := PublicKey(strings.TrimSpace(string(priv)))
	if err != nil || derived+"\n" != pub {
		t.Errorf("public key printed %q, derived from the file %q (%v)", pub, derived, err)
	}
	if _, stderr, code := run("keygen", "--out", path); code == 0 || !strings.Contains(stderr, "file exists") {
		t.Errorf("second keygen to the same file: exit %d, %q", code, stderr)
	}
	if again, _ := os.ReadFile(path); string(again) != string(priv) {
		t.Error("the existing key was changed")
	}
	if _, stderr, code := run("keygen", "--out", path, "--force"); code != 0 {
		t.Errorf("keygen --force: %s", stderr)
	}
	if _, stderr, code := run("keygen"); code == 0 || !strings.Contains(stderr, "--out: required") {
		t.Errorf("keygen without --out: exit %d, %q", code, stderr)
	}
}

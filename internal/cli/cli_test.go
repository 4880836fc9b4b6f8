package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return o.String(), e.String(), code
}

func TestVersion(t *testing.T) {
	out, _, code := run("version")
	if code != 0 || !strings.HasPrefix(out, "patronus ") || !strings.HasSuffix(out, "\n") {
		t.Errorf("version: %q, exit %d", out, code)
	}
}

// TestBFDRunBadFlags: every bad value is refused before anything starts,
// with an error that names the flag.
func TestBFDRunBadFlags(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"bfd", "run", "--local", "198.18.0.1", "--peer", "198.18.0.2"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bfd", "run", "--peer", "198.18.0.2"}, "--local: an address is required"},
		{[]string{"bfd", "run", "--local", "198.18.0.1"}, "--peer: at least one peer is required"},
		{[]string{"bfd", "run", "--local", "nope", "--peer", "198.18.0.2"}, `--local: "nope" is not an IP address`},
		{[]string{"bfd", "run", "--local", "198.18.0.1", "--peer", "fd00::2"}, "--peer: fd00::2 is not of the same address family"},
		{[]string{"bfd", "run", "--local", "198.18.0.1", "--peer", "198.18.0.2", "--peer", "198.18.0.2"}, "--peer: 198.18.0.2 is given twice"},
		{append(base, "--tx-interval", "fast"), `--tx-interval: "fast" is not a duration`},
		{append(base, "--rx-interval", "10us"), "--rx-interval: 10µs is out of range"},
		{append(base, "--multiplier", "0"), "--multiplier: 0 is out of range 1..255"},
		{append(base, "--multiplier", "256"), "--multiplier: 256 is out of range"},
		{append(base, "--min-ttl", "200"), "--min-ttl: only applies to multihop sessions"},
		{append(base, "--multihop", "--min-ttl", "0"), "--min-ttl: 0 is out of range"},
		{append(base, "--multihop", "--interface", "eth0"), "--interface: only applies to single-hop sessions"},
		{append(base, "--auth", "md5"), `--auth: "md5" is not one of`},
		{append(base, "--auth", "keyed-sha1"), "--auth-secret-file: required with authentication"},
		{append(base, "--auth-secret-file", secret), "--auth: required when a key id or secret file is given"},
		{append(base, "--auth", "keyed-md5", "--auth-secret-file", secret), "--auth-secret-file: auth secret: keyed-md5 needs 1 to 16 bytes, got 20"},
		{append(base, "--auth", "simple", "--auth-key-id", "300", "--auth-secret-file", secret), "--auth-key-id: 300 is out of range"},
		{append(base, "--auth", "simple", "--auth-secret-file", "/nonexistent"), "--auth-secret-file: open /nonexistent"},
		{append(base, "--bogus"), "unknown flag: --bogus"},
		{append(base, "--sessions-file", "/nonexistent"), "--peer: give peers either with --peer or in --sessions-file"},
	} {
		_, stderr, code := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to contain %q", tc.args[2:], code, stderr, tc.want)
		}
		if strings.Contains(stderr, "0123456789abcdef0123") {
			t.Errorf("%v: the secret appears in the error: %q", tc.args[2:], stderr)
		}
	}
}

// TestBFDRunSessionsFileErrors: errors in the file name the file and the
// field path.
func TestBFDRunSessionsFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ yaml, want string }{
		{"sessions: []\n", "sessions: at least one session is required"},
		{"sessions:\n  - {local: 198.18.0.1, peer: 198.18.0.2, tx_intervall: 1s}\n", "field tx_intervall not found"},
		{"sessions:\n  - {local: 198.18.0.1, peer: 198.18.0.2}\n  - {local: 198.18.0.1, peer: 198.18.0.3, multiplier: 0}\n", "sessions[1].multiplier: 0 is out of range"},
		{"sessions:\n  - {local: 198.18.0.1, peer: 198.18.0.2, auth: {type: keyed-sha1}}\n", "sessions[0].auth.secret_file: required with authentication"},
		{"sessions:\n  - {local: 198.18.0.1, peer: 198.18.0.2}\n  - {local: 198.18.0.1, peer: 198.18.0.2}\n", "sessions[1]: same local, peer and kind as sessions[0]"},
		{"sessions:\n  - {peer: 198.18.0.2, min_ttl: 9}\n", "sessions[0].local: an address is required"},
	} {
		path := filepath.Join(dir, "s.yaml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := run("bfd", "run", "--sessions-file", path)
		if code == 0 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, path) {
			t.Errorf("%q: exit %d, stderr %q, want the path and %q", tc.yaml, code, stderr, tc.want)
		}
	}
}

func TestBFDShowNeedsSocket(t *testing.T) {
	_, stderr, code := run("bfd", "show")
	if code == 0 || !strings.Contains(stderr, "--control-socket: required") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = run("bfd", "show", "--control-socket", filepath.Join(t.TempDir(), "none"))
	if code == 0 || !strings.Contains(stderr, "--control-socket") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// exampleConfig returns a directory and docs/examples/edge.yaml with a
// fresh key of its own in that directory.
func exampleConfig(t *testing.T) (dir, yaml string) {
	t.Helper()
	dir = t.TempDir()
	key := filepath.Join(dir, "site.key")
	if _, stderr, code := run("keygen", "--out", key); code != 0 {
		t.Fatal(stderr)
	}
	raw, err := os.ReadFile("../../docs/examples/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return dir, strings.ReplaceAll(string(raw), "/etc/patronus/site.key", key)
}

func TestConfigValidate(t *testing.T) {
	dir, raw := exampleConfig(t)
	good := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(good, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run("config", "validate", good)
	if code != 0 || !strings.Contains(out, "valid: site branch-1 (id 11), 2 links, 1 peers, 4 paths") {
		t.Errorf("valid file: exit %d, %q %q", code, out, stderr)
	}
	bad := filepath.Join(dir, "bad.yaml")
	broken := strings.Replace(strings.Replace(raw, "id: 11", "id: 0", 1), "mtu: 1420", "mtu: 99999", 1)
	broken = strings.ReplaceAll(broken, filepath.Join(dir, "site.key"), "/nonexistent/site.key")
	if err := os.WriteFile(bad, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = run("config", "validate", bad)
	for _, want := range []string{bad, "site.id: 0", "overlay.mtu: 99999", "private_key_file:"} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("broken file: exit %d, stderr %q lacks %q", code, stderr, want)
		}
	}
}

// TestEdgeRefusesBadConfig: a bad configuration stops the edge before it
// changes anything, naming the field.
func TestEdgeRefusesBadConfig(t *testing.T) {
	dir, base := exampleConfig(t)
	for extra, want := range map[string]string{
		"defaults: {bfd: {tx_interval: 1ns}}\n":       "defaults.bfd.tx_interval:",
		"defaults: {compression: false}\n" + "x: 1\n": "field x not found",
	} {
		path := filepath.Join(dir, "edge.yaml")
		if err := os.WriteFile(path, []byte(base+extra), 0o600); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := run("edge", "--config", path)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", extra, code, stderr, want)
		}
	}
	if _, stderr, code := run("edge"); code == 0 || !strings.Contains(stderr, "--config: required") {
		t.Errorf("edge without --config: exit %d, %q", code, stderr)
	}
}

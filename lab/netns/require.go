package netns

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// extraBinDirs are searched after PATH: FRR keeps its daemons in
// /usr/lib/frr, and a non-root PATH often lacks the sbin directories.
var extraBinDirs = []string{"/usr/lib/frr", "/usr/sbin", "/sbin"}

// InCI reports whether the tests run in CI (CI=true, as CI sets it). In CI a
// missing prerequisite is a failure, never a skip: a green run must mean the
// tests ran.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// SkipIfNotRoot skips the test unless it runs as root, which namespaces
// need. In CI, which runs as root, not being root fails the test instead.
func SkipIfNotRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if InCI() {
		tb.Fatal("network namespace tests need root, and CI runs as root: not root here")
	}
	tb.Skip("skipping: network namespace tests need root (run as root, see docs/DEVELOPING.md)")
}

// Require returns the path of the program name, searching PATH and then
// the directories where Debian puts daemons (/usr/lib/frr, /usr/sbin). When
// it is missing the test is skipped, or failed in CI.
func Require(tb testing.TB, name string) string {
	tb.Helper()
	SkipIfNotRoot(tb)
	if path, ok := LookPath(name); ok {
		return path
	}
	msg := name + " not found: run scripts/install-deps.sh (installs frr, bird2, …)"
	if InCI() {
		tb.Fatal(msg)
	}
	tb.Skip("skipping: " + msg)
	return ""
}

// LookPath finds a program like exec.LookPath, also in extraBinDirs.
func LookPath(name string) (string, bool) {
	if path, err := exec.LookPath(name); err == nil {
		return path, true
	}
	for _, dir := range extraBinDirs {
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return path, true
		}
	}
	return "", false
}

package ctlsock

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func serveStatus(t *testing.T, sock string) {
	t.Helper()
	stop, err := Serve(sock, map[string]http.HandlerFunc{"GET /status": JSON(func() any { return map[string]int{"ok": 1} })})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
}

func TestServeSocketMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	sock := filepath.Join(dir, "edge.sock")
	serveStatus(t, sock)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a 0600 socket", fi.Mode())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("made directory mode %v, want 0700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the socket (no temporary name left)", len(entries))
	}
	var v map[string]int
	if _, err := Get(sock, "/status", &v); err != nil || v["ok"] != 1 {
		t.Fatalf("Get: %v %v", v, err)
	}
}

func TestServeRefusesUnsafeDirectory(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(filepath.Join(open, "s.sock"), nil); err == nil || !strings.Contains(err.Error(), "lets others write") {
		t.Fatalf("world-writable directory: %v", err)
	}
	real := filepath.Join(t.TempDir(), "real")
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Serve(filepath.Join(link, "s.sock"), nil); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("symbolic link as directory: %v", err)
	}
}

// TestServeRefusesOtherUsers exposes the socket on purpose (0666 in a
// traversable directory) and connects as nobody: the peer credential check
// still refuses, while root is answered.
func TestServeRefusesOtherUsers(t *testing.T) {
	if sock := os.Getenv("CTLSOCK_TEST_DIAL"); sock != "" {
		var v map[string]int
		if _, err := Get(sock, "/status", &v); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	dir, err := os.MkdirTemp("", "ctlsock") // t.TempDir's parent is 0700
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	serveStatus(t, sock)
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	// The test binary may sit where nobody cannot read it: copy it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dial")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	dial := func(uid uint32) int {
		cmd := exec.Command(bin, "-test.run=^TestServeRefusesOtherUsers$")
		cmd.Env = append(os.Environ(), "CTLSOCK_TEST_DIAL="+sock)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("run as uid %d: %v", uid, err)
		}
		return 0
	}
	if code := dial(0); code != 0 {
		t.Fatalf("root was refused (exit %d)", code)
	}
	if code := dial(65534); code != 3 {
		t.Fatalf("nobody was answered (exit %d), want refused", code)
	}
}

// TestGetLeavesNoConnection: each Get is one request on its own
// connection, closed after it; a caller that polls (patronus lab chaos,
// every 100 ms) must not pile up descriptors here and in the edge. Found
// by the chaos run: an edge went from 17 to 52 descriptors.
func TestGetLeavesNoConnection(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "edge.sock")
	serveStatus(t, sock)
	fds := func() int {
		e, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(e)
	}
	var v map[string]int
	if _, err := Get(sock, "/status", &v); err != nil {
		t.Fatal(err)
	}
	before := fds()
	for range 50 {
		if _, err := Get(sock, "/status", &v); err != nil {
			t.Fatal(err)
		}
	}
	// The server closes its end once it sees the client's close.
	for deadline := time.Now().Add(2 * time.Second); fds() > before+4 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if after := fds(); after > before+4 {
		t.Fatalf("50 Gets left %d more descriptors open", after-before)
	}
}

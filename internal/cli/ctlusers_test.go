package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCtlUsers: users add / list / set-role / delete through a running
// controller's Admin API.
func TestCtlUsers(t *testing.T) {
	dir := ctlTestDir(t)
	p := startController(t, "--data-dir", dir, "--listen", "127.0.0.1:0")
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("correct horse battery\n"), 0o600)
	const evil = `o'brien"; DROP TABLE users; --`
	out := p.mustCtl(t, dir, "users", "add", evil, "--role", "admin", "--password-file", pwFile)
	if !strings.Contains(out, evil) || !strings.Contains(out, "admin") || strings.Contains(out, "correct horse") {
		t.Fatalf("users add: %s", out)
	}
	p.mustCtl(t, dir, "users", "add", "viewer1", "--role", "viewer", "--password-file", pwFile)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"users", "add", "x", "--password-file", pwFile}, "--role: required"},
		{[]string{"users", "add", "x", "--role", "root", "--password-file", pwFile}, "role"},
		{[]string{"users", "add", evil, "--role", "admin", "--password-file", pwFile}, "AlreadyExists"},
		{[]string{"users", "add", "x", "--role", "admin", "--password-file", filepath.Join(dir, "nope")}, "--password-file"},
		{[]string{"users", "set-role", "nobody", "viewer"}, "NotFound"},
		{[]string{"users", "delete", "nobody"}, "NotFound"},
	} {
		_, errOut, code := p.ctl(t, dir, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("ctl %v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("short\n"), 0o600)
	if _, errOut, code := p.ctl(t, dir, "users", "add", "y", "--role", "viewer", "--password-file", short); code == 0 || !strings.Contains(errOut, "password: shorter than 12") {
		t.Errorf("short password: %q", errOut)
	}

	p.mustCtl(t, dir, "users", "set-role", "viewer1", "operator")
	var list struct {
		Users []struct{ Name, Role, Source string } `json:"users"`
	}
	if err := json.Unmarshal([]byte(p.mustCtl(t, dir, "users", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Users) != 2 || list.Users[0].Name != evil || list.Users[1].Role != "operator" || list.Users[1].Source != "local" {
		t.Fatalf("users list %+v", list)
	}
	p.mustCtl(t, dir, "users", "delete", "viewer1")
	if out := p.mustCtl(t, dir, "users", "list"); strings.Contains(out, "viewer1") || !strings.Contains(out, "LAST LOGIN") {
		t.Fatalf("after delete: %s", out)
	}
}

func TestReadPassword(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"pass word 123\nsecond line\n", "pass word 123", ""},
		{"no newline at end", "no newline at end", ""},
		{"crlf line\r\n", "crlf line", ""},
		{"\n", "", "stdin: no password"},
		{"", "", "stdin: no password"},
	} {
		got, err := readPassword("-", strings.NewReader(tc.in))
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("readPassword(%q) = %q, %v", tc.in, got, err)
		}
	}
}

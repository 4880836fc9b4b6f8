//go:build interop

package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// patronusPath is the binary built once for the whole suite; buildErr is
// why it could not be built.
var (
	patronusPath string
	buildErr     error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ptn-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	patronusPath, buildErr = buildPatronus(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildPatronus(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	out := filepath.Join(dir, "patronus")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/patronus-sdwan/patronus/cmd/patronus")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/patronus: %v\n%s", err, b)
	}
	return out, nil
}

// patronusBin returns the suite's patronus binary, failing the test when it
// could not be built.
func patronusBin(t testing.TB) string {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return patronusPath
}

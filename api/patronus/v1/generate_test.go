package patronusv1_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// genTimeout bounds one run of scripts/gen-proto.sh.
const genTimeout = 2 * time.Minute

// errToolsMissing is gen-proto.sh's exit status when a generator is
// missing or is not the pinned version.
const errToolsMissing = 3

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// TestGeneratedCodeIsCurrent regenerates the Go code of the *.proto files
// into a temporary directory and fails, naming the file, when it differs
// from the committed code. Without the pinned generators it skips, or
// fails in CI.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), genTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts/gen-proto.sh"), out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == errToolsMissing {
		msg := strings.TrimSpace(stderr.String())
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	if err != nil {
		t.Fatalf("scripts/gen-proto.sh: %v\n%s", err, stderr.Bytes())
	}
	for _, d := range compareGenerated(t, ".", filepath.Join(out, "patronus/v1")) {
		t.Errorf("api/patronus/v1/%s: %s; run scripts/gen-proto.sh and commit the result", d.name, d.problem)
	}
}

type difference struct{ name, problem string }

// compareGenerated compares the generated files (*.pb.go) of two
// directories.
func compareGenerated(t *testing.T, committed, fresh string) []difference {
	t.Helper()
	have, want := generatedFiles(t, committed), generatedFiles(t, fresh)
	var diffs []difference
	for _, name := range have {
		if !slices.Contains(want, name) {
			diffs = append(diffs, difference{name, "committed but no longer generated"})
		}
	}
	for _, name := range want {
		if !slices.Contains(have, name) {
			diffs = append(diffs, difference{name, "generated but not committed"})
			continue
		}
		a := readFile(t, filepath.Join(committed, name))
		b := readFile(t, filepath.Join(fresh, name))
		if !bytes.Equal(a, b) {
			diffs = append(diffs, difference{name, "differs from the generated code at line " + firstDiffLine(a, b)})
		}
	}
	return diffs
}

func generatedFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDiffLine returns the 1-based number of the first line where a and
// b differ, as a string.
func firstDiffLine(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return strconv.Itoa(i + 1)
		}
	}
	return strconv.Itoa(min(len(la), len(lb)) + 1)
}

// TestCompareGenerated checks the comparison of the currency check
// without the generators: every kind of difference is named.
func TestCompareGenerated(t *testing.T) {
	committed, fresh := t.TempDir(), t.TempDir()
	write := func(dir, name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(committed, "same.pb.go", "a\nb\n")
	write(fresh, "same.pb.go", "a\nb\n")
	write(committed, "changed.pb.go", "a\nb\nc\n")
	write(fresh, "changed.pb.go", "a\nB\nc\n")
	write(committed, "stale.pb.go", "x\n")
	write(fresh, "new_grpc.pb.go", "y\n")
	write(committed, "doc.go", "not generated\n")
	got := compareGenerated(t, committed, fresh)
	want := []difference{
		{"stale.pb.go", "committed but no longer generated"},
		{"changed.pb.go", "differs from the generated code at line 2"},
		{"new_grpc.pb.go", "generated but not committed"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

package bfdtest

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"testing"
)

// TestFormat fails if a file of the package is not gofmt-formatted.
func TestFormat(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := format.Source(src); err != nil || !bytes.Equal(got, src) {
			t.Errorf("%s is not gofmt-formatted (err %v)", f, err)
		}
	}
}

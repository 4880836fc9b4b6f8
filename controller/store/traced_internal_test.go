package store

import (
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// TestTracedCoversTheInterface fails when a Store method is passed
// through traced without a span (a method added to the interface since
// traced_gen.go was generated): every method but Watch and Close must be
// traced's own, from traced_gen.go, not the embedded Store's.
func TestTracedCoversTheInterface(t *testing.T) {
	iface := reflect.TypeFor[Store]()
	impl := reflect.TypeFor[traced]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if name == "Watch" || name == "Close" {
			continue
		}
		m, _ := impl.MethodByName(name)
		file, _ := runtime.FuncForPC(m.Func.Pointer()).FileLine(m.Func.Pointer())
		if filepath.Base(file) != "traced_gen.go" {
			t.Errorf("%s is not traced (defined in %s): run go generate ./controller/store/", name, file)
		}
	}
}

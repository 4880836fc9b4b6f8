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
	coversTheInterface(t, reflect.TypeFor[traced](), "traced_gen.go")
}

// TestDeadlineCoversTheInterface: likewise, every method but Watch and
// Close has its deadline (deadline_gen.go).
func TestDeadlineCoversTheInterface(t *testing.T) {
	coversTheInterface(t, reflect.TypeFor[deadlined](), "deadline_gen.go")
}

func coversTheInterface(t *testing.T, impl reflect.Type, gen string) {
	iface := reflect.TypeFor[Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if name == "Watch" || name == "Close" {
			continue
		}
		m, _ := impl.MethodByName(name)
		file, _ := runtime.FuncForPC(m.Func.Pointer()).FileLine(m.Func.Pointer())
		if filepath.Base(file) != gen {
			t.Errorf("%s is not from %s (defined in %s): run go generate ./controller/store/", name, gen, file)
		}
	}
}

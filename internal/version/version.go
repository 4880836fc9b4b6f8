// Package version holds the build's version, set by the linker:
// -ldflags "-X github.com/patronus-sdwan/patronus/internal/version.Version=v1.2.3".
package version

import (
	"runtime"
	"runtime/debug"
)

// Version is the release or git description of this build.
var Version = "dev"

// String returns the version with the VCS revision and Go version when known.
func String() string {
	s := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 12 {
				s += " (" + kv.Value[:12] + ")"
			}
		}
	}
	return s + " " + runtime.Version()
}

// Package interop holds the interoperability suite: the patronus binary
// against FRR bfdd, BIRD 2 and itself, each in its own network namespace.
//
// The tests are behind the interop build tag and need root:
//
//	go test -tags interop -count=1 -v ./test/interop/
//
// scripts/install-deps.sh installs FRR and BIRD. See docs/DEVELOPING.md.
package interop

// Package hygiene holds repository-wide tests: every Go file is
// gofmt-formatted. It has no code of its own.
package hygiene

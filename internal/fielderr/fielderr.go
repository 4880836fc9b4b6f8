// Package fielderr is the one field-error type of Patronus: a problem of
// a configuration or a policy set at a field path such as
// policies[1].match.applications[0], and the list of all of them.
//
// It is a leaf (it imports only the standard library) so that the
// packages that validate their own part of a configuration (edge/quality,
// edge/classify, edge/steer) and the packages that validate the whole
// (policy, edge/config) share it: policy imports those edge packages to
// compile a set into their runtime types, so the type cannot live in
// policy without an import cycle. policy re-exports it as policy.FieldError
// and policy.Errors (type aliases: the same types).
package fielderr

import (
	"fmt"
	"strings"
)

// Error is one problem at a field path, in the names of the YAML and
// JSON forms (snake_case, [i] for list elements, . between fields).
type Error struct {
	Path string `json:"field"`
	Msg  string `json:"message"`
}

func (e Error) Error() string { return e.Path + ": " + e.Msg }

// List is every problem found, in document order. A nil or empty List is
// no problem; use Err to return it as an error.
type List []Error

// Error gives one problem per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Add appends a problem at path.
func (l *List) Add(path, format string, args ...any) {
	*l = append(*l, Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Err returns l as an error, or nil when it is empty (never a non-nil
// error holding an empty List).
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Paths returns the field paths of l, in order.
func (l List) Paths() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Path
	}
	return out
}

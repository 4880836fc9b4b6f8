// Package logging makes the daemons' loggers (log/slog): text or JSON
// lines on one writer, at one level. The field names are one vocabulary
// across the code base: a record about a site carries "site" (and
// "network" on the controller), one about a path "path" (the edge's
// directional ID "site/link->site/link" or the controller's
// "a/link~b/link"); "err" holds an error. No record holds a secret (join
// tokens, keys, passwords, bearer tokens, store URLs with passwords), and
// none is written per packet. See docs/OBSERVABILITY.md, Logs.
package logging

import (
	"fmt"
	"io"
	"log/slog"
)

// Formats of --log-format.
const (
	FormatText = "text" // logfmt-like key=value, the default
	FormatJSON = "json" // one JSON object per line
)

// DefaultFormat is the format when none is given.
const DefaultFormat = FormatText

// CheckFormat refuses a format other than text or json; "" is the default.
func CheckFormat(format string) error {
	switch format {
	case "", FormatText, FormatJSON:
		return nil
	}
	return fmt.Errorf("%q: want %s or %s", format, FormatText, FormatJSON)
}

// New returns a logger writing records of level and above to w in format
// ("" is DefaultFormat).
func New(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	if err := CheckFormat(format); err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == FormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

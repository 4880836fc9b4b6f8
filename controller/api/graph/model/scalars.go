// Package model holds the GraphQL API's types: generated from the schema
// (models_gen.go) and the custom scalars.
package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDuration writes a duration in Go's notation ("150ms").
func MarshalDuration(d time.Duration) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, strconv.Quote(d.String())) })
}

// UnmarshalDuration reads a duration in Go's notation ("150ms", "1.5s").
func UnmarshalDuration(v any) (time.Duration, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("a duration is a string such as \"150ms\", not %T", v)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"150ms\"", s)
	}
	return d, nil
}

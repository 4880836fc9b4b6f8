package graph

import (
	"encoding/base64"
	"strings"

	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/manage"
)

// Page sizes.
const (
	defaultFirst = 100
	maxFirst     = 1000
)

// cursorPrefix versions the cursors: they are opaque to clients.
const cursorPrefix = "v1:"

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", &manage.Error{Code: manage.CodeInvalidArgument, Field: "after", Msg: "not a cursor of this API"}
	}
	return strings.TrimPrefix(string(b), cursorPrefix), nil
}

// page is one page of a list.
type page[T any] struct {
	items   []T
	cursors []string
	info    *model.PageInfo
	total   int64
}

// paginate cuts items (in the list's order) after the cursor's item:
// key gives an item's cursor key, and past(item, key) reports whether an
// item comes after the item of that key in the order (so a cursor stays
// valid when its item is deleted).
func paginate[T any](items []T, first *int64, after *string, key func(T) string, past func(T, string) bool) (page[T], error) {
	n := int64(defaultFirst)
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxFirst {
		return page[T]{}, &manage.Error{Code: manage.CodeInvalidArgument, Field: "first", Msg: "must be 0 to 1000"}
	}
	start := 0
	if after != nil && *after != "" {
		k, err := decodeCursor(*after)
		if err != nil {
			return page[T]{}, err
		}
		for start < len(items) && !past(items[start], k) {
			start++
		}
	}
	end := min(start+int(n), len(items))
	p := page[T]{items: items[start:end], total: int64(len(items)), info: &model.PageInfo{HasNextPage: end < len(items)}}
	for _, it := range p.items {
		p.cursors = append(p.cursors, encodeCursor(key(it)))
	}
	if len(p.cursors) > 0 {
		last := p.cursors[len(p.cursors)-1]
		p.info.EndCursor = &last
	}
	return p, nil
}

// byName: a list sorted by ascending key.
func byName[T any](key func(T) string) func(T, string) bool {
	return func(it T, k string) bool { return key(it) > k }
}

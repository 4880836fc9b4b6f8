package postgres

import (
	"testing"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func TestPayload(t *testing.T) {
	r := store.Revision{NetworkID: 42, Number: 9000000000}
	got, ok := parsePayload(payload(r))
	if !ok || got != r {
		t.Fatalf("round trip %+v → %q → %+v %v", r, payload(r), got, ok)
	}
	for _, bad := range []string{"", "1", "a:1", "1:b", "1:2:3"} {
		if _, ok := parsePayload(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

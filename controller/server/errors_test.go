package server

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// TestStoreStatusFull: a full database is a retryable answer
// (Unavailable), so an edge keeps its batch and sends it again; only
// InvalidArgument makes it drop one.
func TestStoreStatusFull(t *testing.T) {
	err := fmt.Errorf("ingest: %w", &store.Error{Kind: store.ErrFull, Entity: "database", Msg: "no room"})
	if c := status.Code(storeStatus(err)); c != codes.Unavailable {
		t.Fatalf("store.ErrFull → %v, want Unavailable", c)
	}
}

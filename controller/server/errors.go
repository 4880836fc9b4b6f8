package server

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// storeStatus maps a store error to a gRPC status; the store's message
// names the entity and field and never holds a secret.
func storeStatus(err error) error {
	if err == nil {
		return nil
	}
	code := codes.Internal
	switch {
	case errors.Is(err, store.ErrNotFound):
		code = codes.NotFound
	case errors.Is(err, store.ErrConflict):
		code = codes.AlreadyExists
	case errors.Is(err, store.ErrConstraint):
		code = codes.FailedPrecondition
	case errors.Is(err, store.ErrInvalid):
		code = codes.InvalidArgument
	case errors.Is(err, store.ErrStale):
		code = codes.Aborted
	case errors.Is(err, store.ErrTokenUnknown), errors.Is(err, store.ErrTokenUsed),
		errors.Is(err, store.ErrTokenExpired), errors.Is(err, store.ErrTokenRevoked):
		code = codes.PermissionDenied
	case errors.Is(err, store.ErrClosed), errors.Is(err, store.ErrFull):
		// Retryable: an edge keeps the batch and sends it again.
		code = codes.Unavailable
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	return status.Error(code, err.Error())
}

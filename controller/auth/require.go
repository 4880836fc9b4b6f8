package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/patronus-sdwan/patronus/controller/apierr"
)

// ErrForbidden wraps every refusal of a signed-in principal whose role
// does not grant the permission.
var ErrForbidden = errors.New("forbidden")

// Check is the role check of every API operation (REST route, GraphQL
// field): nil if the principal in ctx (NewContext, Middleware) has perm;
// otherwise a 401 apierr.Error wrapping ErrUnauthenticated when there is
// no principal, or a 403 wrapping ErrForbidden that names the permission.
func Check(ctx context.Context, perm Permission) error {
	p, ok := FromContext(ctx)
	if !ok {
		return &apierr.Error{Status: http.StatusUnauthorized, Code: apierr.CodeUnauthenticated, Message: "sign in first", Err: ErrUnauthenticated}
	}
	if !p.Can(perm) {
		return &apierr.Error{Status: http.StatusForbidden, Code: apierr.CodeForbidden,
			Message: "role " + string(p.Role) + " may not " + perm.String(), Err: ErrForbidden}
	}
	return nil
}

// Require serves next only to principals with perm (Check), answering the
// error otherwise. Put it inside Middleware.
func Require(perm Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Check(r.Context(), perm); err != nil {
			apierr.Write(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

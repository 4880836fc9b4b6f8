package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/patronus-sdwan/patronus/controller/auth"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// traceOperations gives every GraphQL operation a span ("graphql
// mutation setPolicy"), a child of the HTTP request's, with the
// operation's type and name and the caller's name and role. Never the
// document or the variables: either may hold a password or a token. The
// resolvers, and the store calls they make, run inside it. A
// subscription's span lasts until it ends.
type traceOperations struct{}

func (traceOperations) ExtensionName() string                   { return "Tracing" }
func (traceOperations) Validate(graphql.ExecutableSchema) error { return nil }

func (traceOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	typ, op := "unknown", oc.OperationName
	if oc.Operation != nil {
		typ, op = string(oc.Operation.Operation), oc.Operation.Name
	}
	name := "graphql " + typ
	if op != "" {
		name += " " + op
	}
	attrs := []attribute.KeyValue{attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", op)}
	if p, ok := auth.FromContext(ctx); ok {
		attrs = append(attrs, tracing.AttrUser.String(p.Subject), tracing.AttrRole.String(string(p.Role)))
	}
	ctx, span := tracing.Tracer().Start(ctx, name, trace.WithAttributes(attrs...))
	rh := next(ctx)
	ended := false
	return func(ctx context.Context) *graphql.Response {
		resp := rh(ctx)
		if ended {
			return resp
		}
		if resp != nil && len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, fmt.Sprintf("%d errors", len(resp.Errors)))
		}
		if resp == nil || typ != "subscription" {
			ended = true
			span.End()
		}
		return resp
	}
}

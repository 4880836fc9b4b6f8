package graph

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/patronus-sdwan/patronus/controller/api/graph/exec"
	"github.com/patronus-sdwan/patronus/controller/api/graph/model"
	"github.com/patronus-sdwan/patronus/controller/auth"
)

// complexity makes a connection cost its nodes' complexity times first.
func complexity() exec.ComplexityRoot {
	var c exec.ComplexityRoot
	times := func(child int, first *int64) int {
		n := int64(defaultFirst)
		if first != nil {
			n = max(*first, 1)
		}
		return child * int(min(n, maxFirst))
	}
	c.Query.SitesConnection = func(child int, _ string, _ *model.SiteFilter, first *int64, _ *string) int {
		return times(child, first)
	}
	c.Query.Paths = func(child int, _ string, _ *model.PathFilter, first *int64, _ *string) int {
		return times(child, first)
	}
	c.Query.SteeringEvents = func(child int, _ string, _ *model.SteeringEventFilter, first *int64, _ *string) int {
		return times(child, first)
	}
	c.Query.JoinTokens = func(child int, _ string, first *int64, _ *string) int { return times(child, first) }
	c.Query.Users = func(child int, first *int64, _ *string) int { return times(child, first) }
	c.Query.APIKeys = func(child int, first *int64, _ *string) int { return times(child, first) }
	c.Query.AuditLog = func(child int, _ *model.AuditFilter, first *int64, _ *string) int { return times(child, first) }
	return c
}

// signedInIntrospection allows introspection to signed-in callers only
// (every caller is, past the router; this holds if one is not).
type signedInIntrospection struct{}

func (signedInIntrospection) ExtensionName() string                   { return "SignedInIntrospection" }
func (signedInIntrospection) Validate(graphql.ExecutableSchema) error { return nil }
func (signedInIntrospection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	_, ok := auth.FromContext(ctx)
	oc.DisableIntrospection = !ok
	return nil
}

// depthLimit refuses operations nested deeper than max selections;
// introspection fields (__schema, __type) are not counted.
type depthLimit struct{ max int }

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := depth(oc.Doc, oc.Operation.SelectionSet, 0, d.max); n > d.max {
		err := gqlerror.Errorf("operation is nested deeper than %d levels", d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// depth returns the nesting depth of set below level, stopping early past
// limit (fragment cycles are refused by validation before this runs).
func depth(doc *ast.QueryDocument, set ast.SelectionSet, level, limit int) int {
	deepest := level
	if level > limit {
		return level
	}
	for _, sel := range set {
		n := level
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			n = depth(doc, s.SelectionSet, level+1, limit)
		case *ast.InlineFragment:
			n = depth(doc, s.SelectionSet, level, limit)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(s.Name); f != nil {
				n = depth(doc, f.SelectionSet, level, limit)
			}
		}
		deepest = max(deepest, n)
	}
	return deepest
}

// requestCache gives each operation a cache of what many fields of it
// read alike (a network's paths and prefixes), so that
// `sites { paths }` reads them once, not once per site.
type requestCache struct{}

type cacheKey struct{}

type opCache struct {
	mu   sync.Mutex // guards vals
	vals map[string]cached
}

type cached struct {
	v   any
	err error
}

func (requestCache) ExtensionName() string                   { return "RequestCache" }
func (requestCache) Validate(graphql.ExecutableSchema) error { return nil }
func (requestCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		return next(ctx) // a subscription's fields must see changes
	}
	return next(context.WithValue(ctx, cacheKey{}, &opCache{vals: map[string]cached{}}))
}

// once returns the operation's cached value of key, computing it with
// fn the first time (without a cache: every time).
func once[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	c, _ := ctx.Value(cacheKey{}).(*opCache)
	if c == nil {
		return fn()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vals[key]; ok {
		t, _ := v.v.(T)
		return t, v.err
	}
	v, err := fn()
	c.vals[key] = cached{v: v, err: err}
	return v, err
}

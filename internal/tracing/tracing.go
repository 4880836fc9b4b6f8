// Package tracing is Patronus's vocabulary for OpenTelemetry traces: the
// tracer every package starts its spans with, the attribute names spans
// carry, and the W3C traceparent a configuration revision carries from
// the controller to the edges (docs/OBSERVABILITY.md, Traces).
//
// It uses the OpenTelemetry API only. Until a process installs a tracer
// provider (internal/tracing/provider does, from the OTEL_* variables),
// the global provider is OpenTelemetry's no-op one: Start returns a
// non-recording span without allocating, and TraceParent returns "".
//
// Spans are per operation (an API request, a store call, a pushed or
// applied configuration), never per packet or per telemetry sample.
// Attributes never hold a secret: no token, password, key, or GraphQL
// variables (which may hold them).
package tracing

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of Patronus's own spans.
const ScopeName = "github.com/patronus-sdwan/patronus"

// Attribute names of Patronus's spans (one vocabulary, as the logs').
const (
	AttrNetwork  = attribute.Key("patronus.network")
	AttrSite     = attribute.Key("patronus.site")
	AttrPath     = attribute.Key("patronus.path")
	AttrRevision = attribute.Key("patronus.revision")
	AttrUser     = attribute.Key("enduser.id")   // the API principal's name
	AttrRole     = attribute.Key("enduser.role") // its role
	AttrSource   = attribute.Key("patronus.config.source")
)

// cachedTracer is the tracer of the global provider it was made from.
type cachedTracer struct {
	tp trace.TracerProvider
	t  trace.Tracer
}

// cache holds the tracer of the global provider last seen: looking it up
// takes the provider's lock, checking that the provider is the same an
// atomic load.
var cache atomic.Pointer[cachedTracer]

// Tracer is the tracer of Patronus's spans, from the global provider.
func Tracer() trace.Tracer {
	tp := otel.GetTracerProvider()
	if c := cache.Load(); c != nil && c.tp == tp {
		return c.t
	}
	c := &cachedTracer{tp: tp, t: tp.Tracer(ScopeName)}
	cache.Store(c)
	return c.t
}

// Start starts a span named name as a child of ctx's span.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if len(attrs) == 0 {
		return Tracer().Start(ctx, name)
	}
	return Tracer().Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed when err is not nil. The error's text
// is recorded: errors of this code base never hold secrets.
func End(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// traceContext is the W3C Trace Context format, used whatever propagator
// the process installed: the traceparent stored with a revision must be
// read by any controller replica and any edge.
var traceContext propagation.TraceContext

// TraceParent is the W3C traceparent of ctx's span ("00-…-…-01"); "" when
// ctx has no valid span context (tracing is off, or no span was started).
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	traceContext.Inject(ctx, c)
	return c["traceparent"]
}

// WithRemoteParent returns ctx carrying the span context of traceparent
// as a remote parent, so that the next span started from it joins that
// trace. An empty or malformed traceparent leaves ctx as it is: a span
// started from it is then the root of a new trace.
func WithRemoteParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

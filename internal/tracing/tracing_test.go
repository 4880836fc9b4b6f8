package tracing_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// TestTraceParentRoundTrip: a span's traceparent, read back as a remote
// parent, makes the next span a child in the same trace.
func TestTraceParentRoundTrip(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(context.Background(), "api")
	defer span.End()
	parent := tracing.TraceParent(ctx)
	if len(parent) != 55 {
		t.Fatalf("traceparent %q: want 55 characters", parent)
	}
	remote := trace.SpanContextFromContext(tracing.WithRemoteParent(context.Background(), parent))
	if !remote.IsRemote() || remote.TraceID() != span.SpanContext().TraceID() || remote.SpanID() != span.SpanContext().SpanID() {
		t.Fatalf("remote parent %v, want the span %v", remote, span.SpanContext())
	}
}

// TestNoSpanNoTraceParent: without a span (tracing off) there is nothing
// to carry, and an empty or malformed traceparent is ignored.
func TestNoSpanNoTraceParent(t *testing.T) {
	if got := tracing.TraceParent(context.Background()); got != "" {
		t.Fatalf("TraceParent without a span = %q", got)
	}
	ctx, span := tracing.Start(context.Background(), "off") // the global no-op provider
	span.End()
	if got := tracing.TraceParent(ctx); got != "" {
		t.Fatalf("TraceParent with tracing off = %q", got)
	}
	for _, bad := range []string{"", "garbage", "00-00000000000000000000000000000000-0000000000000000-01"} {
		if sc := trace.SpanContextFromContext(tracing.WithRemoteParent(context.Background(), bad)); sc.IsValid() {
			t.Fatalf("WithRemoteParent(%q) gave a valid parent %v", bad, sc)
		}
	}
}

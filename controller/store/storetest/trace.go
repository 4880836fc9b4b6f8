package storetest

import (
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testRevisionTrace: a change records the traceparent of its context's
// span with the revision it makes (Network.TraceParent); a change
// without a span records none, replacing the last one.
func testRevisionTrace(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.s
	setupNet(t, e, store.FullMesh, hub("hq"))
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled})
	traced := trace.ContextWithSpanContext(e.ctx, sc)
	want := "00-01020300000000000000000000000000-0405060000000000-01"
	put := must(s.PutPolicySet(traced, "corp", []byte(`{}`), 0))(t)
	n := must(s.Network(e.ctx, "corp"))(t)
	if n.TraceParent != want || n.Revision != put.Revision {
		t.Fatalf("network after a traced change: revision %d trace %q, want %d %q", n.Revision, n.TraceParent, put.Revision, want)
	}
	if ns := must(s.Networks(e.ctx))(t); len(ns) != 1 || ns[0].TraceParent != want {
		t.Fatalf("Networks: %+v", ns)
	}
	must(s.PutPolicySet(e.ctx, "corp", []byte(`{}`), 0))(t)
	if n := must(s.Network(e.ctx, "corp"))(t); n.TraceParent != "" {
		t.Fatalf("an untraced change kept the trace %q", n.TraceParent)
	}
}

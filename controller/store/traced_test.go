package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// TestTraced: every call is a child span of the caller's, named after
// the method, with the network and site; an error marks it failed; the
// revision a traced change makes records that change's span; the
// optional interfaces are kept.
func TestTraced(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := store.Traced(raw)
	defer st.Close()
	if _, ok := st.(store.ConcurrentWriters); !ok {
		t.Fatal("ConcurrentWriters lost")
	}
	ctx, api := tracing.Start(ctx, "api")
	if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Site(ctx, "corp", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Site: %v", err)
	}
	api.End()
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans", len(spans))
	}
	create, site := spans[0], spans[1]
	if create.Name() != "store.CreateNetwork" || create.Parent().SpanID() != api.SpanContext().SpanID() {
		t.Fatalf("span %s parent %v", create.Name(), create.Parent())
	}
	if site.Name() != "store.Site" || site.Status().Code != codes.Error || !hasAttr(site, "patronus.site", "nope") || !hasAttr(site, "patronus.network", "corp") {
		t.Fatalf("span %s status %v attrs %v", site.Name(), site.Status(), site.Attributes())
	}
	n, err := raw.Network(context.Background(), "corp")
	if err != nil {
		t.Fatal(err)
	}
	if want := "00-" + create.SpanContext().TraceID().String() + "-" + create.SpanContext().SpanID().String() + "-01"; n.TraceParent != want {
		t.Fatalf("revision trace %q, want the store span's %q", n.TraceParent, want)
	}
}

func hasAttr(s sdktrace.ReadOnlySpan, k, v string) bool {
	for _, a := range s.Attributes() {
		if string(a.Key) == k && a.Value.AsString() == v {
			return true
		}
	}
	return false
}

// TestWithDeadlineKeepsInterfaces: the deadline wrapper keeps the
// optional interfaces, inside Traced too, and passes calls through.
func TestWithDeadlineKeepsInterfaces(t *testing.T) {
	ctx := context.Background()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := store.Traced(store.WithDeadline(raw, store.Deadlines{}))
	defer st.Close()
	if _, ok := st.(store.ConcurrentWriters); !ok {
		t.Fatal("ConcurrentWriters lost")
	}
	if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Site(ctx, "corp", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Site: %v", err)
	}
}

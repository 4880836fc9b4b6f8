package provider_test

import (
	"context"
	"testing"

	"github.com/patronus-sdwan/patronus/internal/tracing"
	"github.com/patronus-sdwan/patronus/internal/tracing/otlptest"
	"github.com/patronus-sdwan/patronus/internal/tracing/provider"
)

// BenchmarkSpan is the cost of one span as the controller makes them (a
// store call: two attributes, a child of the caller's span), with
// tracing off (the global no-op provider) and on (the OTLP/gRPC exporter
// to a receiver in this process, batch processor; the export is on the
// processor's goroutine, so its CPU counts when GOMAXPROCS is small).
//
//	go test -run '^$' -bench Span -benchmem ./internal/tracing/provider/
func BenchmarkSpan(b *testing.B) {
	b.Run("off", func(b *testing.B) {
		clearEnvB(b)
		benchSpans(b)
	})
	b.Run("on", func(b *testing.B) {
		clearEnvB(b)
		_, endpoint := otlptest.StartGRPC(b)
		b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
		b.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", provider.ProtocolGRPC)
		p, err := provider.Install(context.Background(), provider.Options{ServiceName: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		benchSpans(b)
		b.StopTimer()
		p.Shutdown(context.Background())
	})
}

func benchSpans(b *testing.B) {
	ctx, parent := tracing.Start(context.Background(), "parent")
	defer parent.End()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, span := tracing.Start(ctx, "store.RecordTelemetryBatches", tracing.AttrNetwork.String("corp"), tracing.AttrSite.String("branch1"))
		tracing.End(span, nil)
	}
}

package provider_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/patronus-sdwan/patronus/internal/tracing"
	"github.com/patronus-sdwan/patronus/internal/tracing/otlptest"
	"github.com/patronus-sdwan/patronus/internal/tracing/provider"
)

// clearEnv unsets every variable Install reads, and restores the no-op
// global provider when the test ends.
func clearEnv(t *testing.T) { clearEnvB(t) }

func clearEnvB(t testing.TB) {
	for _, v := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(v, "")
	}
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
}

// TestExportBothProtocols: with OTEL_EXPORTER_OTLP_ENDPOINT and each
// OTEL_EXPORTER_OTLP_PROTOCOL, spans reach a real OTLP receiver at
// Shutdown with the resource of OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES, their attributes, and their parentage.
func TestExportBothProtocols(t *testing.T) {
	for _, tc := range []struct {
		proto string
		start func(testing.TB) (*otlptest.Receiver, string)
	}{{provider.ProtocolGRPC, otlptest.StartGRPC}, {provider.ProtocolHTTP, otlptest.StartHTTP}} {
		t.Run(tc.proto, func(t *testing.T) {
			clearEnv(t)
			rcv, endpoint := tc.start(t)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tc.proto)
			t.Setenv("OTEL_SERVICE_NAME", "ctl-under-test")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=lab")
			p, err := provider.Install(context.Background(), provider.Options{ServiceName: "patronus-controller", Version: "v9"})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Enabled() {
				t.Fatal("not enabled with an endpoint")
			}
			ctx, parent := tracing.Start(context.Background(), "parent", tracing.AttrSite.String("paris"))
			_, child := tracing.Start(ctx, "child")
			child.End()
			parent.End()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			spans := rcv.Spans()
			if len(spans) != 2 {
				t.Fatalf("got %d spans, want 2:%s", len(spans), otlptest.Names(spans))
			}
			c, pa := spans[0], spans[1]
			if c.Name != "child" || pa.Name != "parent" || c.ParentID != pa.SpanID || c.TraceID != pa.TraceID || pa.ParentID != "" {
				t.Fatalf("parentage wrong:%s", otlptest.Names(spans))
			}
			if pa.Service != "ctl-under-test" || pa.Resource["deployment.environment"] != "lab" || pa.Resource["service.version"] != "v9" {
				t.Fatalf("resource %v", pa.Resource)
			}
			if pa.Attrs["patronus.site"] != "paris" {
				t.Fatalf("attributes %v", pa.Attrs)
			}
		})
	}
}

// TestOffWhenUnset: without an endpoint nothing is installed and spans
// are not recorded.
func TestOffWhenUnset(t *testing.T) {
	clearEnv(t)
	for _, env := range [][2]string{{}, {"OTEL_SDK_DISABLED", "true"}, {"OTEL_TRACES_EXPORTER", "none"}} {
		if env[0] != "" {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
			t.Setenv(env[0], env[1])
		}
		p, err := provider.Install(context.Background(), provider.Options{ServiceName: "x"})
		if err != nil || p.Enabled() {
			t.Fatalf("%v: enabled %v, err %v", env, p.Enabled(), err)
		}
		_, span := tracing.Start(context.Background(), "nothing")
		if span.IsRecording() {
			t.Fatalf("%v: a span is recorded with tracing off", env)
		}
		span.End()
	}
}

// TestStdout: --trace-stdout writes spans as JSON at Shutdown.
func TestStdout(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	p, err := provider.Install(context.Background(), provider.Options{ServiceName: "patronus-edge", Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tracing.Start(context.Background(), "configuration applied")
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Name":"configuration applied"`) || !strings.Contains(out.String(), "patronus-edge") {
		t.Fatalf("stdout: %s", out.String())
	}
}

// TestBadVariables: each bad value is refused, naming its variable.
func TestBadVariables(t *testing.T) {
	for _, tc := range [][3]string{
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{"OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER"},
		{"OTEL_TRACES_SAMPLER_ARG", "1.5", "OTEL_TRACES_SAMPLER_ARG"},
		{"OTEL_TRACES_EXPORTER", "zipkin", "OTEL_TRACES_EXPORTER"},
		{"OTEL_RESOURCE_ATTRIBUTES", "novalue", "OTEL_RESOURCE_ATTRIBUTES"},
	} {
		clearEnv(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
		if tc[0] == "OTEL_TRACES_SAMPLER_ARG" {
			t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
		}
		t.Setenv(tc[0], tc[1])
		p, err := provider.Install(context.Background(), provider.Options{ServiceName: "x"})
		if err == nil || !strings.Contains(err.Error(), tc[2]) {
			t.Errorf("%s=%s: err %v, want one naming %s", tc[0], tc[1], err, tc[2])
		}
		if p.Enabled() {
			t.Errorf("%s=%s: enabled after an error", tc[0], tc[1])
		}
	}
}

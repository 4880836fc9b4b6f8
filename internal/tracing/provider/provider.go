// Package provider installs the process's OpenTelemetry tracer provider
// from the standard OTEL_* variables, or none: with no exporter
// configured, tracing stays off and the global provider is OpenTelemetry's
// no-op one (no span is recorded, nothing is allocated for it).
//
// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, or when Options.Stdout is
// given (the daemons' --trace-stdout, for development). Read here:
//
//	OTEL_SDK_DISABLED                  "true": off, whatever else is set
//	OTEL_TRACES_EXPORTER               "otlp" (default) or "none"
//	OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
//	OTEL_EXPORTER_OTLP_PROTOCOL        "grpc" or "http/protobuf" (default, as the specification says)
//	OTEL_TRACES_SAMPLER(+_ARG)         always_on, always_off, traceidratio, parentbased_always_on (default),
//	                                   parentbased_always_off, parentbased_traceidratio; ARG a ratio in [0, 1]
//	OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES  the resource (service.name defaults to Options.ServiceName)
//
// The endpoint, headers, timeout, compression and TLS variables
// (OTEL_EXPORTER_OTLP_*) are read by OpenTelemetry's OTLP exporters
// themselves, as the specification defines them.
package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Protocols of OTEL_EXPORTER_OTLP_PROTOCOL.
const (
	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http/protobuf"
)

// Options configure Install.
type Options struct {
	// ServiceName is service.name unless OTEL_SERVICE_NAME or
	// OTEL_RESOURCE_ATTRIBUTES set it ("patronus-controller").
	ServiceName string
	// Version is service.version ("" leaves it out).
	Version string
	// Stdout, when set, receives every span as JSON (development); with
	// an OTLP endpoint too, spans go to both.
	Stdout io.Writer
	// Log receives exporter errors; nil: slog.Default().
	Log *slog.Logger
}

// Provider is the installed tracer provider; Shutdown flushes it.
type Provider struct {
	tp *sdktrace.TracerProvider // nil: tracing is off
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool { return p.tp != nil }

// Shutdown exports the spans still buffered and stops the exporters,
// within ctx. Idempotent; nothing to do when tracing is off.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.tp == nil {
		return nil
	}
	return p.tp.Shutdown(ctx)
}

// TracerProvider is the provider; OpenTelemetry's no-op one when off.
func (p *Provider) TracerProvider() trace.TracerProvider {
	if p.tp == nil {
		return noop.NewTracerProvider()
	}
	return p.tp
}

// Install reads the OTEL_* variables and, when they (or opts.Stdout) ask
// for an exporter, installs a tracer provider and the W3C Trace Context
// propagator as OpenTelemetry's globals. Errors name the variable.
func Install(ctx context.Context, opts Options) (*Provider, error) {
	p, err := New(ctx, opts)
	if err != nil || !p.Enabled() {
		return p, err
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing: export failed", "err", err) }))
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return p, nil
}

// New is Install without touching the globals: a provider for one part
// of a process (tests run a controller and edges in one).
func New(ctx context.Context, opts Options) (*Provider, error) {
	exporters, err := newExporters(ctx, opts.Stdout)
	if err != nil || len(exporters) == 0 {
		return &Provider{}, err
	}
	sampler, err := samplerFromEnv()
	if err != nil {
		return &Provider{}, err
	}
	res, err := newResource(ctx, opts)
	if err != nil {
		return &Provider{}, err
	}
	popts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sampler)}
	for _, e := range exporters {
		popts = append(popts, sdktrace.WithBatcher(e))
	}
	return &Provider{tp: sdktrace.NewTracerProvider(popts...)}, nil
}

// enabledOTLP reports whether the variables ask for the OTLP exporter.
func enabledOTLP() (bool, error) {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	switch exp := strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")); exp {
	case "", "otlp":
	case "none":
		return false, nil
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER: %q: want otlp or none", exp)
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
}

func newExporters(ctx context.Context, stdout io.Writer) ([]sdktrace.SpanExporter, error) {
	var out []sdktrace.SpanExporter
	if stdout != nil {
		e, err := stdouttrace.New(stdouttrace.WithWriter(stdout))
		if err != nil {
			return nil, fmt.Errorf("--trace-stdout: %w", err)
		}
		out = append(out, e)
	}
	on, err := enabledOTLP()
	if err != nil || !on {
		return out, err
	}
	proto, name := protocol()
	var e sdktrace.SpanExporter
	switch proto {
	case ProtocolGRPC:
		e, err = otlptracegrpc.New(ctx)
	case ProtocolHTTP:
		e, err = otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("%s: %q: want %s or %s", name, proto, ProtocolGRPC, ProtocolHTTP)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter (%s): %w", proto, err)
	}
	return append(out, e), nil
}

// protocol is the OTLP protocol and the variable that set it.
func protocol() (proto, variable string) {
	for _, v := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(os.Getenv(v)); p != "" {
			return p, v
		}
	}
	return ProtocolHTTP, "OTEL_EXPORTER_OTLP_PROTOCOL"
}

// newResource: service.name and service.version, overridden by
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
func newResource(ctx context.Context, opts Options) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{attribute.String("service.name", opts.ServiceName)}
	if opts.Version != "" {
		attrs = append(attrs, attribute.String("service.version", opts.Version))
	}
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	return res, nil
}

// samplerFromEnv is the sampler OTEL_TRACES_SAMPLER and its ARG name.
func samplerFromEnv() (sdktrace.Sampler, error) {
	name := strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER"))
	ratio := func() (float64, error) {
		arg := strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER_ARG"))
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q: want a ratio from 0 to 1", arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		if name == "traceidratio" {
			return sdktrace.TraceIDRatioBased(r), nil
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return nil, errors.New("OTEL_TRACES_SAMPLER: " + strconv.Quote(name) +
		": want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
}

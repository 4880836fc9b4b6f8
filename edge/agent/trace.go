package agent

import (
	"context"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// The agent's spans (docs/OBSERVABILITY.md, Traces):
//
//	edge.enrol         the enrolment (its Enroll call is a child when Options.Tracing)
//	edge.config.apply  a configuration validated and applied, a child of the
//	                   controller's push span (EdgeConfig.trace_parent): one
//	                   trace from the API call to every edge
//	edge.steering      a telemetry batch's steering events as span events,
//	                   linked to the span that applied the configuration in force
//
// None is per packet: configurations are rare, and steering events are
// damped by the steering rules and batched once per telemetry interval.

// traceDialOption adds OpenTelemetry's gRPC client handler when tracing.
func (o *Options) traceDialOptions() []grpc.DialOption {
	if !o.Tracing {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(o.TracerProvider),
		otelgrpc.WithPropagators(propagation.TraceContext{})))}
}

// startApply starts the span of applying cfg from source ("controller",
// "saved"); a controller's configuration continues the trace it carries.
func (a *Agent) startApply(cfg *pb.EdgeConfig, source string) (context.Context, trace.Span) {
	ctx := context.Background()
	if source == "controller" {
		ctx = tracing.WithRemoteParent(ctx, cfg.GetTraceParent())
	}
	return a.tracer.Start(ctx, "edge.config.apply", trace.WithAttributes(tracing.AttrSite.String(cfg.GetSite().GetName()),
		tracing.AttrRevision.Int64(int64(cfg.GetRevision())), tracing.AttrSource.String(source)))
}

// traceSteering records a batch's steering events on one span linked to
// the configuration in force. Nothing is done for a batch without them.
func (a *Agent) traceSteering(t *pb.Telemetry) {
	if len(t.GetSteeringEvents()) == 0 {
		return
	}
	a.mu.Lock()
	applied, site := a.appliedSpan, a.current.GetSite().GetName()
	a.mu.Unlock()
	opts := []trace.SpanStartOption{trace.WithAttributes(tracing.AttrSite.String(site), attribute.Int("patronus.steering.events", len(t.SteeringEvents)))}
	if applied.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: applied}))
	}
	_, span := a.tracer.Start(context.Background(), "edge.steering", opts...)
	defer span.End()
	if !span.IsRecording() {
		return
	}
	for _, ev := range t.SteeringEvents {
		span.AddEvent(steeringKind(ev.GetKind()), trace.WithTimestamp(ev.GetAt().AsTime()), trace.WithAttributes(
			tracing.AttrPath.String(ev.GetPathId()), attribute.String("patronus.steering.reason", ev.GetReason()),
			attribute.String("patronus.steering.policy", ev.GetPolicy()), attribute.Int64("patronus.steering.flows_moved", int64(ev.GetFlowsMoved())),
			attribute.StringSlice("patronus.steering.from", ev.GetFromPathIds()), attribute.StringSlice("patronus.steering.to", ev.GetToPathIds())))
	}
}

// steeringKind is the event's name: "path_state", "decision", ….
func steeringKind(k pb.SteeringEventKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "STEERING_EVENT_KIND_"))
}

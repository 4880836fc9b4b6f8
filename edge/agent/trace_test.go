package agent

import (
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// The configuration a controller pushes is applied in an
// edge.config.apply span that is the child of the push span named by
// trace_parent; a telemetry batch's steering events become span events
// of one edge.steering span linked to it.
func TestApplySpanJoinsTheControllersTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(t.Context())
	ctl, dir := enrolled(t)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TracerProvider = tp
	opts.TelemetryInterval = 10 * time.Millisecond
	var sent atomic.Bool
	var a *Agent // set before Run, which calls Telemetry
	opts.Telemetry = func() *pb.Telemetry {
		if sent.Load() || a.Revision() == 0 { // after the configuration is applied
			return nil
		}
		sent.Store(true)
		at := timestamppb.Now()
		return &pb.Telemetry{SteeringEvents: []*pb.SteeringEvent{
			{At: at, Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE, PathId: "branch-1/fibre->hq/fibre", Reason: "bfd down"},
			{At: at, Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION, PathId: "branch-1/lte->hq/fibre", Policy: "erp", FlowsMoved: 3,
				FromPathIds: []string{"branch-1/fibre->hq/fibre"}, ToPathIds: []string{"branch-1/lte->hq/fibre"}},
		}}
	}
	a = newAgent(t, opts)
	cfg := siteConfig(5)
	cfg.TraceParent = "00-0102030405060708090a0b0c0d0e0f10-1112131415161718-01"
	ctl.push(cfg)
	run(t, a)
	e.next(t)
	var apply, steering sdktrace.ReadOnlySpan
	eventually(t, "the apply and steering spans", func() bool {
		for _, s := range rec.Ended() {
			switch s.Name() {
			case "edge.config.apply":
				apply = s
			case "edge.steering":
				steering = s
			}
		}
		return apply != nil && steering != nil
	})
	if apply.SpanContext().TraceID().String() != "0102030405060708090a0b0c0d0e0f10" || apply.Parent().SpanID().String() != "1112131415161718" ||
		!apply.Parent().IsRemote() {
		t.Fatalf("apply span %v, parent %v", apply.SpanContext(), apply.Parent())
	}
	attrs := map[string]string{}
	for _, kv := range apply.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if attrs["patronus.site"] != "branch-1" || attrs["patronus.revision"] != "5" || attrs["patronus.config.source"] != "controller" {
		t.Fatalf("apply attributes %v", attrs)
	}
	ev := steering.Events()
	if len(ev) != 2 || ev[0].Name != "path_state" || ev[1].Name != "decision" || len(steering.Links()) != 1 ||
		steering.Links()[0].SpanContext.SpanID() != apply.SpanContext().SpanID() {
		t.Fatalf("steering span: events %v, links %v", ev, steering.Links())
	}
}

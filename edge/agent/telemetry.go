package agent

import (
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// TelemetryBuilder makes the telemetry an edge sends (Options.Telemetry
// and Options.UrgentTelemetry) from the data plane's status: each path's
// sample and counters, and the steering events not sent yet. It
// remembers what it sent; its methods are called from one goroutine (the
// agent's report loop).
type TelemetryBuilder struct {
	since     map[string]pathSince // each path's counters' start
	lastEvent time.Time            // the newest steering event sent
	sent      map[string]sentState // each path's states as last sent

	// FlowWindow is the length of the flow summaries' windows
	// (DefaultFlowWindow); set it before the first FlowSummaries.
	FlowWindow time.Duration
	flowStart  time.Time // the current window's start; zero before the first FlowSummaries

	// CurrentFlowsWindow is how often CurrentFlows sends
	// (DefaultCurrentFlowsWindow); set it before the first call.
	CurrentFlowsWindow time.Duration
	curStart           time.Time              // the current window's start; zero before the first CurrentFlows
	curSeen            map[flowKey]flowCounts // each listed flow's counters at curStart
}

// DefaultFlowWindow is how long a window of flow summaries is: one row
// per application and path with traffic in the store every window.
const DefaultFlowWindow = 30 * time.Second

// FlowSummaries are the flow summaries of the window that ended, when
// FlowWindow has passed since it started, and nil otherwise. take is the
// data plane's TakeAppTraffic: what was sent since it was last called.
// The first call starts the first window and drops what was sent before
// (its start is unknown).
func (b *TelemetryBuilder) FlowSummaries(now time.Time, take func() []localapi.AppTraffic) []*pb.FlowSummary {
	win := b.FlowWindow
	if win <= 0 {
		win = DefaultFlowWindow
	}
	if b.flowStart.IsZero() {
		take()
		b.flowStart = now
		return nil
	}
	if now.Sub(b.flowStart) < win {
		return nil
	}
	start := timestamppb.New(b.flowStart)
	b.flowStart = now
	var out []*pb.FlowSummary
	for _, a := range take() {
		out = append(out, &pb.FlowSummary{WindowStart: start, Application: a.App, PathId: a.Path,
			Flows: uint64(a.Flows), TxBytes: a.TxBytes, RxBytes: a.RxBytes})
	}
	return out
}

// pathSince is when a path's counters were last zero, and its packet
// count then, to see a reset (a path restarted by a reconfiguration).
type pathSince struct {
	at      time.Time
	packets uint64
}

// sentState is a path's state and BFD state as last reported.
type sentState struct{ state, bfd, transport string }

// NewTelemetryBuilder returns a builder that has sent nothing.
func NewTelemetryBuilder() *TelemetryBuilder {
	return &TelemetryBuilder{since: map[string]pathSince{}, sent: map[string]sentState{}}
}

// Batch is the periodic batch of st at now: every path's sample and
// counters, and the steering events since the last batch.
func (b *TelemetryBuilder) Batch(st localapi.Status, now time.Time) *pb.Telemetry {
	t := &pb.Telemetry{PathSamples: b.samples(st.Paths, now, false), SteeringEvents: b.steeringEvents(st.Events)}
	for _, p := range st.Paths {
		s, ok := b.since[p.ID]
		if n := p.TxPackets + p.RxPackets; !ok || n < s.packets {
			s.at = now
		}
		s.packets = p.TxPackets + p.RxPackets
		b.since[p.ID] = s
		c := p.Compression
		t.PathCounters = append(t.PathCounters, &pb.PathCounters{
			PathId: p.ID, CountersSince: timestamppb.New(s.at),
			TxBytes: p.TxBytes, RxBytes: p.RxBytes, TxPackets: p.TxPackets, RxPackets: p.RxPackets,
			CompressOfferedPackets: c.Packets, CompressedPackets: c.Compressed,
			CompressInBytes: c.BytesIn, CompressOutBytes: c.BytesOut,
			DecompressErrors: p.ShimDrops["decompress_failed"],
		})
	}
	return t
}

// Urgent is the batch sent at once when a path's state changed: the
// samples of the paths whose state or BFD state differs from the last
// batch, and the steering events since; nil when there are none. paths
// and events are the data plane's PathStates.
func (b *TelemetryBuilder) Urgent(paths []localapi.PathStatus, events []steer.Event, now time.Time) *pb.Telemetry {
	t := &pb.Telemetry{PathSamples: b.samples(paths, now, true), SteeringEvents: b.steeringEvents(events)}
	if len(t.PathSamples) == 0 && len(t.SteeringEvents) == 0 {
		return nil
	}
	return t
}

// samples are the paths' samples (only those whose states changed since
// the last batch, if onlyChanged); it remembers the states sent.
func (b *TelemetryBuilder) samples(paths []localapi.PathStatus, now time.Time, onlyChanged bool) []*pb.PathSample {
	var out []*pb.PathSample
	if !onlyChanged {
		clear(b.sent) // paths that are gone are forgotten
	}
	for _, p := range paths {
		s := sentState{state: p.State, bfd: p.BFDState, transport: p.Transport}
		if onlyChanged && b.sent[p.ID] == s {
			continue
		}
		b.sent[p.ID] = s
		ps := &pb.PathSample{PathId: p.ID, MeasuredAt: timestamppb.New(now), State: pathStates[p.State],
			BfdState: bfdStates[p.BFDState], Score: p.Score, Suppressed: p.Suppressed, ActiveFlows: uint32(p.ActiveFlows),
			Transport: transports[p.Transport]}
		if p.LatencyMS != nil {
			ps.MetricsValid, ps.LatencyMs, ps.JitterMs, ps.LossPct = true, *p.LatencyMS, *p.JitterMS, *p.LossPct
		}
		out = append(out, ps)
	}
	return out
}

// steeringEvents are the events newer than the last sent.
func (b *TelemetryBuilder) steeringEvents(events []steer.Event) []*pb.SteeringEvent {
	var out []*pb.SteeringEvent
	for _, ev := range events {
		if !ev.Time.After(b.lastEvent) {
			continue
		}
		b.lastEvent = ev.Time
		out = append(out, &pb.SteeringEvent{At: timestamppb.New(ev.Time), PathId: ev.PathID,
			Kind: eventKinds[ev.Kind], Reason: ev.Reason, FlowsMoved: uint32(ev.FlowsMoved), SiteId: uint32(ev.Site),
			Policy: ev.Policy, FromPathIds: splitIDs(ev.From), ToPathIds: splitIDs(ev.To)})
	}
	return out
}

var (
	pathStates = map[string]pb.PathState{"up": pb.PathState_PATH_STATE_UP, "degraded": pb.PathState_PATH_STATE_DEGRADED,
		"down": pb.PathState_PATH_STATE_DOWN}
	// transports by localapi name (localapi.TransportDirect…).
	transports = map[string]pb.PathTransport{localapi.TransportDirect: pb.PathTransport_PATH_TRANSPORT_DIRECT,
		localapi.TransportRelayed: pb.PathTransport_PATH_TRANSPORT_RELAYED}
	bfdStates = map[string]pb.BfdState{"up": pb.BfdState_BFD_STATE_UP, "init": pb.BfdState_BFD_STATE_INIT,
		"down": pb.BfdState_BFD_STATE_DOWN, "admin_down": pb.BfdState_BFD_STATE_ADMIN_DOWN}
	eventKinds = map[steer.Kind]pb.SteeringEventKind{steer.PathState: pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE,
		steer.FlapSuppressed: pb.SteeringEventKind_STEERING_EVENT_KIND_FLAP_SUPPRESSED,
		steer.FlapReused:     pb.SteeringEventKind_STEERING_EVENT_KIND_FLAP_REUSED,
		steer.Decision:       pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION}
)

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/label"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

type edgeControl struct {
	pb.UnimplementedEdgeControlServer
	s *Server
}

// errRevoked ends the streams of a revoked site or certificate.
func errRevoked(site siteEntry) error {
	return status.Errorf(codes.PermissionDenied, "site %q (id %d) or its certificate was revoked", site.Name, site.ID)
}

// WatchConfig sends the caller's configuration now (unless it runs that
// revision) and again whenever it changes, until the caller goes, the
// server stops, or the site is revoked.
func (e *edgeControl) WatchConfig(req *pb.WatchConfigRequest, stream pb.EdgeControl_WatchConfigServer) error {
	s := e.s
	c := callerOf(stream.Context())
	site := c.Site
	wake, cancel := s.reg.subscribe(site.NetID)
	defer cancel()
	defer s.pub.streamOpened(site)()
	ctx := stream.Context()
	var last *pb.EdgeConfig
	lastRev := req.LastRevision
	for {
		snap, err := s.snaps.get(ctx, site.Network)
		if err != nil {
			if ctx.Err() != nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			return storeStatus(err)
		}
		cfg, ok := edgeConfig(snap, site.ID, s.now())
		if ok {
			addRelay(cfg, s.cfg.Relay, snap.NAT[site.Name])
			cfg.NatTraversal = s.cfg.NAT.natTraversal()
		}
		if !ok || !s.reg.accepts(site, c.Serial) {
			s.log.Info("config stream cut: site revoked", "network", site.Network, "site", site.Name)
			return errRevoked(site)
		}
		if cfg.Revision != lastRev && !sameConfig(cfg, last) {
			cfg.ControllerTime = timestamppb.New(time.Now()) // the real clock, even under a test's s.now: edges read punch_at against it
			if size := proto.Size(cfg); size > maxEdgeConfig {
				// Sent, it would be refused by the edge, which would
				// reconnect and be sent it again, forever. Say so here,
				// loudly, once per revision; the edge keeps what it has.
				s.log.Error("configuration too large to send: the site keeps its last one",
					"network", site.Network, "site", site.Name, "revision", cfg.Revision, "bytes", size, "limit", maxEdgeConfig)
				s.event(ctx, site.Network, site.Name, "config_too_large",
					fmt.Sprintf("revision %d is %d bytes, more than %d: not sent", cfg.Revision, size, maxEdgeConfig))
				lastRev = cfg.Revision
			} else {
				if err := pushConfig(stream, site, snap.Network, cfg); err != nil {
					return err
				}
				last, lastRev = cfg, cfg.Revision
			}
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.ctx.Done():
			return status.Error(codes.Unavailable, "controller shutting down")
		}
	}
}

// pushConfig sends cfg in a span of the trace of the change that made
// its revision (store.Network.TraceParent; a new trace when that was not
// traced), and sends the span's traceparent with it (trace_parent) so
// that the edge's "configuration applied" span is its child. The span
// is per site and revision, never per telemetry message.
func pushConfig(stream pb.EdgeControl_WatchConfigServer, site siteEntry, n store.Network, cfg *pb.EdgeConfig) error {
	ctx := tracing.WithRemoteParent(context.Background(), n.TraceParent)
	ctx, span := tracing.Start(ctx, "controller.config.push", tracing.AttrNetwork.String(site.Network),
		tracing.AttrSite.String(site.Name), tracing.AttrRevision.Int64(int64(cfg.Revision)))
	cfg.TraceParent = tracing.TraceParent(ctx)
	err := stream.Send(cfg)
	tracing.End(span, err)
	return err
}

// Report stores each telemetry batch, publishes what it says (live
// events) and acks it. A batch already stored
// (sent again after a lost ack) is acked without being stored twice.
func (e *edgeControl) Report(stream pb.EdgeControl_ReportServer) error {
	s := e.s
	c := callerOf(stream.Context())
	site := c.Site
	wake, cancel := s.reg.subscribe(site.NetID)
	defer cancel()
	defer s.pub.streamOpened(site)()
	ctx := stream.Context()
	batches := make(chan *pb.Telemetry)
	recvErr := make(chan error, 1)
	go func() {
		for {
			t, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case batches <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case t := <-batches:
			b, err := telemetryBatch(site.Name, t, s.now())
			if err != nil {
				return status.Errorf(codes.InvalidArgument, "telemetry sequence %d: %v", t.Sequence, err)
			}
			stored, err := s.ingest.record(ctx, site.Network, b)
			if err != nil {
				return storeStatus(err)
			}
			if stored { // a batch sent again is not announced again
				s.pub.telemetry(site, t, b.SeenAt)
				if err := s.learned(ctx, site.Network, site.Name, t.LearnedPrefixes); err != nil {
					return err
				}
				s.bgpEvents(ctx, site.Network, site.Name, t.BgpEvents)
				if err := s.natObserved(ctx, site.Network, site.Name, t.NatObservations); err != nil {
					return err
				}
				if err := s.bgpStatus(ctx, site.Network, site.Name, t.BgpStatus, b.SeenAt); err != nil {
					return err
				}
			}
			if err := stream.Send(&pb.ReportAck{BootId: t.BootId, AckedSequence: t.Sequence}); err != nil {
				return err
			}
		case err := <-recvErr:
			if err == io.EOF {
				return nil
			}
			return err
		case <-wake:
			if !s.reg.accepts(site, c.Serial) {
				return errRevoked(site)
			}
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.ctx.Done():
			return status.Error(codes.Unavailable, "controller shutting down")
		}
	}
}

// Telemetry bounds. A batch is refused (naming the field) past them: the
// edge drops a refused batch and goes on with the next.
const (
	// maxTelemetryEntries bounds each list of a batch.
	maxTelemetryEntries = 65536
	// maxReasonLen, maxNameLen bound free text and names.
	maxReasonLen = 1024
	maxNameLen   = 64
	// A timestamp is clamped to [now − maxTelemetryAge, now +
	// maxTelemetryLead] of the controller's clock: an edge keeps 300
	// batches (5 minutes) unacknowledged, and a clock further ahead than
	// a minute is wrong.
	maxTelemetryAge  = time.Hour
	maxTelemetryLead = time.Minute
)

// telemetryBatch converts a batch from site; errors name the field. Every
// path must have site as its local end (an edge reports its own paths
// only), names follow the label rule, strings and lists are bounded and
// timestamps clamped to the controller's clock.
func telemetryBatch(site string, t *pb.Telemetry, now time.Time) (store.TelemetryBatch, error) {
	if len(t.BootId) == 0 || len(t.BootId) > 32 {
		return store.TelemetryBatch{}, fmt.Errorf("boot_id: %d bytes, want 1 to 32", len(t.BootId))
	}
	if t.Sequence == 0 || t.Sequence > 1<<62 {
		return store.TelemetryBatch{}, fmt.Errorf("sequence: %d: must be 1 or more", t.Sequence)
	}
	for field, n := range map[string]int{"path_samples": len(t.PathSamples), "steering_events": len(t.SteeringEvents),
		"flow_summaries": len(t.FlowSummaries), "path_counters": len(t.PathCounters)} {
		if n > maxTelemetryEntries {
			return store.TelemetryBatch{}, fmt.Errorf("%s: %d entries, at most %d", field, n, maxTelemetryEntries)
		}
	}
	clamp := func(ts *timestamppb.Timestamp) time.Time { return clampTime(timeOr(ts, now), now) }
	var err error
	b := store.TelemetryBatch{Site: site, BootID: hex.EncodeToString(t.BootId), Sequence: int64(t.Sequence), SeenAt: now}
	for i, p := range t.PathSamples {
		st, ok := pathStates[p.State]
		if !ok {
			return b, fmt.Errorf("path_samples[%d].state: %v is not down, degraded or up", i, p.State)
		}
		path, err := reportedPath(site, p.PathId)
		if err != nil {
			return b, fmt.Errorf("path_samples[%d].path_id: %v", i, err)
		}
		if p.LatencyMs < 0 || p.JitterMs < 0 || !(p.LossPct >= 0 && p.LossPct <= 100) {
			return b, fmt.Errorf("path_samples[%d]: latency_ms, jitter_ms must be >= 0 and loss_pct in 0..100", i)
		}
		b.Samples = append(b.Samples, store.PathSample{
			Path: path, TS: clamp(p.MeasuredAt), State: st,
			Latency: msDuration(p.LatencyMs), Jitter: msDuration(p.JitterMs), LossPct: p.LossPct,
		})
	}
	for i, ev := range t.SteeringEvents {
		kind, ok := eventKinds[ev.Kind]
		if !ok {
			return b, fmt.Errorf("steering_events[%d].kind: %v is not a known kind", i, ev.Kind)
		}
		path := ""
		if ev.PathId != "" {
			if path, err = reportedPath(site, ev.PathId); err != nil {
				return b, fmt.Errorf("steering_events[%d].path_id: %v", i, err)
			}
		}
		if err := checkEventText(ev); err != nil {
			return b, fmt.Errorf("steering_events[%d].%v", i, err)
		}
		reason := ev.Reason
		if ev.Policy != "" {
			reason = fmt.Sprintf("%s (policy %s: %v → %v)", reason, ev.Policy, ev.FromPathIds, ev.ToPathIds)
		}
		b.Events = append(b.Events, store.Event{TS: clamp(ev.At), Site: site, Path: path, Kind: kind,
			Reason: reason, FlowsMoved: int64(ev.FlowsMoved)})
	}
	for i, f := range t.FlowSummaries {
		path, err := reportedPath(site, f.PathId)
		if err != nil {
			return b, fmt.Errorf("flow_summaries[%d].path_id: %v", i, err)
		}
		if len(f.Application) > maxNameLen || !utf8.ValidString(f.Application) {
			return b, fmt.Errorf("flow_summaries[%d].application: longer than %d bytes or not UTF-8", i, maxNameLen)
		}
		if f.Flows > 1<<62 || f.TxBytes > 1<<62 || f.RxBytes > 1<<62 {
			return b, fmt.Errorf("flow_summaries[%d]: counter out of range", i)
		}
		b.Flows = append(b.Flows, store.FlowSummary{TS: clamp(f.WindowStart), Site: site,
			Application: f.Application, Path: path, Flows: int64(f.Flows), BytesTx: int64(f.TxBytes), BytesRx: int64(f.RxBytes)})
	}
	if err := checkCurrentFlows(site, t.CurrentFlows); err != nil {
		return b, err
	}
	for i, c := range t.PathCounters {
		path, err := reportedPath(site, c.PathId)
		if err != nil {
			return b, fmt.Errorf("path_counters[%d].path_id: %v", i, err)
		}
		vals := []uint64{c.TxBytes, c.RxBytes, c.TxPackets, c.RxPackets, c.CompressOfferedPackets, c.CompressedPackets,
			c.CompressInBytes, c.CompressOutBytes, c.DecompressErrors}
		if slices.ContainsFunc(vals, func(v uint64) bool { return v > 1<<62 }) {
			return b, fmt.Errorf("path_counters[%d]: counter out of range", i)
		}
		b.Counters = append(b.Counters, store.PathCounters{TS: clamp(t.SentAt), Since: clamp(c.CountersSince),
			Site: site, Path: path, TxBytes: int64(c.TxBytes), RxBytes: int64(c.RxBytes), TxPackets: int64(c.TxPackets),
			RxPackets: int64(c.RxPackets), CompressOffered: int64(c.CompressOfferedPackets), Compressed: int64(c.CompressedPackets),
			CompressInBytes: int64(c.CompressInBytes), CompressOutBytes: int64(c.CompressOutBytes), DecompressErrors: int64(c.DecompressErrors)})
	}
	return b, nil
}

// checkEventText bounds a steering event's free text and names; the
// error starts with the field.
func checkEventText(ev *pb.SteeringEvent) error {
	switch {
	case len(ev.Reason) > maxReasonLen || !utf8.ValidString(ev.Reason):
		return fmt.Errorf("reason: longer than %d bytes or not UTF-8", maxReasonLen)
	case len(ev.Policy) > maxNameLen || !utf8.ValidString(ev.Policy):
		return fmt.Errorf("policy: longer than %d bytes or not UTF-8", maxNameLen)
	case len(ev.FromPathIds) > maxNameLen || len(ev.ToPathIds) > maxNameLen:
		return fmt.Errorf("from_path_ids, to_path_ids: more than %d each", maxNameLen)
	}
	for _, id := range slices.Concat(ev.FromPathIds, ev.ToPathIds) {
		if _, err := canonicalPath(id); err != nil {
			return fmt.Errorf("from_path_ids, to_path_ids: %v", err)
		}
	}
	return nil
}

// clampTime keeps ts within [now − maxTelemetryAge, now + maxTelemetryLead].
func clampTime(ts, now time.Time) time.Time {
	if lo := now.Add(-maxTelemetryAge); ts.Before(lo) {
		return lo
	}
	if hi := now.Add(maxTelemetryLead); ts.After(hi) {
		return hi
	}
	return ts
}

// timeOr is ts, or now when the edge left it unset.
func timeOr(ts *timestamppb.Timestamp, now time.Time) time.Time {
	if ts == nil {
		return now
	}
	return ts.AsTime()
}

// reportedPath is canonicalPath of a path reported by site, which must be
// its local end.
func reportedPath(site, id string) (string, error) {
	path, err := canonicalPath(id)
	if err != nil {
		return "", err
	}
	if local, _, _ := strings.Cut(id, "/"); local != site {
		return "", fmt.Errorf("%q: site %q reports only its own paths (%s/LINK->…)", id, site, site)
	}
	return path, nil
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

var pathStates = map[pb.PathState]store.PathState{
	pb.PathState_PATH_STATE_UP: store.PathUp, pb.PathState_PATH_STATE_DEGRADED: store.PathDegraded, pb.PathState_PATH_STATE_DOWN: store.PathDown,
}

var eventKinds = map[pb.SteeringEventKind]string{
	pb.SteeringEventKind_STEERING_EVENT_KIND_PATH_STATE:      "path_state",
	pb.SteeringEventKind_STEERING_EVENT_KIND_FLAP_SUPPRESSED: "flap_suppressed",
	pb.SteeringEventKind_STEERING_EVENT_KIND_FLAP_REUSED:     "flap_reused",
	pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION:        "decision",
}

// canonicalPath turns an edge's directional path id
// ("local-site/local-link->remote-site/remote-link", telemetry.proto) into
// the store's and Admin's name of the path ("a/link~b/link", a < b), so
// that both ends' reports of one path are stored under one name.
func canonicalPath(id string) (string, error) {
	local, remote, ok := strings.Cut(id, "->")
	ls, ll, ok1 := strings.Cut(local, "/")
	rs, rl, ok2 := strings.Cut(remote, "/")
	if !ok || !ok1 || !ok2 || strings.Contains(remote, "->") {
		return "", fmt.Errorf("%q is not SITE/LINK->SITE/LINK", id)
	}
	for _, name := range []string{ls, ll, rs, rl} {
		if problem := label.Check(name); problem != "" {
			return "", fmt.Errorf("%.80q is not SITE/LINK->SITE/LINK: %s", id, problem)
		}
	}
	if rs < ls {
		ls, ll, rs, rl = rs, rl, ls, ll
	}
	return store.PathName(ls, ll, rs, rl), nil
}

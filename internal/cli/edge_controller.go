package cli

import (
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/agent"
	"github.com/patronus-sdwan/patronus/edge/bgp"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// JoinTokenEnv holds the join token when --join-token is not given: an
// environment variable does not show in the process list.
const JoinTokenEnv = "PATRONUS_JOIN_TOKEN"

// addControllerMode gives patronus edge its controller mode: with
// --controller the configuration comes from the controller (edge/agent)
// instead of --config. Without --controller the command runs as before.
func addControllerMode(c *cobra.Command) {
	var addr, token, stateDir string
	c.Flags().StringVar(&addr, "controller", "", "controller mode: the controller's HOST:PORT (HOST as in its server certificate); replaces --config")
	c.Flags().StringVar(&token, "join-token", "", "join token for the first start (or $"+JoinTokenEnv+"); not needed once enrolled")
	c.Flags().StringVar(&stateDir, "state-dir", agent.DefaultStateDir, "controller mode: identity, WireGuard key and last configuration")
	static := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if addr == "" {
			if token != "" {
				return errors.New("--join-token: needs --controller")
			}
			return static(cmd, args)
		}
		if cmd.Flags().Changed("config") {
			return errors.New("--config and --controller: give one (a static configuration file, or a controller)")
		}
		if token == "" {
			token = os.Getenv(JoinTokenEnv)
		}
		sock, err := cmd.Flags().GetString("control-socket")
		if err != nil {
			return err
		}
		metricsAddr, err := cmd.Flags().GetString("metrics-listen")
		if err != nil {
			return err
		}
		return runControlled(cmd, agent.Options{Controller: addr, JoinToken: token, StateDir: stateDir}, sock, metricsAddr)
	}
}

// runControlled runs the edge on the controller's configuration until
// SIGINT or SIGTERM. The data plane starts with the first valid
// configuration: the one saved by the last run, or the controller's.
func runControlled(cmd *cobra.Command, opts agent.Options, sock, metricsAddr string) error {
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	signal.Ignore(syscall.SIGHUP) // the controller owns the configuration
	e := &controlledEdge{log: log, sock: sock, metricsAddr: metricsAddr, since: map[string]pathSince{},
		sent: map[string]sentState{}, changed: make(chan struct{}, 1), bgp: &edgeBGP{log: log}}
	e.bgp.onLearned, e.bgp.onEvent = e.setLearned, e.bgpEvent
	defer e.close()
	opts.Apply, opts.Telemetry, opts.Log = e.apply, e.telemetry, log
	opts.Urgent, opts.UrgentTelemetry = e.changed, e.urgentTelemetry
	a, err := agent.New(ctx, opts)
	if err != nil {
		return err
	}
	log.Info("edge in controller mode", "identity", a.Identity(), "controller", opts.Controller, "state_dir", opts.StateDir)
	return a.Run(ctx)
}

// controlledEdge is the data plane driven by the agent.
type controlledEdge struct {
	log         *slog.Logger
	sock        string
	metricsAddr string

	mu       sync.Mutex
	dp       *dataplane.Dataplane // guarded by mu; nil before the first configuration
	stopSock func()               // guarded by mu
	bgp      *edgeBGP             // the BGP speaker, with the data plane

	since     map[string]pathSince // used by telemetry only (one goroutine)
	lastEvent time.Time            // telemetry: the newest steering event sent
	sent      map[string]sentState // telemetry: each path's states as last sent
	changed   chan struct{}        // capacity 1: a path's state changed (agent Options.Urgent)

	lmu         sync.Mutex          // guards learned, learnedNew
	learned     *pb.LearnedPrefixes // the BGP speaker's learned set; nil: none yet
	learnedNew  bool                // learned not sent since it changed
	learnedSent time.Time           // telemetry: when learned was last sent
	bgpEvents   []*pb.BgpEvent      // not sent yet, at most maxBGPEvents (guarded by lmu)
}

// learnedRefresh is how often the learned prefixes go out again unchanged,
// in case a batch that carried them was dropped from the agent's queue.
const learnedRefresh = time.Minute

// maxBGPEvents bounds the BGP events waiting for a batch; a flapping
// neighbour's oldest are dropped (the edge's own log keeps them).
const maxBGPEvents = 256

// bgpEvent queues a neighbour's state change for the next batch and asks
// for an urgent one; it never blocks.
func (e *controlledEdge) bgpEvent(ev bgp.Event) {
	e.lmu.Lock()
	e.bgpEvents = append(e.bgpEvents, &pb.BgpEvent{At: timestamppb.New(ev.Time), Neighbor: ev.Neighbor, From: ev.From,
		To: ev.To, Reason: ev.Reason})
	if over := len(e.bgpEvents) - maxBGPEvents; over > 0 {
		e.bgpEvents = e.bgpEvents[over:]
	}
	e.lmu.Unlock()
	e.signal()
}

// takeBGPEvents empties the queue of BGP events.
func (e *controlledEdge) takeBGPEvents() []*pb.BgpEvent {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	out := e.bgpEvents
	e.bgpEvents = nil
	return out
}

// setLearned takes the BGP speaker's learned prefixes and asks for an
// urgent batch; it never blocks.
func (e *controlledEdge) setLearned(ps []netip.Prefix) {
	lp := &pb.LearnedPrefixes{Prefixes: make([]string, len(ps))}
	for i, p := range ps {
		lp.Prefixes[i] = p.String()
	}
	e.lmu.Lock()
	e.learned, e.learnedNew = lp, true
	e.lmu.Unlock()
	e.signal()
}

// learnedFor is the learned set to put in a batch: when it changed, or
// (periodic batches) when it was last sent learnedRefresh ago.
func (e *controlledEdge) learnedFor(periodic bool, now time.Time) *pb.LearnedPrefixes {
	e.lmu.Lock()
	defer e.lmu.Unlock()
	if e.learned == nil || !e.learnedNew && !(periodic && now.Sub(e.learnedSent) >= learnedRefresh) {
		return nil
	}
	e.learnedNew, e.learnedSent = false, now
	return e.learned
}

// sentState is a path's state and BFD state as last reported.
type sentState struct{ state, bfd string }

// signal tells the agent that a path's state changed; called by the data
// plane, it never blocks.
func (e *controlledEdge) signal() {
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// apply starts the data plane with the first configuration and
// reconfigures it with the next ones.
func (e *controlledEdge) apply(v *config.Valid) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dp != nil {
		ch, err := e.dp.Reconfigure(v)
		logChanges(e.log, "controller configuration", ch, err)
		if err != nil {
			return err
		}
		return e.bgp.apply(e.dp, v)
	}
	dp, err := dataplane.Start(v, e.log)
	if err != nil {
		return err
	}
	if err := e.bgp.apply(dp, v); err != nil {
		_ = dp.Close()
		return err
	}
	stop, err := serveEdge(dp, e.bgp, e.sock, e.metricsAddr, e.log, e.bgp.handlers())
	if err != nil {
		e.bgp.close()
		_ = dp.Close()
		return err
	}
	e.dp, e.stopSock = dp, stop
	dp.OnStateChange(func() { e.signal(); e.bgp.stateChanged() })
	e.log.Info("edge up", "site", v.Name, "paths", len(dp.Paths()), "control_socket", e.sock)
	return nil
}

func (e *controlledEdge) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dp == nil {
		return
	}
	e.stopSock()
	e.bgp.close()
	if err := e.dp.Close(); err != nil {
		e.log.Error("stopping", "err", err)
	}
}

// pathSince is when a path's counters were last zero, and its packet
// count then, to see a reset (a path restarted by a reconfiguration).
type pathSince struct {
	at      time.Time
	packets uint64
}

// telemetry is a batch of the paths' samples, the steering events since
// the last batch and the paths' counters; nil before the data plane
// runs. It and urgentTelemetry are called from one goroutine.
func (e *controlledEdge) telemetry() *pb.Telemetry {
	st, ok := e.status()
	if !ok {
		return nil
	}
	now := time.Now()
	t := &pb.Telemetry{PathSamples: e.samples(st, now, false), SteeringEvents: e.steeringEvents(st),
		LearnedPrefixes: e.learnedFor(true, now), BgpEvents: e.takeBGPEvents()}
	for _, p := range st.Paths {
		s, ok := e.since[p.ID]
		if n := p.TxPackets + p.RxPackets; !ok || n < s.packets {
			s.at = now
		}
		s.packets = p.TxPackets + p.RxPackets
		e.since[p.ID] = s
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

// urgentTelemetry is the batch sent at once when a path's state changed:
// the samples of the paths whose state or BFD state differs from the
// last batch, and the steering events since; nil when there are none.
func (e *controlledEdge) urgentTelemetry() *pb.Telemetry {
	e.mu.Lock()
	dp := e.dp
	e.mu.Unlock()
	if dp == nil {
		return nil
	}
	var st dataplane.Status // only the paths and events: dp.PathStates
	st.Paths, st.Events = dp.PathStates()
	t := &pb.Telemetry{PathSamples: e.samples(st, time.Now(), true), SteeringEvents: e.steeringEvents(st),
		LearnedPrefixes: e.learnedFor(false, time.Now()), BgpEvents: e.takeBGPEvents()}
	if len(t.PathSamples) == 0 && len(t.SteeringEvents) == 0 && t.LearnedPrefixes == nil && len(t.BgpEvents) == 0 {
		return nil
	}
	return t
}

// status is the data plane's; false before it runs.
func (e *controlledEdge) status() (dataplane.Status, bool) {
	e.mu.Lock()
	dp := e.dp
	e.mu.Unlock()
	if dp == nil {
		return dataplane.Status{}, false
	}
	return dp.Status(), true
}

// samples are the paths' samples (only those whose states changed since
// the last batch, if onlyChanged); it remembers the states sent.
func (e *controlledEdge) samples(st dataplane.Status, now time.Time, onlyChanged bool) []*pb.PathSample {
	var out []*pb.PathSample
	if !onlyChanged {
		clear(e.sent) // paths that are gone are forgotten
	}
	for _, p := range st.Paths {
		s := sentState{state: p.State, bfd: p.BFDState}
		if onlyChanged && e.sent[p.ID] == s {
			continue
		}
		e.sent[p.ID] = s
		ps := &pb.PathSample{PathId: p.ID, MeasuredAt: timestamppb.New(now), State: pathStates[p.State],
			BfdState: bfdStates[p.BFDState], Score: p.Score, Suppressed: p.Suppressed, ActiveFlows: uint32(p.ActiveFlows)}
		if p.LatencyMS != nil {
			ps.MetricsValid, ps.LatencyMs, ps.JitterMs, ps.LossPct = true, *p.LatencyMS, *p.JitterMS, *p.LossPct
		}
		out = append(out, ps)
	}
	return out
}

// steeringEvents are the steering events newer than the last sent.
func (e *controlledEdge) steeringEvents(st dataplane.Status) []*pb.SteeringEvent {
	var out []*pb.SteeringEvent
	for _, ev := range st.Events {
		if !ev.Time.After(e.lastEvent) {
			continue
		}
		e.lastEvent = ev.Time
		out = append(out, &pb.SteeringEvent{At: timestamppb.New(ev.Time), PathId: ev.PathID,
			Kind: eventKinds[ev.Kind], Reason: ev.Reason, FlowsMoved: uint32(ev.FlowsMoved), SiteId: uint32(ev.Site),
			Policy: ev.Policy, FromPathIds: splitIDs(ev.From), ToPathIds: splitIDs(ev.To)})
	}
	return out
}

var (
	pathStates = map[string]pb.PathState{"up": pb.PathState_PATH_STATE_UP, "degraded": pb.PathState_PATH_STATE_DEGRADED,
		"down": pb.PathState_PATH_STATE_DOWN}
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

package cli

import (
	"context"
	"crypto/ecdh"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
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
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/metrics"
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
		var mcfg metrics.ServeConfig
		if mcfg.Addr, err = cmd.Flags().GetString("metrics-listen"); err != nil {
			return err
		}
		if mcfg.TokenFile, err = cmd.Flags().GetString("metrics-token-file"); err != nil {
			return err
		}
		return runControlled(cmd, agent.Options{Controller: addr, JoinToken: token, StateDir: stateDir}, sock, mcfg)
	}
}

// runControlled runs the edge on the controller's configuration until
// SIGINT or SIGTERM. The data plane starts with the first valid
// configuration: the one saved by the last run, or the controller's.
func runControlled(cmd *cobra.Command, opts agent.Options, sock string, mcfg metrics.ServeConfig) error {
	log, stopTracing, tracing, err := edgeObservability(cmd)
	if err != nil {
		return err
	}
	defer stopTracing()
	opts.Tracing = tracing
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	signal.Ignore(syscall.SIGHUP) // the controller owns the configuration
	e := &controlledEdge{log: log, sock: sock, metrics: mcfg, tel: agent.NewTelemetryBuilder(),
		changed: make(chan struct{}, 1), bgp: &edgeBGP{log: log}}
	e.bgp.onLearned, e.bgp.onEvent = e.setLearned, e.bgpEvent
	e.nat = &edgeNAT{log: log, onChange: e.signal}
	defer e.close()
	opts.Apply, opts.Telemetry, opts.Log = e.apply, e.telemetry, log
	opts.Urgent, opts.UrgentTelemetry = e.changed, e.urgentTelemetry
	opts.Links = e.links
	opts.RotateKey = e.rotateKey
	a, err := agent.New(ctx, opts)
	if err != nil {
		return err
	}
	e.log = log.With("site", a.Identity().SiteName) // before Run: the data plane's records carry it
	e.log.Info("edge in controller mode", "identity", a.Identity(), "controller", opts.Controller, "state_dir", opts.StateDir)
	return a.Run(ctx)
}

// controlledEdge is the data plane driven by the agent.
type controlledEdge struct {
	log     *slog.Logger
	sock    string
	metrics metrics.ServeConfig

	mu       sync.Mutex
	dp       *dataplane.Dataplane // guarded by mu; nil before the first configuration
	stopSock func()               // guarded by mu
	wan      []agent.Link         // guarded by mu: the links of the configuration in force
	bgp      *edgeBGP             // the BGP speaker, with the data plane
	nat      *edgeNAT             // endpoint discovery on the data plane's links

	tel     *agent.TelemetryBuilder // used by telemetry and urgentTelemetry only (one goroutine)
	changed chan struct{}           // capacity 1: a path's state changed (agent Options.Urgent)

	lmu         sync.Mutex          // guards learned, learnedNew
	learned     *pb.LearnedPrefixes // the BGP speaker's learned set; nil: none yet
	learnedNew  bool                // learned not sent since it changed
	learnedSent time.Time           // telemetry: when learned was last sent
	bgpEvents   []*pb.BgpEvent      // not sent yet, at most maxBGPEvents (guarded by lmu)
	// statusSent is the BGP status last put in a batch, at statusSentAt
	// (guarded by lmu).
	statusSent   *pb.BgpStatus
	statusSentAt time.Time
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
		localapi.LogChanges(e.log, "controller configuration", ch, err)
		if err != nil {
			return err
		}
		e.wan = agent.LinksOf(v)
		e.nat.apply(e.dp, v.NAT)
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
	stop, err := serveEdge(dp, e.bgp, e.sock, e.metrics, e.log, e.bgp.handlers())
	if err != nil {
		e.bgp.close()
		_ = dp.Close()
		return err
	}
	e.dp, e.stopSock, e.wan = dp, stop, agent.LinksOf(v)
	e.nat.apply(dp, v.NAT)
	dp.OnStateChange(func() { e.signal(); e.bgp.stateChanged(); e.nat.recheck() })
	e.log.Info("edge up", "site", v.Name, "paths", len(dp.Paths()), "control_socket", e.sock)
	return nil
}

// links are the WAN links of the configuration in force, for the
// control channel (agent Options.Links).
func (e *controlledEdge) links() []agent.Link {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.wan
}

func (e *controlledEdge) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dp == nil {
		return
	}
	e.stopSock()
	e.nat.close()
	e.bgp.close()
	if err := e.dp.Close(); err != nil {
		e.log.Error("stopping", "err", err)
	}
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
	t := e.tel.Batch(st.Status, now)
	t.FlowSummaries = e.tel.FlowSummaries(now, st.takeTraffic)
	t.CurrentFlows = e.tel.CurrentFlows(now, st.flows)
	t.LearnedPrefixes, t.BgpEvents = e.learnedFor(true, now), e.takeBGPEvents()
	t.NatObservations = e.nat.observations()
	t.BgpStatus = e.bgpStatusFor(now)
	return t
}

// urgentTelemetry is the batch sent at once when a path's state changed
// (agent.TelemetryBuilder.Urgent); nil when there is nothing to send.
func (e *controlledEdge) urgentTelemetry() *pb.Telemetry {
	e.mu.Lock()
	dp := e.dp
	e.mu.Unlock()
	if dp == nil {
		return nil
	}
	now := time.Now()
	paths, events := dp.PathStates()
	t := e.tel.Urgent(paths, events, now)
	learned, bgpEvents, nat := e.learnedFor(false, now), e.takeBGPEvents(), e.nat.observations()
	if t == nil && learned == nil && len(bgpEvents) == 0 && nat == nil {
		return nil
	}
	if t == nil {
		t = &pb.Telemetry{}
	}
	t.LearnedPrefixes, t.BgpEvents, t.NatObservations = learned, bgpEvents, nat
	if len(bgpEvents) > 0 { // a neighbour's state changed: its status with it
		t.BgpStatus = e.bgpStatusFor(now)
	}
	return t
}

// edgeStatus is the data plane's status, its traffic by application
// (dataplane.Dataplane.TakeAppTraffic) and its flows (Flows).
type edgeStatus struct {
	localapi.Status
	takeTraffic func() []localapi.AppTraffic
	flows       func() []localapi.FlowStatus
}

// status is the data plane's; false before it runs.
func (e *controlledEdge) status() (edgeStatus, bool) {
	e.mu.Lock()
	dp := e.dp
	e.mu.Unlock()
	if dp == nil {
		return edgeStatus{}, false
	}
	flows := func() []localapi.FlowStatus { fs, _ := dp.Flows(); return fs }
	return edgeStatus{dp.Status(), dp.TakeAppTraffic, flows}, true
}

// rotateKey moves the running data plane to a new WireGuard key, path by
// path (dataplane.RotateKey); e.mu is not held meanwhile, so
// configurations keep being applied.
func (e *controlledEdge) rotateKey(ctx context.Context, next *ecdh.PrivateKey) error {
	e.mu.Lock()
	dp := e.dp
	e.mu.Unlock()
	if dp == nil {
		return errors.New("key rotation: the data plane is not running yet")
	}
	return dp.RotateKey(ctx, next)
}

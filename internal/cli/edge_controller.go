package cli

import (
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/agent"
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
		changed: make(chan struct{}, 1)}
	defer e.close()
	opts.Apply, opts.Telemetry, opts.Log = e.apply, e.telemetry, log
	opts.Urgent, opts.UrgentTelemetry = e.changed, e.urgentTelemetry
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

	tel     *agent.TelemetryBuilder // used by telemetry and urgentTelemetry only (one goroutine)
	changed chan struct{}           // capacity 1: a path's state changed (agent Options.Urgent)
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
		return err
	}
	dp, err := dataplane.Start(v, e.log)
	if err != nil {
		return err
	}
	stop, err := serveEdge(dp, e.sock, e.metrics, e.log, nil)
	if err != nil {
		_ = dp.Close()
		return err
	}
	e.dp, e.stopSock = dp, stop
	dp.OnStateChange(e.signal)
	e.log.Info("edge up", "paths", len(dp.Paths()), "control_socket", e.sock)
	return nil
}

func (e *controlledEdge) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dp == nil {
		return
	}
	e.stopSock()
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
	return e.tel.Batch(st, time.Now())
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
	paths, events := dp.PathStates()
	return e.tel.Urgent(paths, events, time.Now())
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
